package io.jrump.bench.xen;

import static io.jrump.api.SocketConstants.AF_INET;
import static io.jrump.api.SocketConstants.SHUT_WR;
import static io.jrump.api.SocketConstants.SOCK_STREAM;

import io.jrump.api.RumpKernel;
import io.jrump.api.Rump;
import io.jrump.api.Syscalls;
import io.jrump.bench.CpuClock;
import io.jrump.bench.Row;
import io.jrump.bench.Target;
import io.jrump.measure.Samples;
import io.jrump.measure.Units;
import io.jrump.net.dev.EthernetBus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * TCP throughput from a kernel on the {@code xen-emulated} platform's {@code vif0} (netfront,
 * its netback bridged to a bus port) to a kernel on the same in-memory bus, and from the bus
 * kernel to it, each against two kernels on the bare bus, in the same run; rounds alternate
 * which goes first. Kernels are booted fresh for every measurement through the public API.
 * Each case also gives the JVM's CPU time per MiB moved ({@link CpuClock}; every kernel, and
 * the emulated netback, run in it), which load on a shared machine moves far less than
 * throughput.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.jrump.bench.xen.NetfrontCompare [rounds] [MiB]
 * </pre>
 */
public final class NetfrontCompare {
    private static final int MIB = 1 << 20;
    private static final int PORT = 5001;

    private NetfrontCompare() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int mib = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        System.out.println(Row.HEADER);
        System.out.println(row(rounds, mib));
    }

    /**
     * The table rows for {@code rounds} transfers of {@code mib} MiB each way of booting, in each
     * direction: throughput, then CPU per MiB.
     */
    public static String row(int rounds, int mib) throws Exception {
        StringBuilder sb = new StringBuilder();
        String[] what = {"TCP, netfront/netback to a kernel on the bus", "TCP, a kernel on the bus to netfront/netback"};
        CpuClock cpu = new CpuClock(-1);
        for (int dir = 0; dir < 2; dir++) {
            boolean fromXen = dir == 0;
            double[][] xen = new double[2][rounds];
            double[][] bare = new double[2][rounds];
            for (int r = 0; r < rounds; r++) {
                if (r % 2 == 0) {
                    transfer(true, fromXen, mib, cpu, xen, r);
                    transfer(false, fromXen, mib, cpu, bare, r);
                } else {
                    transfer(false, fromXen, mib, cpu, bare, r);
                    transfer(true, fromXen, mib, cpu, xen, r);
                }
            }
            sb.append(new Row(what[dir], v -> Units.bytes(v) + "/s", Samples.of(xen[0]), "bare bus, kernel to kernel", Samples.of(bare[0]),
                    Target.atLeastTimesPeer(0.0, "report")).markdown()).append('\n');
            sb.append(new Row("CPU per MiB (the JVM's; lower is better), " + what[dir], v -> String.format("%.2f ms", v / 1e6), Samples.of(xen[1]),
                    "bare bus", Samples.of(bare[1]), Target.report()).markdown()).append('\n');
        }
        return sb.toString().stripTrailing();
    }

    /**
     * One {@code mib} MiB transfer between a kernel on netfront ({@code overXen}; else on the
     * bare bus) and one on the bus, from the first to the second when {@code fromXen}: bytes
     * per second into {@code out[0][round]}, CPU nanoseconds per MiB into {@code out[1][round]}.
     */
    private static void transfer(boolean overXen, boolean fromXen, int mib, CpuClock cpu, double[][] out, int round) throws Exception {
        EthernetBus bus = new EthernetBus();
        RumpKernel first = overXen ? Rump.builder().platform("xen-emulated").component("net").netDevice("eth0", bus.port()).boot()
                : Rump.builder().component("net").boot();
        RumpKernel second = Rump.builder().component("net").boot();
        try {
            String ifname = overXen ? "vif0" : "shm0";
            if (!overXen) {
                first.netconfig().ifcreate(ifname, bus.port());
            }
            second.netconfig().ifcreate("shm0", bus.port());
            first.netconfig().ipv4Address(ifname, "10.0.0.1/24");
            second.netconfig().ipv4Address("shm0", "10.0.0.2/24");
            RumpKernel client = fromXen ? first : second;
            RumpKernel server = fromXen ? second : first;
            String serverAddress = fromXen ? "10.0.0.2" : "10.0.0.1";
            Syscalls s = server.sys();
            int listener = s.socket(AF_INET, SOCK_STREAM, 0);
            s.bind(listener, new InetSocketAddress(InetAddress.getByName("0.0.0.0"), PORT));
            s.listen(listener, 1);
            CompletableFuture<Long> sink = CompletableFuture.supplyAsync(() -> {
                try {
                    int c = s.accept(listener);
                    ByteBuffer b = ByteBuffer.allocate(256 * 1024);
                    long got = 0;
                    int n;
                    while ((n = s.read(c, b.clear())) > 0) {
                        got += n;
                    }
                    s.close(c);
                    return got;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Syscalls x = client.sys();
            int c = x.socket(AF_INET, SOCK_STREAM, 0);
            x.connect(c, new InetSocketAddress(InetAddress.getByName(serverAddress), PORT));
            ByteBuffer chunk = ByteBuffer.allocate(256 * 1024);
            long total = (long) mib * MIB;
            long c0 = cpu.nanos();
            long t0 = System.nanoTime();
            for (long sent = 0; sent < total; ) {
                chunk.clear();
                while (chunk.hasRemaining()) {
                    sent += x.write(c, chunk);
                }
            }
            x.shutdown(c, SHUT_WR);
            long got = sink.get(120, TimeUnit.SECONDS);
            long t1 = System.nanoTime();
            long c1 = cpu.nanos();
            x.close(c);
            if (got != total) {
                throw new IllegalStateException("received " + got + " of " + total + " bytes");
            }
            out[0][round] = total / ((t1 - t0) / 1e9);
            out[1][round] = (double) (c1 - c0) / mib;
        } finally {
            first.close();
            second.close();
        }
    }
}
