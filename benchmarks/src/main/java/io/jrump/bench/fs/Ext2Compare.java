package io.jrump.bench.fs;

import io.jrump.api.ErrnoException;
import io.jrump.bench.Row;
import io.jrump.bench.Target;
import io.jrump.measure.Samples;
import io.jrump.measure.Units;
import io.jrump.fs.ext2.Ext2Type;
import io.jrump.fs.vfs.MountOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.DoubleFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The ext2 comparison of issue 3: jrump's ext2 driver against Linux's own ext2 on a loop
 * device and against fuse2fs, in the same run, on images made the same way, with the host's
 * caches dropped before every phase. Prints a markdown table of throughputs (median and
 * min–max over the rounds) with the ratio jrump / peer, higher being better.
 *
 * <p>Each round gives every side a fresh image, then runs each phase on every side in turn, so
 * that the figures of one phase come from minutes close together; the side that goes first
 * rotates from round to round. Every phase runs on a fresh mount (for jrump, a fresh kernel, so
 * its buffer cache starts as cold as the host's after {@code drop_caches}). A peer
 * that cannot run here (not root, fuse2fs not installed) is skipped with the reason printed in
 * its place. Images go in a directory on a real disk ({@code /var/tmp} by default), never in
 * memory, and are deleted as soon as their round is over.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.jrump.bench.fs.Ext2Compare [--quick] [--rounds N] [--dir DIR] [--cache SIZE]
 * </pre>
 */
@Command(name = "compare-ext2", mixinStandardHelpOptions = true,
        description = "Measure jrump's ext2 against Linux's ext2 (loop mount) and fuse2fs; print a markdown table.")
public final class Ext2Compare implements Callable<Integer> {
    private static final double MIB = 1 << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "Smoke-sized run: 64 MiB file, 1,000 files, no warm-up.")
    boolean quick;

    @Option(names = "--rounds", paramLabel = "N", description = "Rounds (default: 5, --quick 3).")
    Integer rounds;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where images and mount points go; a real disk, not tmpfs (default: /var/tmp).")
    Path dir = Path.of("/var/tmp");

    @Option(names = "--cache", paramLabel = "SIZE", description = "jrump's buffer cache limit, the ext2 mount option cache= (default: 64m).")
    String cache = "64m";

    private final PrintStream out;
    private final PrintStream log;

    Ext2Compare(PrintStream out, PrintStream log) {
        this.out = out;
        this.log = log;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Ext2Compare(System.out, System.err)).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        int roundCount = rounds != null ? rounds : quick ? 3 : 5;
        if (roundCount <= 0) {
            throw new ParameterException(spec.commandLine(), "--rounds must be positive: " + roundCount);
        }
        long cacheBytes;
        try {
            cacheBytes = MountOptions.parseSize("--cache", cache);
        } catch (ErrnoException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Path work = Files.createTempDirectory(Files.createDirectories(dir), "jrump-ext2-");
        try {
            Run run = new Run(quick ? FsWorkload.QUICK : FsWorkload.FULL, roundCount, !quick, cacheBytes, work);
            run.measure();
            out.println(run.table());
            out.flush();
        } finally {
            Host.deleteWorkspace(work);
        }
        return 0;
    }

    /** One comparison run: the contenders, and the figures of every round by key. */
    final class Run {
        private final FsWorkload workload;
        private final int roundCount;
        private final boolean warmUp;
        private final long cacheBytes;
        private final Path work;
        private final Contender rump;
        private final List<Contender> peers;
        private final Map<String, String> skipped = new LinkedHashMap<>();
        private final List<Contender> running = new ArrayList<>();
        private final Map<String, List<Double>> figures = new LinkedHashMap<>();
        private final List<String> problems = new ArrayList<>();
        private String dropFailure;

        Run(FsWorkload workload, int roundCount, boolean warmUp, long cacheBytes, Path work) throws IOException {
            this.workload = workload;
            this.roundCount = roundCount;
            this.warmUp = warmUp;
            this.cacheBytes = cacheBytes;
            this.work = work;
            this.rump = Contender.jrump(mountOptions());
            this.peers = List.of(new LoopMount(Files.createDirectory(work.resolve("loop"))),
                    new Fuse2fsMount(Files.createDirectory(work.resolve("fuse2fs")), work.resolve("fuse2fs.log")));
            running.add(rump);
            for (Contender p : peers) {
                String why = p.unavailability();
                if (why == null) {
                    running.add(p);
                } else {
                    skipped.put(p.key(), why);
                }
            }
        }

        void measure() throws IOException {
            log.println("jrump ext2 comparison (" + workload.name() + "): " + workload.describe() + "; " + roundCount + " round(s)");
            skipped.forEach((peer, why) -> log.println("  skipping " + peer + ": " + why));
            if (warmUp) {
                log.println("warm-up (not counted): the quick workload once per side");
                round(FsWorkload.QUICK, new Phases(FsWorkload.QUICK), 0, false);
            }
            Phases phases = new Phases(workload);
            for (int round = 1; round <= roundCount; round++) {
                log.println("round " + round + "/" + roundCount);
                round(workload, phases, round - 1, true);
            }
        }

        /**
         * One round: a fresh image per side, then each phase on every side in turn (so that the
         * sides of one phase run close together on this noisy machine), the first side rotating
         * with {@code shift}; figures kept when {@code counted}.
         */
        private void round(FsWorkload w, Phases phases, int shift, boolean counted) throws IOException {
            List<Contender> order = new ArrayList<>();
            for (int i = 0; i < running.size(); i++) {
                order.add(running.get((i + shift) % running.size()));
            }
            Map<Contender, Path> images = new LinkedHashMap<>();
            try {
                for (Contender c : order) {
                    Path image = work.resolve(c.key() + ".img");
                    images.put(c, image);
                    Images.fresh(image, w.imageBytes());
                }
                double[] heap = new double[3];
                for (Contender c : order) {
                    long write = phase(c, images.get(c), "write", phases::write, heap, 0);
                    if (counted) {
                        record(c.key() + ".write", w.fileBytes() / seconds(write));
                    }
                }
                for (Contender c : order) {
                    long read = phase(c, images.get(c), "read", phases::read, heap, 1);
                    if (counted) {
                        record(c.key() + ".read", w.fileBytes() / seconds(read));
                    }
                }
                for (Contender c : order) {
                    Phases.MetadataTimes meta = phase(c, images.get(c), "metadata", phases::metadata, heap, 2);
                    if (counted) {
                        record(c.key() + ".meta", w.files() / seconds(meta.total()));
                        record(c.key() + ".create", meta.create());
                        record(c.key() + ".stat", meta.stat());
                        record(c.key() + ".delete", meta.delete());
                    }
                }
                String fsck = Images.check(images.get(rump));
                if (fsck != null) {
                    problems.add("e2fsck -fn after jrump's round: " + fsck);
                    log.println("  e2fsck -fn complains: " + fsck);
                }
                if (counted) {
                    record("jrump.heap.write", heap[0]);
                    record("jrump.heap.read", heap[1]);
                    record("jrump.heap.metadata", heap[2]);
                    record("jrump.heap", Math.max(heap[0], Math.max(heap[1], heap[2])));
                }
            } finally {
                for (Path image : images.values()) {
                    Files.deleteIfExists(image);
                }
            }
        }

        /** Mounts, drops the host's caches, times {@code body}, unmounts (measuring jrump's heap). */
        private <T> T phase(Contender c, Path image, String name, TimedPhase<T> body, double[] heap, int slot) throws IOException {
            log.println("  " + c.key() + ": " + name);
            MountedFs fs = c.mount(image);
            T result;
            try {
                String why = Host.dropCaches();
                if (why != null && dropFailure == null) {
                    dropFailure = why;
                    log.println("  " + why);
                }
                System.gc();
                result = body.run(fs);
            } catch (IOException | RuntimeException e) {
                try {
                    fs.unmount(false);
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            double held = fs.unmount(c == rump);
            if (c == rump) {
                heap[slot] = held;
            }
            return result;
        }

        private void record(String key, double value) {
            figures.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }

        private Samples samples(String key) {
            List<Double> values = figures.get(key);
            if (values == null) {
                throw new IllegalStateException("no figures for " + key);
            }
            return Samples.of(values.stream().mapToDouble(Double::doubleValue).toArray());
        }

        List<Row> rows() {
            List<Row> rows = new ArrayList<>();
            String files = Units.count(workload.files()) + " files in " + workload.dirs() + " dirs";
            addRows(rows, "sequential write " + workload.fileSize() + " + fsync", Ext2Compare::mibPerSecond, "write", 0.8);
            addRows(rows, "sequential read " + workload.fileSize(), Ext2Compare::mibPerSecond, "read", 0.8);
            addRows(rows, "metadata: create + stat + delete " + files, Ext2Compare::filesPerSecond, "meta", 0.5);
            rows.add(new Row("buffer cache memory (heap freed by unmount, largest phase)", Units::bytes, samples("jrump.heap"),
                    "none (the host's page cache is shared, not per mount)", null,
                    Target.atMost(cacheBytes, "≤ cache limit (" + Units.bytes(cacheBytes) + ")")));
            return rows;
        }

        private void addRows(List<Row> rows, String name, DoubleFunction<String> unit, String phase, double kernelFactor) {
            Samples mine = samples("jrump." + phase);
            for (Contender p : peers) {
                boolean kernel = p instanceof LoopMount;
                double factor = kernel ? kernelFactor : 1.0;
                Target target = Target.atLeastTimesPeer(factor,
                        String.format(Locale.ROOT, "≥ %.1fx %s", factor, kernel ? "kernel" : "fuse2fs"));
                String why = skipped.get(p.key());
                rows.add(why == null
                        ? new Row(name, unit, mine, p.description(), samples(p.key() + "." + phase), target)
                        : new Row(name, unit, mine, p.description() + " skipped: " + why, null, target));
            }
        }

        String table() {
            StringBuilder sb = new StringBuilder(Row.HEADER).append('\n');
            for (Row row : rows()) {
                sb.append(row.markdown()).append('\n');
            }
            sb.append('\n').append(breakdown()).append('\n');
            sb.append("- ").append(workload.name()).append(": ").append(workload.describe()).append("; ").append(roundCount)
                    .append(" round(s)").append(warmUp ? " after one uncounted warm-up pass per side" : "")
                    .append("; each phase runs on every side in turn, the side that goes first rotating.\n")
                    .append("- Figures are throughputs: MiB/s, or files/s (each file created, stat'ed and deleted). ")
                    .append("Ratio = jrump median / peer median (higher is better).\n")
                    .append("- Every phase runs on a fresh mount (jrump: a fresh kernel) after ")
                    .append(dropFailure == null ? "`sync; echo 3 > /proc/sys/vm/drop_caches`" : "**no cache drop: " + dropFailure + "**")
                    .append(". Images: ").append(Images.maker()).append(", in ").append(dir).append(".\n")
                    .append("- jrump: `Rump.builder().disk(\"disk0\", image)`, ext2 mounted with `").append(mountOptions())
                    .append("`, calls through `Syscalls`; peers: `FileChannel`/`Files` on the host mount, `force(true)` for fsync; ")
                    .append("both with the same direct buffers.\n")
                    .append("- Buffer cache memory: settled heap before unmount less after, per phase (medians) write ")
                    .append(Units.bytes(samples("jrump.heap.write").median())).append(", read ")
                    .append(Units.bytes(samples("jrump.heap.read").median())).append(", metadata ")
                    .append(Units.bytes(samples("jrump.heap.metadata").median())).append(".\n");
            for (String p : problems) {
                sb.append("- **").append(p).append("**\n");
            }
            sb.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ")
                    .append(Runtime.version()).append(", ").append(System.getProperty("os.name")).append(' ')
                    .append(System.getProperty("os.version")).append('.');
            return sb.toString();
        }

        /** The metadata workload's steps, median times per side, to show where time goes. */
        private String breakdown() {
            StringBuilder head = new StringBuilder("| metadata step, median time (min–max) |");
            StringBuilder rule = new StringBuilder("|---|");
            for (Contender c : running) {
                head.append(' ').append(c.key()).append(" |");
                rule.append("---|");
            }
            StringBuilder sb = new StringBuilder(head).append('\n').append(rule).append('\n');
            String[][] steps = {
                {"create", "create " + Units.count(workload.files()) + " files (and " + workload.dirs() + " mkdir)"},
                {"stat", "stat every file"},
                {"delete", "unlink every file (and " + workload.dirs() + " rmdir)"}};
            for (String[] step : steps) {
                sb.append("| ").append(step[1]).append(" |");
                for (Contender c : running) {
                    Samples s = samples(c.key() + "." + step[0]);
                    sb.append(' ').append(Units.nanos(s.median())).append(" (").append(Units.nanos(s.min())).append("–")
                            .append(Units.nanos(s.max())).append(") |");
                }
                sb.append('\n');
            }
            return sb.toString();
        }
    }

    private String mountOptions() {
        return Ext2Type.CACHE_OPTION + "=" + cache;
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    static String mibPerSecond(double bytesPerSecond) {
        return Units.digits(bytesPerSecond / MIB) + " MiB/s";
    }

    static String filesPerSecond(double perSecond) {
        return Units.count(Math.round(perSecond)) + " files/s";
    }

    @FunctionalInterface
    private interface TimedPhase<T> {
        T run(MountedFs fs) throws IOException;
    }
}
