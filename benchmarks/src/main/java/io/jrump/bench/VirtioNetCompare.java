package io.jrump.bench;

import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.measure.Units;
import io.jrump.net.dev.EthernetBus;
import io.jrump.platform.host.HostTools;
import io.jrump.virtio.Virtio;
import io.jrump.virtio.net.VirtioNet;
import io.jrump.virtio.vhost.VhostUserTransport;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * virtio-net through vhost-user, with dpdk-testpmd swapping the MAC addresses of every frame
 * and sending it back (its {@code macswap} forwarding), against the same exchange on the
 * in-memory bus (rump-net's {@link EthernetBus}, the far port swapping and answering in its
 * receiver): frames per second with up to {@value #WINDOW} frames on their way (64-byte and
 * 1514-byte frames), and round trips per second with one frame at a time. Each round measures
 * both, in alternating order; the table has medians, ranges and ratios.
 *
 * <p>testpmd is started as the design's table of peers says ({@code -l 0-1 --no-huge}); its
 * forwarding core polls, so it needs no kick but takes a core while it runs.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.jrump.bench.VirtioNetCompare [ROUNDS]
 * </pre>
 */
public final class VirtioNetCompare {
    private static final int WINDOW = 64;
    private static final int BURST_FRAMES = 50_000;
    private static final int ROUND_TRIPS = 5_000;
    /** EtherType for local experiments (IEEE 802 "Local Experimental EtherType 1"). */
    private static final int ETHERTYPE_EXPERIMENT = 0x88b5;
    private static final long LOSS_WAIT_MS = 200;
    private static final String[] CASES = {"64-byte frames/s, " + WINDOW + " in flight", "1514-byte frames/s, " + WINDOW + " in flight",
            "round trips/s, 64-byte frames one at a time"};

    private VirtioNetCompare() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        run(rounds, System.out, System.err);
    }

    static void run(int rounds, PrintStream out, PrintStream log) throws Exception {
        Path pmdTool = HostTools.find("dpdk-testpmd").orElse(null);
        if (pmdTool == null) {
            out.println(HostTools.notInstalled("dpdk-testpmd", "dpdk-dev"));
            return;
        }
        Path dir = Files.createTempDirectory("jrump-virtio-net-bench");
        Path sock = dir.resolve("net.sock");
        String prefix = "jrbench" + ProcessHandle.current().pid();
        Process pmd = new ProcessBuilder(pmdTool.toString(), "-l", "0-1", "--no-huge", "-m", "512", "--no-pci", "--file-prefix=" + prefix,
                "--vdev", "net_vhost0,iface=" + sock + ",queues=1", "--", "--total-num-mbufs=4096", "--forward-mode=macswap",
                "--port-topology=loop", "-a").redirectErrorStream(true).redirectOutput(dir.resolve("testpmd.log").toFile()).start();
        OutputStream stdin = pmd.getOutputStream(); // testpmd runs while its standard input is open
        List<List<Double>> virtio = lists();
        List<List<Double>> bus = lists();
        long[] lost = new long[1];
        String[] offloads = {""};
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(sock)) {
                if (!pmd.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("dpdk-testpmd did not start: " + Files.readString(dir.resolve("testpmd.log")));
                }
                Thread.sleep(20);
            }
            VhostUserTransport t = VhostUserTransport.connect(sock.toString(), Virtio.ID_NET, 8 << 20, (n, r) -> {
                Thread th = new Thread(r, n);
                th.setDaemon(true);
                return th;
            });
            byte[] mac = {2, 0, 0, 0, 0, 1};
            try (VirtioNet eth = VirtioNet.open(t, "eth0", mac, TimeUnit.SECONDS.toNanos(10))) {
                offloads[0] = "features negotiated with testpmd 0x" + Long.toHexString(eth.features()) + ", offloads " + eth.offloads();
                EthernetBus b = new EthernetBus();
                NetDevice near = b.port();
                NetDevice far = b.port();
                far.receiver(f -> {
                    ByteBuffer back = ByteBuffer.allocate(f.remaining()).put(f.duplicate()).flip();
                    swap(back);
                    try {
                        far.transmit(back);
                    } catch (ErrnoException e) {
                        // counted as lost by the sender
                    }
                });
                exchange(eth, 64, WINDOW, 5_000, lost); // warm-up, not counted
                exchange(near, 64, WINDOW, 5_000, lost);
                lost[0] = 0;
                for (int round = 0; round < rounds; round++) {
                    log.println("round " + (round + 1) + " of " + rounds);
                    for (int k = 0; k < 2; k++) {
                        boolean first = (round + k) % 2 == 0;
                        NetDevice d = first ? eth : near;
                        List<List<Double>> to = first ? virtio : bus;
                        to.get(0).add(exchange(d, 64, WINDOW, BURST_FRAMES, lost));
                        to.get(1).add(exchange(d, 1514, WINDOW, BURST_FRAMES, lost));
                        to.get(2).add(exchange(d, 64, 1, ROUND_TRIPS, lost));
                    }
                }
            }
        } finally {
            try {
                stdin.close();
            } catch (IOException ignored) {
                // already gone
            }
            if (!pmd.waitFor(20, TimeUnit.SECONDS)) {
                pmd.destroyForcibly().waitFor();
            }
            Files.deleteIfExists(sock);
            Files.deleteIfExists(dir.resolve("testpmd.log"));
            Files.deleteIfExists(dir);
        }
        out.println(Row.HEADER);
        for (int i = 0; i < CASES.length; i++) {
            out.println(new Row("virtio-net (vhost-user, dpdk-testpmd macswap): " + CASES[i], v -> Units.count((long) v) + "/s",
                    VirtioCompare.samples(virtio.get(i)), "the same exchange on the in-memory bus", VirtioCompare.samples(bus.get(i)), Target.report()).markdown());
        }
        out.println("frames lost (no echo within " + LOSS_WAIT_MS + " ms): " + lost[0] + "; " + offloads[0]);
    }

    private static List<List<Double>> lists() {
        List<List<Double>> l = new ArrayList<>();
        for (int i = 0; i < CASES.length; i++) {
            l.add(new ArrayList<>());
        }
        return l;
    }

    private static void swap(ByteBuffer f) {
        for (int i = 0; i < 6; i++) {
            byte d = f.get(i);
            f.put(i, f.get(6 + i));
            f.put(6 + i, d);
        }
    }

    /**
     * Sends {@code count} frames of {@code size} bytes from {@code dev}, never more than
     * {@code window} without their echo, and waits for the last echo.
     *
     * @return frames (echoed or lost) per second
     */
    private static double exchange(NetDevice dev, int size, int window, int count, long[] lost) throws Exception {
        Semaphore credits = new Semaphore(window);
        AtomicLong echoes = new AtomicLong();
        dev.receiver(f -> {
            echoes.incrementAndGet();
            credits.release();
        });
        ByteBuffer frame = ByteBuffer.allocate(size);
        frame.put(0, new byte[] {2, 0, 0, 0, 0, 2});
        frame.put(6, dev.macAddress());
        frame.putShort(12, (short) ETHERTYPE_EXPERIMENT);
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            if (!credits.tryAcquire(LOSS_WAIT_MS, TimeUnit.MILLISECONDS)) {
                lost[0]++; // the frame we waited for is gone: go on without its credit
            }
            dev.transmit(frame.clear());
        }
        if (!credits.tryAcquire(window, LOSS_WAIT_MS, TimeUnit.MILLISECONDS)) {
            lost[0] += Math.max(0, count - echoes.get());
        }
        double rate = count / ((System.nanoTime() - t0) / 1e9);
        dev.receiver(null);
        return rate;
    }
}
