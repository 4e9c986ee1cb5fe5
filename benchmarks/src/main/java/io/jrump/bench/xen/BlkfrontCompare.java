package io.jrump.bench.xen;

import io.jrump.api.BlockDevice;
import io.jrump.api.ErrnoException;
import io.jrump.bench.CpuClock;
import io.jrump.bench.Row;
import io.jrump.bench.Target;
import io.jrump.measure.Samples;
import io.jrump.measure.Units;
import io.jrump.dev.FileBlockDevice;
import io.jrump.xen.blk.BlkBackend;
import io.jrump.xen.blk.BlkFront;
import io.jrump.xen.hv.Hypervisor;
import io.jrump.xen.hv.emu.EmulatedXen;
import io.jrump.xen.testing.QemuXenDisk;
import io.jrump.xen.testing.Xenstored;
import io.jrump.xen.xenstore.StreamTransport;
import io.jrump.xen.xenstore.XenStoreClient;
import io.jrump.xen.xenstore.XsStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.DoubleFunction;
import org.opentest4j.TestAbortedException;

/**
 * blkfront over the emulated blkback, and over QEMU's own Xen block backend when it can run
 * here, against the host's {@link FileBlockDevice} on the same file, in the same run:
 * sequential 1 MiB writes and reads, and 4 KiB random reads at queue depth 1 and 32 (32
 * threads), each case for at least {@value #MIN_CASE_NANOS} ns, after {@value #WARM_UP_ROUNDS}
 * rounds not counted. The sequential cases run twice on the blkfront side, as VirtioCompare's
 * do: with the caller's buffer in granted memory ({@link BlkFront#sharedBuffer}: the backend
 * moves the data in the caller's pages, no copy in blkfront), and with a direct buffer of the JVM's
 * (copied once between it and blkfront's pool, the path a file system's own buffers take).
 * Random reads use direct buffers of the JVM's on both sides. Each round measures the three
 * sides back to back in a rotating order.
 *
 * <p>The table also gives each operation's CPU time ({@link CpuClock}): this JVM's, which holds
 * the emulated blkback too, plus QEMU's for its backend; load moves it far less than
 * throughput. For QEMU the table then gives QEMU's own CPU per MiB of the sequential cases,
 * the page-cache work of a read it cannot avoid (timed here), and the ceilings each puts on the
 * ratio even if everything on the JVM's side and between the processes cost nothing. Prints a
 * markdown table, with {@link NetfrontCompare}'s TCP rows after it.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.jrump.bench.xen.BlkfrontCompare [rounds] [MiB]
 * </pre>
 */
public final class BlkfrontCompare {
    private static final int MIB = 1 << 20;

    private BlkfrontCompare() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int mib = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        String table = run(rounds, mib, 2000);
        System.out.print(table);
        System.out.println(NetfrontCompare.row(rounds, mib));
    }

    /**
     * The shortest time each case of each side is measured for, in as many passes over the file
     * (or random reads) as fit: long enough that what a device does at the start of a stream
     * (adapting how its sides wait, a compile) does not decide the figure, and that the host's
     * pass over 64 MiB (3 ms) is not timed alone.
     */
    static final long MIN_CASE_NANOS = 200_000_000L;

    /**
     * Rounds of every side run first and not counted: the first rounds run the drivers' code
     * before the JIT has compiled it (4 KiB reads at queue depth 1 went 14k/s in the first two,
     * above 160k/s from the third on: on two cores, threads that poll leave the compiler little
     * time), and a device's sides learn in them how long each other's answers take.
     */
    static final int WARM_UP_ROUNDS = 2;

    /** The table for {@code rounds} rounds over a file of {@code mib} MiB, {@code ops} random reads per depth. */
    public static String run(int rounds, int mib, int ops) throws Exception {
        return run(rounds, mib, ops, MIN_CASE_NANOS);
    }

    /** As {@link #run(int, int, int)}, each case measured for at least {@code minNanos} (0: one pass). */
    public static String run(int rounds, int mib, int ops, long minNanos) throws Exception {
        Path dir = Files.createTempDirectory("jrump-blkfront-bench");
        Path img = dir.resolve("disk.img");
        try (var f = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.allocate(1), (long) mib * MIB - 1);
        }
        StringBuilder sb = new StringBuilder(Row.HEADER).append('\n');
        try (FileBlockDevice file = FileBlockDevice.open(img, false)) {
            try (EmulatedXen machine = new EmulatedXen()) {
                XsStore store = new XsStore();
                Hypervisor dom0 = machine.createDomain(0, 16);
                Hypervisor dom1 = machine.createDomain(1, 1024);
                try (XenStoreClient xs0 = XenStoreClient.open(store.connect(0)); XenStoreClient xs1 = XenStoreClient.open(store.connect(1))) {
                    BlkBackend back = BlkBackend.create(xs0, dom0, 1, 51712, file);
                    try (BlkFront front = BlkFront.connect(xs1, dom1, back.frontendPath(), Duration.ofSeconds(60))) {
                        sb.append(rows("emulated blkback", front, file, -1, rounds, mib, ops, minNanos));
                    } finally {
                        back.close();
                    }
                }
            }
            sb.append(qemuRows(dir, img, file, rounds, mib, ops, minNanos));
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return sb.toString();
    }

    /**
     * The same rows with QEMU's own Xen block backend ({@code xen-disk}, under the shims rump-xen's
     * tests use) serving the same file as a raw image; a line saying why when QEMU, xenstored or
     * gcc is missing.
     *
     * <p>QEMU's file driver ({@code aio=threads}; this build has no io_uring, and {@code aio=native}
     * needs {@code cache.direct=on}, which would leave the page cache the host side reads from)
     * hands every request to a worker thread. With its default pool a request wakes one of many
     * idle workers; one worker ({@code thread-pool-max=1} on the main loop) takes the queued
     * requests in turn, which halved QEMU's CPU per MiB read here (about 800 to about 400 µs).
     * {@code -Djrump.bench.xen.qemu.workers=N} sets the pool's size, 0 leaves QEMU's default.
     */
    private static String qemuRows(Path dir, Path img, FileBlockDevice file, int rounds, int mib, int ops, long minNanos) throws Exception {
        int workers = Integer.getInteger("jrump.bench.xen.qemu.workers", 1);
        List<String> qemuArgs = workers == 0 ? List.of() : List.of("-object", "main-loop,id=loop,thread-pool-max=" + workers);
        Path qdir = Files.createDirectory(dir.resolve("qemu"));
        try (Xenstored daemon = Xenstored.start(); EmulatedXen machine = new EmulatedXen()) {
            machine.createDomain(0, 16);
            Hypervisor dom1 = machine.createDomain(1, 1024);
            try (XenStoreClient xs = XenStoreClient.open(StreamTransport.connect(daemon.socket()));
                    QemuXenDisk qemu = QemuXenDisk.start(qdir, img, "raw", machine, daemon, xs, true, "", "", qemuArgs);
                    BlkFront front = BlkFront.connect(xs, dom1, QemuXenDisk.FRONTEND, Duration.ofSeconds(60))) {
                return rows("QEMU xen-disk, " + (workers == 0 ? "QEMU's own worker threads" : "thread-pool-max " + workers), front, file, qemu.pid(),
                        rounds, mib, ops, minNanos);
            }
        } catch (TestAbortedException e) {
            return "| blkfront (QEMU xen-disk) | not measured: " + e.getMessage() + " | | | | |\n";
        }
    }

    private static final String[] CASES = {"sequential 1 MiB writes", "sequential 1 MiB reads", "4 KiB random reads, QD1", "4 KiB random reads, QD32"};

    /**
     * The rows of {@code front} against the host's {@code file}: each sequential case with a
     * shared buffer and with a JVM buffer, the random reads, then CPU per operation of each.
     *
     * @param backendPid the backend's process when it is not this JVM, or -1
     */
    private static String rows(String backend, BlkFront front, FileBlockDevice file, long backendPid, int rounds, int mib, int ops, long minNanos) throws Exception {
        // [side][case, then CPU ns per operation of each case, then the backend process's own CPU ns per MiB of the
        // sequential cases][round]; sides: shared buffer, JVM buffer, host
        double[][][] fig = new double[3][2 * CASES.length + 2][rounds];
        double[][][] warmUp = new double[3][2 * CASES.length + 2][1];
        CpuClock xenCpu = new CpuClock(backendPid);
        CpuClock hostCpu = new CpuClock(-1);
        ByteBuffer shared = front.sharedBuffer(MIB);
        double[] floor = new double[rounds];
        try {
            for (int r = -WARM_UP_ROUNDS; r < rounds; r++) {
                for (int k = 0; k < 3; k++) {
                    int side = Math.floorMod(r + k, 3);
                    BlockDevice d = side == 2 ? file : front;
                    ByteBuffer buf = side == 0 ? shared : ByteBuffer.allocateDirect(MIB);
                    measure(d, buf, side != 0, side == 2 ? hostCpu : xenCpu, r < 0 ? warmUp[side] : fig[side], Math.max(r, 0), mib, ops, minNanos);
                }
                if (r >= 0 && backendPid >= 0) {
                    floor[r] = copyFloor(file, mib, front.segmentsPerRequest());
                }
            }
        } finally {
            front.releaseSharedBuffer(shared);
        }
        String via = "blkfront (" + backend + ", ring-page-order " + front.ringPageOrder() + ", " + front.segmentsPerRequest() + " segments"
                + (front.persistentGrants() ? ", persistent grants" : "") + "): ";
        String peer = "host FileBlockDevice, direct buffer";
        DoubleFunction<String> rate = v -> Units.bytes(v) + "/s";
        DoubleFunction<String> iops = v -> Units.digits(v) + " IOPS";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 2; i++) {
            sb.append(new Row(via + CASES[i] + ", buffer in shared memory", rate, Samples.of(fig[0][i]), peer, Samples.of(fig[2][i]),
                    Target.atLeastTimesPeer(0.7, "≥ 0.7x peer")).markdown()).append('\n');
            sb.append(new Row(via + CASES[i] + ", JVM buffer (one copy)", rate, Samples.of(fig[1][i]), peer, Samples.of(fig[2][i]),
                    Target.report()).markdown()).append('\n');
        }
        for (int i = 2; i < CASES.length; i++) {
            sb.append(new Row(via + CASES[i], iops, Samples.of(fig[1][i]), peer, Samples.of(fig[2][i]), Target.report()).markdown()).append('\n');
        }
        DoubleFunction<String> micros = v -> String.format("%.1f µs", v / 1000);
        String cpuVia = "CPU per operation (per MiB for sequential; lower is better), " + (backendPid < 0 ? "the JVM's (blkback in it)" : "the JVM's + QEMU's")
                + ", " + via;
        for (int i = 0; i < CASES.length; i++) {
            for (int side = i < 2 ? 0 : 1; side < 2; side++) {
                String how = i >= 2 ? "" : side == 0 ? ", buffer in shared memory" : ", JVM buffer (one copy)";
                sb.append(new Row(cpuVia + CASES[i] + how, micros, Samples.of(fig[side][CASES.length + i]), "host: the JVM's CPU",
                        Samples.of(fig[2][CASES.length + i]), Target.report()).markdown()).append('\n');
            }
        }
        if (backendPid >= 0) {
            sb.append(ceilingRows(via, fig, floor, front.segmentsPerRequest(), micros));
        }
        return sb.toString();
    }

    /**
     * QEMU's own CPU per MiB of each sequential case (the shared-buffer side, where the JVM copies
     * nothing) against the host's whole CPU for the same MiB, and, for reads, the ceiling that
     * puts on the ratio: the host's read is all CPU (a copy from the page cache), and a
     * synchronous caller whose own side and round trip cost nothing still waits for QEMU's work,
     * so it gets at most host CPU ÷ QEMU CPU of the host's rate (twice that if QEMU's worker and
     * main thread overlapped perfectly on two cores). Not for writes: the host's write waits for
     * the disk at its flush, so its rate is not its CPU's, and no such ceiling follows. For
     * reads, also the part of QEMU's work no event loop or driver can remove ({@link #copyFloor})
     * and the ceiling it alone sets.
     */
    private static String ceilingRows(String via, double[][][] fig, double[] floor, int segments, DoubleFunction<String> micros) {
        StringBuilder sb = new StringBuilder();
        DoubleFunction<String> times = v -> Units.digits(v) + "x";
        String hostCpu = "host: the JVM's whole CPU per MiB";
        for (int i = 0; i < 2; i++) {
            sb.append(new Row("QEMU's own CPU per MiB (the JVM's left out), " + via + CASES[i] + ", buffer in shared memory", micros,
                    Samples.of(fig[0][2 * CASES.length + i]), hostCpu, Samples.of(fig[2][CASES.length + i]), Target.report()).markdown()).append('\n');
        }
        sb.append(new Row("ceiling on the " + CASES[1] + " ratio from QEMU's own CPU (host CPU ÷ QEMU's CPU per MiB: what a free round trip would get)",
                times, Samples.of(ratios(fig[2][CASES.length + 1], fig[0][2 * CASES.length + 1])), "target 0.7x", null, Target.report()).markdown())
                .append('\n');
        int piece = segments * PAGE / 1024;
        sb.append(new Row("QEMU's irreducible work per MiB read, timed here: the file read in " + piece + " KiB pieces (" + segments
                + " segments a request) into a bounce buffer, then each 4 KiB page copied again (the grant copy)", micros, Samples.of(floor), hostCpu,
                Samples.of(fig[2][CASES.length + 1]), Target.report()).markdown()).append('\n');
        sb.append(new Row("ceiling on the sequential 1 MiB reads ratio from that work alone (host CPU ÷ it: free event loop, hand-offs and notifications)", times,
                Samples.of(ratios(fig[2][CASES.length + 1], floor)), "target 0.7x", null, Target.report()).markdown()).append('\n');
        return sb.toString();
    }

    private static double[] ratios(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] / b[i];
        }
        return r;
    }

    private static final int PAGE = 4096;

    /**
     * CPU ns per MiB of the work QEMU's xen-block must do for a sequential read whatever its event
     * loop costs: the same file read through the same {@link FileBlockDevice} the host side uses,
     * but in requests of {@code segments} pages (so 24 reads a MiB at 11 segments, where the host
     * makes one), each into a bounce buffer, and every 4 KiB page of it copied once more, as its
     * grant copy does into the frontend's pages. The cheapest of {@link #FLOOR_PASSES} passes, in
     * this thread's CPU time alone (the JVM's compiler and collector threads, which count in the
     * host side's process time, left out): the figure errs low.
     */
    private static double copyFloor(FileBlockDevice file, int mib, int segments) throws ErrnoException {
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        int piece = segments * PAGE;
        ByteBuffer bounce = ByteBuffer.allocateDirect(piece);
        ByteBuffer frontend = ByteBuffer.allocateDirect(MIB);
        double best = Double.MAX_VALUE;
        for (int pass = 0; pass < FLOOR_PASSES; pass++) {
            long c0 = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < mib; i++) {
                frontend.clear();
                for (int at = 0; at < MIB; at += piece) {
                    int n = Math.min(piece, MIB - at);
                    file.read(((long) i * MIB + at) / file.sectorSize(), bounce.clear().limit(n));
                    for (int p = 0; p < n; p += PAGE) {
                        frontend.put(bounce.limit(p + PAGE).position(p));
                    }
                }
            }
            best = Math.min(best, (double) (cpu.getCurrentThreadCpuTime() - c0) / mib);
        }
        return best;
    }

    /**
     * Passes of {@link #copyFloor} per round, the cheapest kept: what else runs only adds to a
     * pass, so the cheapest is the nearest to the work itself, and a low floor errs on the side of
     * a higher ceiling.
     */
    private static final int FLOOR_PASSES = 3;

    /** One side's cases in one round: rates into {@code out[case]}, CPU per operation into {@code out[CASES.length + case]}. */
    private static void measure(BlockDevice d, ByteBuffer buf, boolean random, CpuClock cpu, double[][] out, int round, int mib, int ops, long minNanos)
            throws Exception {
        long c0 = cpu.nanos();
        long d0 = cpu.daemonNanos();
        long t0 = System.nanoTime();
        long written = 0;
        do {
            for (int i = 0; i < mib; i++) {
                d.write((long) i * MIB / d.sectorSize(), buf.clear());
            }
            d.flush();
            written += mib;
        } while (System.nanoTime() - t0 < minNanos);
        long c1 = cpu.nanos();
        long d1 = cpu.daemonNanos();
        long t1 = System.nanoTime();
        long read = 0;
        do {
            for (int i = 0; i < mib; i++) {
                d.read((long) i * MIB / d.sectorSize(), buf.clear());
            }
            read += mib;
        } while (System.nanoTime() - t1 < minNanos);
        long t2 = System.nanoTime();
        long c2 = cpu.nanos();
        long d2 = cpu.daemonNanos();
        out[0][round] = (double) written * MIB / ((t1 - t0) / 1e9);
        out[1][round] = (double) read * MIB / ((t2 - t1) / 1e9);
        out[CASES.length][round] = (double) (c1 - c0) / written;
        out[CASES.length + 1][round] = (double) (c2 - c1) / read;
        out[2 * CASES.length][round] = (double) (d1 - d0) / written;
        out[2 * CASES.length + 1][round] = (double) (d2 - d1) / read;
        if (!random) {
            return;
        }
        for (int i = 2; i < CASES.length; i++) {
            int depth = i == 2 ? 1 : 32;
            long c = cpu.nanos();
            double[] rateAndCount = randomReads(d, depth, ops, mib, round, minNanos);
            out[i][round] = rateAndCount[0];
            out[CASES.length + i][round] = (cpu.nanos() - c) / rateAndCount[1];
        }
    }

    /** Reads per second of 4 KiB at random 4 KiB-aligned places, from {@code depth} threads, at least {@code ops} of them and for at least {@code minNanos}, and how many. */
    private static double[] randomReads(BlockDevice d, int depth, int ops, int mib, int seed, long minNanos) throws Exception {
        long blocks = (long) mib * MIB / 4096;
        ExecutorService pool = Executors.newFixedThreadPool(depth);
        try {
            List<Future<Long>> all = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int t = 0; t < depth; t++) {
                int thread = t;
                all.add(pool.submit(() -> {
                    Random r = new Random(seed * 1000L + thread);
                    ByteBuffer b = ByteBuffer.allocateDirect(4096);
                    long n = 0;
                    for (; n < ops / depth + 1 || System.nanoTime() - t0 < minNanos; n++) {
                        try {
                            d.read(r.nextLong(blocks) * 4096 / d.sectorSize(), b.clear());
                        } catch (ErrnoException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    return n;
                }));
            }
            long n = 0;
            for (Future<Long> f : all) {
                n += f.get();
            }
            return new double[] {n / ((System.nanoTime() - t0) / 1e9), n};
        } finally {
            pool.shutdown();
        }
    }
}
