package io.jrump.bench.fs;

import io.jrump.bench.Row;
import io.jrump.bench.Target;
import io.jrump.measure.Samples;
import io.jrump.measure.Units;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Reading side by side with Linux, cold: (a) 4 KiB random reads from one large file on ext2 by
 * 1, 2 and 4 threads at once, jrump against Linux's ext2 on a loop mount, so the table shows how
 * each scales when its I/O can overlap (the buffer cache's lock covers no device read); (b)
 * {@code rump cp -r IMG:/big OUT} of a directory of many small files on ext4, the command as a
 * user runs it (a fresh JVM), against {@code cp -r} from a read-only loop mount of the same
 * image. The host's caches are dropped before every measurement; sides alternate, the first
 * rotating per round. The loop mounts and cache drops need root: without it the peers are
 * skipped with the reason in the table.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.jrump.bench.fs.ReadCompare [--quick] [--rounds N] [--dir DIR] [--cp-image IMG] [--cli-jar JAR]
 * </pre>
 */
@Command(name = "compare-reads", mixinStandardHelpOptions = true,
        description = "Random-read scaling and cp -r of many small files: jrump against Linux, cold caches; a markdown table.")
public final class ReadCompare implements Callable<Integer> {
    private static final int READ_BYTES = 4096;
    private static final int[] THREADS = {1, 2, 4};
    /** Size of each file the cp row copies, as the image holds. */
    private static final int SMALL_FILE = 100;

    @Option(names = "--quick", description = "Smoke-sized: 128 MiB file, 300 reads per thread, 3,000 files.")
    boolean quick;

    @Option(names = "--rounds", paramLabel = "N", description = "Rounds (default: 3).")
    int rounds = 3;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where images go; a real disk, not tmpfs (default: /var/tmp).")
    Path dir = Path.of("/var/tmp");

    @Option(names = "--cp-image", paramLabel = "IMG", description = "An ext4 image whose /big holds the files to copy (default: one made here).")
    Path cpImage;

    @Option(names = "--cli-jar", paramLabel = "JAR", description = "The rump command's jar the cp row runs (default: rump-cli/target/rump-cli.jar).")
    Path cliJar = Path.of("rump-cli/target/rump-cli.jar");

    @Option(names = "--cli-java-opts", paramLabel = "OPTS", description = "JVM options of the cp row's command, space-separated"
            + " (default: the quick-start ones the rump launcher gives every command but serve; \"\" for the JVM's defaults).")
    String cliJavaOpts = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

    @Option(names = "--skip-random", description = "Only the cp -r row.")
    boolean skipRandom;

    @Option(names = "--skip-cp", description = "Only the random-read rows.")
    boolean skipCp;

    private final PrintStream out;
    private final PrintStream log;
    private final Map<String, List<Double>> figures = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    ReadCompare(PrintStream out, PrintStream log) {
        this.out = out;
        this.log = log;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ReadCompare(System.out, System.err)).execute(args));
    }

    private long fileBytes() {
        return quick ? 128L << 20 : 1L << 30;
    }

    private int readsPerThread() {
        return quick ? 300 : 2000;
    }

    private int smallFiles() {
        return quick ? 3000 : 60_000;
    }

    @Override
    public Integer call() throws IOException {
        Path work = Files.createTempDirectory(Files.createDirectories(dir), "jrump-reads-");
        LoopMount loop = new LoopMount(Files.createDirectory(work.resolve("loop")));
        String loopWhy = loop.unavailability();
        String dropWhy = Host.isRoot() ? null : "not root: caches cannot be dropped";
        List<Row> rows = new ArrayList<>();
        try {
            if (!skipRandom) {
                randomReads(work, loop, loopWhy, rows);
            }
            if (!skipCp) {
                copyTree(work, loopWhy != null ? loopWhy : dropWhy, rows);
            }
        } finally {
            Host.run("rm", "-rf", work.resolve("out").toString());
            Host.deleteWorkspace(work);
        }
        StringBuilder sb = new StringBuilder(Row.HEADER).append('\n');
        for (Row r : rows) {
            sb.append(r.markdown()).append('\n');
        }
        sb.append('\n');
        for (String n : notes) {
            sb.append("- ").append(n).append('\n');
        }
        sb.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ")
                .append(Runtime.version()).append(", ").append(System.getProperty("os.name")).append(' ')
                .append(System.getProperty("os.version")).append(", load average at the end ")
                .append(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]).append('.');
        out.println(sb);
        out.flush();
        return 0;
    }

    // ---- (a) random reads ----

    private void randomReads(Path work, LoopMount loop, String loopWhy, List<Row> rows) throws IOException {
        Path image = work.resolve("random.img");
        long bytes = fileBytes();
        log.println("random reads: writing a " + Units.bytes(bytes) + " file on a fresh ext2 image");
        Images.fresh(image, bytes + bytes / 8 + (64L << 20));
        MountedFs w = RumpFs.mount(image, "cache=64m");
        w.writeAndFsync("file", bytes, ByteBuffer.allocateDirect(1 << 20));
        w.unmount(false);
        List<Contender> sides = new ArrayList<>(List.of(Contender.jrump("cache=64m")));
        if (loopWhy == null) {
            sides.add(loop);
        }
        try {
            for (int round = 0; round < rounds; round++) {
                log.println("random reads: round " + (round + 1) + "/" + rounds);
                for (int threads : THREADS) {
                    for (int i = 0; i < sides.size(); i++) {
                        Contender c = sides.get((i + round) % sides.size());
                        MountedFs fs = c.mount(image);
                        try {
                            note(Host.dropCaches());
                            record(c.key() + ".random." + threads, randomReadRate(fs, bytes, threads, round));
                        } finally {
                            fs.unmount(false);
                        }
                    }
                }
            }
        } finally {
            Files.deleteIfExists(image);
        }
        for (int threads : THREADS) {
            String name = "random 4 KiB reads of a " + Units.bytes(bytes) + " file, " + threads + " thread" + (threads > 1 ? "s" : "");
            rows.add(loopWhy == null
                    ? new Row(name, ReadCompare::readsPerSecond, samples("jrump.random." + threads), loop.description(),
                            samples("loop.random." + threads), Target.report())
                    : new Row(name, ReadCompare::readsPerSecond, samples("jrump.random." + threads),
                            loop.description() + " skipped: " + loopWhy, null, Target.report()));
        }
        for (int threads : THREADS) {
            if (threads == 1) {
                continue;
            }
            StringBuilder s = new StringBuilder("Scaling, " + threads + " threads over 1 (medians): jrump "
                    + Units.digits(samples("jrump.random." + threads).median() / samples("jrump.random.1").median()) + "x");
            if (loopWhy == null) {
                s.append(", Linux ").append(Units.digits(samples("loop.random." + threads).median() / samples("loop.random.1").median())).append('x');
            }
            notes.add(s.append('.').toString());
        }
        notes.add("Random reads: " + readsPerThread() + " reads of " + READ_BYTES + " bytes at 4 KiB-aligned offsets per thread, "
                + "all threads on one open file, after a fresh mount and `echo 3 > /proc/sys/vm/drop_caches`; jrump through "
                + "`Syscalls.pread` (ext2, cache=64m), Linux through `FileChannel.read(dst, position)`. Image: " + Images.maker() + ".");
    }

    /** {@code threads} threads reading at random offsets at once; reads per second over the wall time of all. */
    private double randomReadRate(MountedFs fs, long bytes, int threads, int round) throws IOException {
        int each = readsPerThread();
        long blocks = bytes / READ_BYTES;
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (MountedFs.PositionalReader r = fs.openReader("file")) {
            List<Future<Void>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                SplittableRandom random = new SplittableRandom(round * 31L + t);
                done.add(pool.submit(() -> {
                    ByteBuffer buf = ByteBuffer.allocateDirect(READ_BYTES);
                    start.await();
                    for (int i = 0; i < each; i++) {
                        buf.clear();
                        long at = random.nextLong(blocks) * READ_BYTES;
                        if (r.pread(buf, at) != READ_BYTES) {
                            throw new IOException("short read at " + at);
                        }
                    }
                    return null;
                }));
            }
            start.await();
            long t0 = System.nanoTime();
            for (Future<Void> f : done) {
                f.get();
            }
            return (double) each * threads / ((System.nanoTime() - t0) / 1e9);
        } catch (Exception e) {
            throw e instanceof IOException io ? io : new IOException("random reads: " + e, e);
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- (b) cp -r of many small files ----

    private void copyTree(Path work, String why, List<Row> rows) throws IOException {
        if (why != null) {
            notes.add("**cp -r row skipped: " + why + "** (it needs a loop mount and cache drops on both sides).");
            return;
        }
        Path image = cpImage != null ? cpImage : makeTreeImage(work);
        Path mnt = Files.createDirectory(work.resolve("cpmnt"));
        int files = cpImage != null ? countFiles(image, mnt) : smallFiles();
        if (!Files.isRegularFile(cliJar)) {
            notes.add("**cp -r row skipped: no rump command jar at " + cliJar + "** (build it: mvn -pl rump-cli -am package).");
            return;
        }
        Path outDir = work.resolve("out");
        List<Double> pairRatios = new ArrayList<>();
        try {
            for (int round = 0; round < rounds; round++) {
                log.println("cp -r: round " + (round + 1) + "/" + rounds);
                for (int i = 0; i < 2; i++) {
                    Host.run("rm", "-rf", outDir.toString());
                    if ((i + round) % 2 == 0) {
                        note(Host.dropCaches());
                        long t0 = System.nanoTime();
                        rumpCp(cliJar, cliJavaOpts, image, outDir);
                        record("jrump.cp", files / ((System.nanoTime() - t0) / 1e9));
                    } else {
                        Host.run("mount", "-o", "loop,ro", image.toString(), mnt.toString());
                        try {
                            note(Host.dropCaches());
                            long t0 = System.nanoTime();
                            Host.run("cp", "-r", mnt.resolve("big").toString(), outDir.toString());
                            record("linux.cp", files / ((System.nanoTime() - t0) / 1e9));
                        } finally {
                            Host.run("umount", mnt.toString());
                        }
                    }
                }
                List<Double> j = figures.get("jrump.cp");
                List<Double> l = figures.get("linux.cp");
                pairRatios.add(j.get(j.size() - 1) / l.get(l.size() - 1));
            }
        } finally {
            Host.run("rm", "-rf", outDir.toString());
            if (cpImage == null) {
                Files.deleteIfExists(image);
            }
        }
        String name = "rump cp -r IMG:/big OUT (" + Units.count(files) + " files, ext4), fresh JVM";
        rows.add(new Row(name, ReadCompare::filesPerSecond, samples("jrump.cp"), "cp -r from a read-only loop mount",
                samples("linux.cp"), Target.atLeastTimesPeer(0.8, "≥ 0.8x cp -r")));
        notes.add("cp -r, the ratio of each round's pair (jrump's rate over Linux's, measured one after the other): median "
                + Units.digits(Samples.of(pairRatios.stream().mapToDouble(Double::doubleValue).toArray()).median()) + " ("
                + String.join(", ", pairRatios.stream().map(Units::digits).toList()) + ").");
        notes.add("cp -r: files copied per second, over the wall time of the whole command: `java "
                + (cliJavaOpts.isBlank() ? "" : cliJavaOpts.trim() + " ") + "-jar " + cliJar + " "
                + "cp -r IMG:/big OUT/` (JVM start, mount, copy) against `cp -r MNT/big OUT` on `mount -o loop,ro`; caches dropped "
                + "before each; image " + (cpImage != null ? cpImage.toString() : "made here: mkfs.ext4 defaults, files written through a loop mount") + ".");
    }

    /** An ext4 image whose /big holds {@link #smallFiles()} files, written by Linux through a loop mount. */
    private Path makeTreeImage(Path work) throws IOException {
        Path image = work.resolve("tree.img");
        long bytes = Math.max(256L << 20, (long) smallFiles() * 16384);
        log.println("cp -r: making an ext4 image with " + Units.count(smallFiles()) + " files");
        Files.deleteIfExists(image);
        Host.run("mkfs.ext4", "-q", "-F", image.toString(), (bytes >> 10) + "k");
        Path mnt = Files.createDirectory(work.resolve("fill"));
        Host.run("mount", "-o", "loop", image.toString(), mnt.toString());
        try {
            Path big = Files.createDirectory(mnt.resolve("big"));
            byte[] data = new byte[SMALL_FILE];
            for (int i = 0; i < smallFiles(); i++) {
                data[0] = (byte) i;
                Files.write(big.resolve(String.format("file_with_a_name_%05d", i)), data);
            }
        } finally {
            Host.run("umount", mnt.toString());
            Files.delete(mnt);
        }
        return image;
    }

    /** Entries in the image's /big, as Linux lists them (read-only loop mount). */
    private static int countFiles(Path image, Path mnt) throws IOException {
        Host.run("mount", "-o", "loop,ro", image.toString(), mnt.toString());
        try (var entries = Files.list(mnt.resolve("big"))) {
            return (int) entries.count();
        } finally {
            Host.run("umount", mnt.toString());
        }
    }

    /** The command as a user runs it: a fresh JVM on the command's jar, output discarded. */
    private static void rumpCp(Path cliJar, String javaOpts, Path image, Path outDir) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        for (String o : javaOpts.trim().split("\\s+")) {
            if (!o.isEmpty()) {
                cmd.add(o);
            }
        }
        cmd.addAll(List.of("-jar", cliJar.toString(), "cp", "-r", image + ":/big", outDir + "/"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = Host.waitFor(p, 600, "rump cp -r");
        if (status != 0) {
            throw new IOException("rump cp -r: exit " + status + ": " + said.strip());
        }
    }

    // ---- figures ----

    private void note(String dropFailure) {
        if (dropFailure != null && !notes.contains(dropFailure)) {
            notes.add("**" + dropFailure + "**");
            log.println("  " + dropFailure);
        }
    }

    private void record(String key, double value) {
        log.println("  " + key + ": " + Units.digits(value));
        figures.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }

    private Samples samples(String key) {
        return Samples.of(figures.get(key).stream().mapToDouble(Double::doubleValue).toArray());
    }

    static String readsPerSecond(double perSecond) {
        return Units.count(Math.round(perSecond)) + " reads/s";
    }

    static String filesPerSecond(double perSecond) {
        return Units.count(Math.round(perSecond)) + " files/s";
    }
}
