package io.jrump.bench.xen;

import static io.jrump.api.SocketConstants.AF_INET;
import static io.jrump.api.SocketConstants.SHUT_WR;
import static io.jrump.api.SocketConstants.SOCK_STREAM;

import io.jrump.api.RumpKernel;
import io.jrump.api.Rump;
import io.jrump.api.Syscalls;
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
 * its netback bridged to a bus port) to a kernel on the same in-memory bus, against two
 * kernels on the bare bus, in the same run; rounds alternate which goes first. Kernels are
 * booted fresh for every measurement through the public API.
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

    /** The table row for {@code rounds} transfers of {@code mib} MiB each way of booting. */
    public static String row(int rounds, int mib) throws Exception {
        double[] xen = new double[rounds];
        double[] bare = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            if (r % 2 == 0) {
                xen[r] = transfer(true, mib);
                bare[r] = transfer(false, mib);
            } else {
                bare[r] = transfer(false, mib);
                xen[r] = transfer(true, mib);
            }
        }
        return new Row("TCP, netfront/netback to a kernel on the bus", v -> Units.bytes(v) + "/s", Samples.of(xen), "bare bus, kernel to kernel",
                Samples.of(bare), Target.atLeastTimesPeer(0.0, "report")).markdown();
    }

    /** Bytes per second of one {@code mib} MiB transfer from the first kernel to the second. */
    private static double transfer(boolean overXen, int mib) throws Exception {
        EthernetBus bus = new EthernetBus();
        RumpKernel client = overXen ? Rump.builder().platform("xen-emulated").component("net").netDevice("eth0", bus.port()).boot()
                : Rump.builder().component("net").boot();
        RumpKernel server = Rump.builder().component("net").boot();
        try {
            String ifname = overXen ? "vif0" : "shm0";
            if (!overXen) {
                client.netconfig().ifcreate(ifname, bus.port());
            }
            server.netconfig().ifcreate("shm0", bus.port());
            client.netconfig().ipv4Address(ifname, "10.0.0.1/24");
            server.netconfig().ipv4Address("shm0", "10.0.0.2/24");
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
            x.connect(c, new InetSocketAddress(InetAddress.getByName("10.0.0.2"), PORT));
            ByteBuffer chunk = ByteBuffer.allocate(256 * 1024);
            long total = (long) mib * MIB;
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
            x.close(c);
            if (got != total) {
                throw new IllegalStateException("received " + got + " of " + total + " bytes");
            }
            return total / ((t1 - t0) / 1e9);
        } finally {
            client.close();
            server.close();
        }
    }
}
