package io.jrump.bench.xen;

import io.jrump.api.BlockDevice;
import io.jrump.api.ErrnoException;
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
import org.opentest4j.TestAbortedException;

/**
 * blkfront over the emulated blkback, and over QEMU's own Xen block backend when it can run
 * here, against the host's {@link FileBlockDevice} on the same file, in the same run: sequential 1 MiB writes and reads, and 4 KiB random reads at queue
 * depth 1 and 32 (32 threads). Rounds alternate which side goes first. Prints a markdown table,
 * with {@link NetfrontCompare}'s TCP row after it.
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

    /** The table for {@code rounds} rounds over a file of {@code mib} MiB, {@code ops} random reads per depth. */
    public static String run(int rounds, int mib, int ops) throws Exception {
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
                        sb.append(rows("emulated blkback", front, file, rounds, mib, ops));
                    } finally {
                        back.close();
                    }
                }
            }
            sb.append(qemuRows(dir, img, file, rounds, mib, ops));
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
     */
    private static String qemuRows(Path dir, Path img, FileBlockDevice file, int rounds, int mib, int ops) throws Exception {
        Path qdir = Files.createDirectory(dir.resolve("qemu"));
        try (Xenstored daemon = Xenstored.start(); EmulatedXen machine = new EmulatedXen()) {
            machine.createDomain(0, 16);
            Hypervisor dom1 = machine.createDomain(1, 1024);
            try (XenStoreClient xs = XenStoreClient.open(StreamTransport.connect(daemon.socket()));
                    QemuXenDisk qemu = QemuXenDisk.start(qdir, img, "raw", machine, daemon, xs, true);
                    BlkFront front = BlkFront.connect(xs, dom1, QemuXenDisk.FRONTEND, Duration.ofSeconds(60))) {
                return rows("QEMU xen-disk", front, file, rounds, mib, ops);
            }
        } catch (TestAbortedException e) {
            return "| blkfront (QEMU xen-disk) | not measured: " + e.getMessage() + " | | | | |\n";
        }
    }

    /** Four rows: {@code front} against the host's {@code file}, rounds alternating which goes first. */
    private static String rows(String backend, BlkFront front, FileBlockDevice file, int rounds, int mib, int ops) throws Exception {
        double[][] host = new double[4][rounds];
        double[][] xen = new double[4][rounds];
        for (int r = 0; r < rounds; r++) {
            boolean hostFirst = r % 2 == 0;
            measure(hostFirst ? file : front, hostFirst ? host : xen, r, mib, ops);
            measure(hostFirst ? front : file, hostFirst ? xen : host, r, mib, ops);
        }
        String[] names = {"sequential 1 MiB writes", "sequential 1 MiB reads", "4 KiB random reads, QD1", "4 KiB random reads, QD32"};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            boolean bandwidth = i < 2;
            Row row = new Row("blkfront (" + backend + ", ring-page-order " + front.ringPageOrder() + ", " + front.segmentsPerRequest() + " segments): "
                    + names[i], bandwidth ? v -> Units.bytes(v) + "/s" : v -> Units.digits(v) + " IOPS",
                    Samples.of(xen[i]), "host FileBlockDevice", Samples.of(host[i]),
                    bandwidth ? Target.atLeastTimesPeer(0.7, "≥ 0.7x peer") : Target.atLeastTimesPeer(0.0, "report"));
            sb.append(row.markdown()).append('\n');
        }
        return sb.toString();
    }

    private static void measure(BlockDevice d, double[][] out, int round, int mib, int ops) throws Exception {
        ByteBuffer buf = ByteBuffer.allocateDirect(MIB);
        long t0 = System.nanoTime();
        for (int i = 0; i < mib; i++) {
            d.write((long) i * MIB / d.sectorSize(), buf.clear());
        }
        d.flush();
        long t1 = System.nanoTime();
        for (int i = 0; i < mib; i++) {
            d.read((long) i * MIB / d.sectorSize(), buf.clear());
        }
        long t2 = System.nanoTime();
        out[0][round] = (double) mib * MIB / ((t1 - t0) / 1e9);
        out[1][round] = (double) mib * MIB / ((t2 - t1) / 1e9);
        out[2][round] = randomReads(d, 1, ops, mib, round);
        out[3][round] = randomReads(d, 32, ops, mib, round);
    }

    /** Reads per second of 4 KiB at random 4 KiB-aligned places, from {@code depth} threads. */
    private static double randomReads(BlockDevice d, int depth, int ops, int mib, int seed) throws Exception {
        long blocks = (long) mib * MIB / 4096;
        ExecutorService pool = Executors.newFixedThreadPool(depth);
        try {
            List<Future<?>> all = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int t = 0; t < depth; t++) {
                int thread = t;
                all.add(pool.submit(() -> {
                    Random r = new Random(seed * 1000L + thread);
                    ByteBuffer b = ByteBuffer.allocateDirect(4096);
                    for (int i = 0; i < ops / depth + 1; i++) {
                        try {
                            d.read(r.nextLong(blocks) * 4096 / d.sectorSize(), b.clear());
                        } catch (ErrnoException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
            long n = (long) depth * (ops / depth + 1);
            return n / ((System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdown();
        }
    }
}
