package io.jrump.bench;

import io.jrump.measure.Samples;
import io.jrump.measure.Units;
import io.jrump.platform.host.HostTools;
import io.jrump.virtio.Virtio;
import io.jrump.virtio.blk.VirtioBlk;
import io.jrump.virtio.vhost.VhostUserTransport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleFunction;

/**
 * virtio-blk through vhost-user (qemu-storage-daemon serving a raw file) against
 * {@link FileChannel} on the same file, in the same run: sequential 1 MiB writes and reads, and
 * 4 KiB random reads at queue depth 1 and 32 (32 threads). The sequential cases run twice on the
 * virtio side: with the caller's buffer in the memory shared with the daemon
 * ({@link VirtioBlk#sharedBuffer}, no copy), and with a direct buffer of the JVM's (copied once
 * through a bounce buffer, the path a file system's own buffers take); FileChannel always gets
 * a direct buffer (its best case: a heap buffer costs it a copy). Random reads use direct
 * buffers of the JVM's on both sides.
 *
 * <p>Fairness: both sides go through the host's page cache. The daemon's file is opened with
 * {@code cache.direct=off} (QEMU's default, spelled out), like FileChannel's, and with
 * {@code aio=io_uring}, which completes a page-cache request in the daemon's own thread (its
 * default {@code aio=threads} passes every request to a worker thread and back, two more
 * context switches per request; {@code -Djrump.bench.qsd.aio=threads} measures that). The file
 * is written before the first round so both sides read cached pages. Each round measures every side back to back, in a rotating
 * order; the table has medians, ranges and ratios.
 *
 * <p>Throughput on a loaded machine swings with whatever else runs, so the table also gives
 * what each operation cost in CPU, which load moves far less: for virtio-blk the JVM's CPU
 * time and the daemon's, for FileChannel the JVM's alone (every thread of each process: the JVM's
 * compiler and collector threads too, and the daemon's io_uring workers; the kernel's copy
 * counts in the calling thread's time on both sides). The daemon's part of the virtio figure
 * is given on its own as well: it does the same page-cache copy FileChannel's caller does, plus
 * its event loop's work per request, so it shows how much of the difference is the copy itself
 * (which no driver can take off the daemon) and how much the round trip and the JVM's side.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.jrump.bench.VirtioCompare [ROUNDS]
 * </pre>
 */
public final class VirtioCompare {
    private static final int FILE = 128 << 20;
    private static final int SEQ = 64 << 20;
    private static final int CHUNK = 1 << 20;
    private static final int RANDOM_OPS = 2000;
    private static final int QD = 32;
    private static final String[] CASES = {"sequential 1 MiB writes", "sequential 1 MiB reads", "4 KiB random reads, QD1",
            "4 KiB random reads, QD32"};

    /** One side: the operations timed, and the buffer it takes its sequential data in. */
    interface Side {
        void write(long off, ByteBuffer b) throws IOException;

        void read(long off, ByteBuffer b) throws IOException;

        void flush() throws IOException;

        /** A buffer for sequential transfers of {@code bytes}. */
        ByteBuffer buffer(int bytes) throws IOException;
    }

    private VirtioCompare() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        run(rounds, System.out, System.err);
    }

    static void run(int rounds, PrintStream out, PrintStream log) throws Exception {
        Path qsd = HostTools.find("qemu-storage-daemon").orElse(null);
        if (qsd == null) {
            out.println(HostTools.notInstalled("qemu-storage-daemon", "qemu-system-common"));
            return;
        }
        String aio = System.getProperty("jrump.bench.qsd.aio", "io_uring");
        String loadBefore = loadAverage();
        Path dir = Files.createTempDirectory("jrump-virtio-bench");
        Path img = dir.resolve("disk.raw");
        Path sock = dir.resolve("blk.sock");
        try (FileChannel f = FileChannel.open(img, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer b = random(CHUNK, 1);
            for (long off = 0; off < FILE; off += CHUNK) {
                f.write(b.clear(), off);
            }
        }
        Process daemon = new ProcessBuilder(qsd.toString(), "--blockdev",
                "driver=file,node-name=f0,cache.direct=off,aio=" + aio + ",filename=" + img, "--export",
                "type=vhost-user-blk,id=e0,node-name=f0,addr.type=unix,addr.path=" + sock + ",writable=on")
                .redirectErrorStream(true).redirectOutput(dir.resolve("qsd.log").toFile()).start();
        // sides: 0 virtio with shared buffers, 1 virtio with bounce copies, 2 FileChannel
        List<List<List<Double>>> figures = new ArrayList<>();
        for (int side = 0; side < 3; side++) {
            List<List<Double>> l = new ArrayList<>();
            for (int i = 0; i < 3 * CASES.length; i++) {
                l.add(new ArrayList<>());
            }
            figures.add(l);
        }
        try {
            while (!Files.exists(sock)) {
                if (!daemon.isAlive()) {
                    throw new IOException("qemu-storage-daemon did not start: " + Files.readString(dir.resolve("qsd.log")));
                }
                Thread.sleep(20);
            }
            VhostUserTransport t = VhostUserTransport.connect(sock.toString(), Virtio.ID_BLOCK, 64 << 20, (n, r) -> {
                Thread th = new Thread(r, n);
                th.setDaemon(true);
                return th;
            });
            try (VirtioBlk blk = VirtioBlk.open(t, "vda", TimeUnit.SECONDS.toNanos(30));
                    FileChannel fc = FileChannel.open(img, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                Side[] sides = {virtio(blk, true), virtio(blk, false), file(fc)};
                CpuClock[] clocks = {new CpuClock(daemon.pid()), new CpuClock(daemon.pid()), new CpuClock(-1)};
                for (int side = 0; side < sides.length; side++) {
                    cases(sides[side], clocks[side], 0); // warm-up, not counted
                }
                for (int round = 0; round < rounds; round++) {
                    log.println("round " + (round + 1) + " of " + rounds);
                    for (int k = 0; k < sides.length; k++) {
                        int side = (round + k) % sides.length;
                        double[] r = cases(sides[side], clocks[side], round + 1);
                        for (int i = 0; i < r.length; i++) {
                            figures.get(side).get(i).add(r[i]);
                        }
                    }
                }
            }
        } finally {
            daemon.destroy();
            daemon.waitFor(20, TimeUnit.SECONDS);
            Files.deleteIfExists(img);
            Files.deleteIfExists(sock);
            Files.deleteIfExists(dir.resolve("qsd.log"));
            Files.deleteIfExists(dir);
        }
        String loadAfter = loadAverage();
        DoubleFunction<String> rate = v -> Units.bytes(v) + "/s";
        DoubleFunction<String> iops = v -> Units.count((long) v) + " IOPS";
        String peerName = "FileChannel, same file, direct buffer";
        String via = "virtio-blk (vhost-user, qemu-storage-daemon, aio=" + aio + "): ";
        out.println("load average (1, 5, 15 min) before the run: " + loadBefore + ", after it: " + loadAfter + "; cores: "
                + Runtime.getRuntime().availableProcessors());
        out.println(Row.HEADER);
        for (int i = 0; i < 2; i++) {
            Target target = Target.atLeastTimesPeer(0.8, "≥ 0.8x FileChannel");
            out.println(new Row(via + CASES[i] + ", buffer in shared memory", rate, samples(figures.get(0).get(i)), peerName,
                    samples(figures.get(2).get(i)), target).markdown());
            out.println(new Row(via + CASES[i] + ", JVM buffer (one copy)", rate, samples(figures.get(1).get(i)), peerName,
                    samples(figures.get(2).get(i)), Target.report()).markdown());
        }
        for (int i = 2; i < CASES.length; i++) {
            List<Double> both = new ArrayList<>(figures.get(0).get(i));
            both.addAll(figures.get(1).get(i));
            out.println(new Row(via + CASES[i], iops, samples(both), "FileChannel, same file", samples(figures.get(2).get(i)),
                    Target.report()).markdown());
        }
        DoubleFunction<String> micros = v -> String.format("%.1f µs", v / 1000);
        String cpuPeer = "FileChannel: the JVM's CPU per operation";
        String cpuVia = "CPU per operation (lower is better), the JVM's + the daemon's: ";
        String cpuDaemon = "CPU per operation, the daemon's part alone: ";
        for (int i = 0; i < CASES.length; i++) {
            for (int side = 0; side < (i < 2 ? 2 : 1); side++) {
                String how = i >= 2 ? "" : side == 0 ? ", buffer in shared memory" : ", JVM buffer (one copy)";
                out.println(new Row(cpuVia + CASES[i] + how, micros, samples(figures.get(side).get(CASES.length + i)), cpuPeer,
                        samples(figures.get(2).get(CASES.length + i)), Target.report()).markdown());
                out.println(new Row(cpuDaemon + CASES[i] + how, micros, samples(figures.get(side).get(2 * CASES.length + i)), cpuPeer,
                        samples(figures.get(2).get(CASES.length + i)), Target.report()).markdown());
            }
        }
    }

    /** The host's load averages ({@code /proc/loadavg}): on two cores, what else runs moves throughput more than anything measured here. */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static Side virtio(VirtioBlk blk, boolean shared) {
        return new Side() {
            private ByteBuffer sharedBuffer;

            public void write(long off, ByteBuffer b) throws IOException {
                blk.write(off / 512, b);
            }

            public void read(long off, ByteBuffer b) throws IOException {
                blk.read(off / 512, b);
            }

            public void flush() throws IOException {
                blk.flush();
            }

            public ByteBuffer buffer(int bytes) throws IOException {
                if (!shared) {
                    return ByteBuffer.allocateDirect(bytes);
                }
                if (sharedBuffer == null) {
                    sharedBuffer = blk.sharedBuffer(bytes); // one for the run: released with the device
                }
                return sharedBuffer.clear();
            }
        };
    }

    private static Side file(FileChannel fc) {
        return new Side() {
            public void write(long off, ByteBuffer b) throws IOException {
                while (b.hasRemaining()) {
                    off += fc.write(b, off);
                }
            }

            public void read(long off, ByteBuffer b) throws IOException {
                while (b.hasRemaining()) {
                    off += fc.read(b, off);
                }
            }

            public void flush() throws IOException {
                fc.force(false);
            }

            public ByteBuffer buffer(int bytes) {
                return ByteBuffer.allocateDirect(bytes);
            }
        };
    }

    static Samples samples(List<Double> l) {
        return Samples.of(l.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /**
     * Rates of the four cases, then CPU nanoseconds per operation of each (per MiB for the
     * sequential ones), then the daemon's part of those.
     */
    private static double[] cases(Side s, CpuClock cpu, int seed) throws Exception {
        double[] r = new double[3 * CASES.length];
        ByteBuffer data = s.buffer(CHUNK);
        data.put(random(CHUNK, seed)).flip();
        long c0 = cpu.nanos();
        long d0 = cpu.daemonNanos();
        long t0 = System.nanoTime();
        for (long off = 0; off < SEQ; off += CHUNK) {
            s.write(off, data.clear());
        }
        s.flush();
        r[0] = SEQ / ((System.nanoTime() - t0) / 1e9);
        r[CASES.length] = (cpu.nanos() - c0) / (double) (SEQ / CHUNK);
        r[2 * CASES.length] = (cpu.daemonNanos() - d0) / (double) (SEQ / CHUNK);
        ByteBuffer in = data;
        c0 = cpu.nanos();
        d0 = cpu.daemonNanos();
        t0 = System.nanoTime();
        for (long off = 0; off < SEQ; off += CHUNK) {
            s.read(off, in.clear());
        }
        r[1] = SEQ / ((System.nanoTime() - t0) / 1e9);
        r[CASES.length + 1] = (cpu.nanos() - c0) / (double) (SEQ / CHUNK);
        r[2 * CASES.length + 1] = (cpu.daemonNanos() - d0) / (double) (SEQ / CHUNK);
        Random rnd = new Random(seed);
        ByteBuffer small = ByteBuffer.allocateDirect(4096);
        c0 = cpu.nanos();
        d0 = cpu.daemonNanos();
        t0 = System.nanoTime();
        for (int i = 0; i < RANDOM_OPS; i++) {
            s.read((long) rnd.nextInt(FILE / 4096) * 4096, small.clear());
        }
        r[2] = RANDOM_OPS / ((System.nanoTime() - t0) / 1e9);
        r[CASES.length + 2] = (cpu.nanos() - c0) / (double) RANDOM_OPS;
        r[2 * CASES.length + 2] = (cpu.daemonNanos() - d0) / (double) RANDOM_OPS;
        ExecutorService pool = Executors.newFixedThreadPool(QD);
        try {
            List<Future<?>> fs = new ArrayList<>();
            c0 = cpu.nanos();
            d0 = cpu.daemonNanos();
            t0 = System.nanoTime();
            for (int q = 0; q < QD; q++) {
                int id = q;
                fs.add(pool.submit(() -> {
                    Random rr = new Random(seed * 100L + id);
                    ByteBuffer b = ByteBuffer.allocateDirect(4096);
                    for (int i = 0; i < RANDOM_OPS / 4; i++) {
                        s.read((long) rr.nextInt(FILE / 4096) * 4096, b.clear());
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            r[3] = (double) QD * (RANDOM_OPS / 4) / ((System.nanoTime() - t0) / 1e9);
            r[CASES.length + 3] = (cpu.nanos() - c0) / ((double) QD * (RANDOM_OPS / 4));
            r[2 * CASES.length + 3] = (cpu.daemonNanos() - d0) / ((double) QD * (RANDOM_OPS / 4));
        } finally {
            pool.shutdownNow();
        }
        return r;
    }

    private static ByteBuffer random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return ByteBuffer.wrap(b);
    }
}
