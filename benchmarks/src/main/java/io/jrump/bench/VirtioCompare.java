package io.jrump.bench;

import io.jrump.api.BlockDevice;
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
 * 4 KiB random reads at queue depth 1 and 32 (32 threads). Each round measures both sides back to
 * back, the peer first in every other round; the table has medians, ranges and ratios.
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

    /** One side: the operations timed. */
    interface Side extends AutoCloseable {
        void write(long off, ByteBuffer b) throws IOException;

        void read(long off, ByteBuffer b) throws IOException;

        void flush() throws IOException;
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
        Path dir = Files.createTempDirectory("jrump-virtio-bench");
        Path img = dir.resolve("disk.raw");
        Path sock = dir.resolve("blk.sock");
        try (FileChannel f = FileChannel.open(img, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer b = random(CHUNK, 1);
            for (long off = 0; off < FILE; off += CHUNK) {
                f.write(b.clear(), off);
            }
        }
        Process daemon = new ProcessBuilder(qsd.toString(), "--blockdev", "driver=file,node-name=f0,filename=" + img, "--export",
                "type=vhost-user-blk,id=e0,node-name=f0,addr.type=unix,addr.path=" + sock + ",writable=on")
                .redirectErrorStream(true).redirectOutput(dir.resolve("qsd.log").toFile()).start();
        String[] names = {"sequential 1 MiB writes", "sequential 1 MiB reads", "4 KiB random reads, QD1", "4 KiB random reads, QD32"};
        List<List<Double>> rump = new ArrayList<>();
        List<List<Double>> peer = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            rump.add(new ArrayList<>());
            peer.add(new ArrayList<>());
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
            try (BlockDevice blk = VirtioBlk.open(t, "vda", TimeUnit.SECONDS.toNanos(30));
                    FileChannel fc = FileChannel.open(img, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                Side virtio = new Side() {
                    public void write(long off, ByteBuffer b) throws IOException {
                        blk.write(off / 512, b);
                    }

                    public void read(long off, ByteBuffer b) throws IOException {
                        blk.read(off / 512, b);
                    }

                    public void flush() throws IOException {
                        blk.flush();
                    }

                    public void close() {
                    }
                };
                Side file = new Side() {
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

                    public void close() {
                    }
                };
                measure(virtio, file, 1, new ArrayList<>(), new ArrayList<>(), log); // warm-up, not counted
                for (int round = 0; round < rounds; round++) {
                    log.println("round " + (round + 1) + " of " + rounds);
                    if (round % 2 == 0) {
                        measure(virtio, file, round, rump, peer, log);
                    } else {
                        measure(file, virtio, round, peer, rump, log);
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
        DoubleFunction<String> rate = v -> Units.bytes(v) + "/s";
        DoubleFunction<String> iops = v -> Units.count((long) v) + " IOPS";
        out.println(Row.HEADER);
        for (int i = 0; i < names.length; i++) {
            Target target = i < 2 ? Target.atLeastTimesPeer(0.8, "≥ 0.8x FileChannel") : Target.report();
            out.println(new Row("virtio-blk (vhost-user, qemu-storage-daemon): " + names[i], i < 2 ? rate : iops, samples(rump.get(i)),
                    "FileChannel, same file", samples(peer.get(i)), target).markdown());
        }
    }

    private static Samples samples(List<Double> l) {
        return Samples.of(l.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** One round of every case, {@code first} then {@code second}; figures go to the lists given for each. */
    private static void measure(Side first, Side second, int round, List<List<Double>> firstOut, List<List<Double>> secondOut,
            PrintStream log) throws Exception {
        double[] a = cases(first, round);
        double[] b = cases(second, round);
        if (!firstOut.isEmpty()) {
            for (int i = 0; i < a.length; i++) {
                firstOut.get(i).add(a[i]);
                secondOut.get(i).add(b[i]);
            }
        }
    }

    private static double[] cases(Side s, int seed) throws Exception {
        double[] r = new double[4];
        ByteBuffer data = random(CHUNK, seed);
        long t0 = System.nanoTime();
        for (long off = 0; off < SEQ; off += CHUNK) {
            s.write(off, data.clear());
        }
        s.flush();
        r[0] = SEQ / ((System.nanoTime() - t0) / 1e9);
        ByteBuffer in = ByteBuffer.allocateDirect(CHUNK);
        t0 = System.nanoTime();
        for (long off = 0; off < SEQ; off += CHUNK) {
            s.read(off, in.clear());
        }
        r[1] = SEQ / ((System.nanoTime() - t0) / 1e9);
        Random rnd = new Random(seed);
        ByteBuffer small = ByteBuffer.allocateDirect(4096);
        t0 = System.nanoTime();
        for (int i = 0; i < RANDOM_OPS; i++) {
            s.read((long) rnd.nextInt(FILE / 4096) * 4096, small.clear());
        }
        r[2] = RANDOM_OPS / ((System.nanoTime() - t0) / 1e9);
        ExecutorService pool = Executors.newFixedThreadPool(QD);
        try {
            List<Future<?>> fs = new ArrayList<>();
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
