package io.jrump.bench;

import static io.jrump.api.SocketConstants.AF_INET;
import static io.jrump.api.SocketConstants.SOCK_STREAM;
import static io.jrump.api.SocketConstants.SOL_SOCKET;
import static io.jrump.api.SocketConstants.SO_REUSEADDR;

import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.measure.Samples;
import io.jrump.platform.host.HostTools;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bulk TCP over a TAP (issue 12, "Performance"): Linux in a network namespace and a jrump
 * kernel on a TAP with its offloads (virtio-net header, checksum offload, TSO/GSO), one
 * connection carrying a fixed number of bytes each way, against Linux to Linux over a veth pair
 * between two namespaces, with the same tool on the Linux ends ({@code socat} from
 * {@code /dev/zero} to {@code /dev/null}), in the same run, alternating which goes first. jrump
 * has no iperf3, so its end is a plain sink or source on its own sockets; iperf3 over the same
 * veth is reported beside it, to tie the socat figure to the usual one. Needs root.
 *
 * <pre>
 * benchmarks/compare --tap-bulk [--quick]
 * </pre>
 */
final class TapBulkCompare {
    private static final int PORT = 5001;
    private static final int CHUNK = 256 * 1024;
    private static final long WARM_UP_BYTES = 1L << 30;
    private static final Pattern IPERF = Pattern.compile("([0-9.]+) Gbits/sec\\s+receiver");

    private final int rounds;
    private final long bytes;
    private final PrintStream log;
    private final long pid = ProcessHandle.current().pid();
    private final String tapNs = "jbt-" + pid;
    private final String vethA = "jbva-" + pid;
    private final String vethB = "jbvb-" + pid;
    private final String tap = "jbt" + pid % 100000;

    private TapBulkCompare(int rounds, long bytes, PrintStream log) {
        this.rounds = rounds;
        this.bytes = bytes;
        this.log = log;
    }

    /** Why the comparison cannot run here, or null. */
    static String unusable() {
        return Netns.unusable(new String[] {"ip", "iproute2"}, new String[] {"socat", "socat"}, new String[] {"iperf3", "iperf3"});
    }

    static String run(int rounds, long bytes, PrintStream log) throws IOException, InterruptedException {
        String why = unusable();
        if (why != null) {
            return "TAP bulk comparison not run: " + why;
        }
        return new TapBulkCompare(rounds, bytes, log).measure();
    }

    private String measure() throws IOException, InterruptedException {
        RumpKernel kernel = null;
        try {
            for (String ns : List.of(tapNs, vethA, vethB)) {
                Netns.add(ns);
            }
            Netns.veth("jbwa" + pid % 100000, vethA, "10.78.1.1/24", "jbwb" + pid % 100000, vethB, "10.78.1.2/24");

            kernel = Rump.builder().component("net").tap("eth0", tap).boot();
            kernel.netconfig().ipv4Address("eth0", "10.78.2.2/24");
            Netns.moveTap(tap, tapNs, "10.78.2.1/24");
            String offloads = "the TAP with a virtio-net header and TUNSETOFFLOAD: checksum and segmentation offload";

            List<Double> toJrump = new ArrayList<>();
            List<Double> fromJrump = new ArrayList<>();
            List<Double> veth = new ArrayList<>();
            List<Double> iperf = new ArrayList<>();
            log.println("TAP bulk comparison: " + bytes / (1 << 20) + " MiB per transfer, " + rounds + " rounds (+ a warm-up of "
                    + warmUpTransfers() + " transfers each way)");
            for (int round = 0; round <= rounds; round++) {
                boolean vethFirst = round % 2 == 0;
                double v = 0;
                if (vethFirst) {
                    v = vethRate();
                }
                double in = 0;
                double out = 0;
                for (int t = round == 0 ? warmUpTransfers() : 1; t > 0; t--) {
                    in = linuxToJrump(kernel);
                    out = jrumpToLinux(kernel);
                }
                if (!vethFirst) {
                    v = vethRate();
                }
                double i3 = iperf3();
                log.printf(Locale.ROOT, "  %s: Linux->jrump %.2f, jrump->Linux %.2f, veth (socat) %.2f, veth (iperf3) %.2f Gbit/s%n",
                        round == 0 ? "warm-up" : "round " + round, in / 1e9, out / 1e9, v / 1e9, i3 / 1e9);
                if (round > 0) {
                    toJrump.add(in);
                    fromJrump.add(out);
                    veth.add(v);
                    iperf.add(i3);
                }
            }
            StringBuilder t = new StringBuilder(Row.HEADER).append('\n');
            t.append(new Row("bulk TCP over a TAP, Linux to jrump (offloads on)", TapBulkCompare::gbits, samples(toJrump),
                    "Linux to Linux over a veth (socat)", samples(veth), Target.atLeast(3e9, "≥ 3 Gbit/s")).markdown()).append('\n');
            t.append(new Row("bulk TCP over a TAP, jrump to Linux (offloads on)", TapBulkCompare::gbits, samples(fromJrump),
                    "Linux to Linux over a veth (socat)", samples(veth), Target.atLeast(3e9, "≥ 3 Gbit/s")).markdown()).append('\n');
            t.append("\nOne connection, ").append(bytes / (1 << 20)).append(" MiB per transfer; Linux's end is socat between /dev/zero or /dev/null"
                    + " and TCP in the TAP's namespace, jrump's a sink or source on its own sockets in this JVM (").append(offloads)
                    .append("); the peer is socat to socat across a veth pair between two namespaces. iperf3 over the same veth: ")
                    .append(gbits(samples(iperf).median())).append(" (median). ").append(Runtime.getRuntime().availableProcessors())
                    .append(" cores shared by both ends.");
            return t.toString();
        } finally {
            if (kernel != null) {
                kernel.close();
            }
            Netns.delete(List.of(tapNs, vethA, vethB), tap);
        }
    }

    /**
     * Transfers each way in the warm-up round: enough that about {@value #WARM_UP_BYTES} bytes
     * cross before anything is measured, at most four. jrump's receive path runs interpreted and
     * then C1-compiled code for its first few hundred MiB, and on a busy machine the C2
     * compiler's threads compete with it for the cores; one transfer of a --quick run's 256 MiB
     * left the first measured rounds at half their later rate.
     */
    private int warmUpTransfers() {
        return (int) Math.max(1, Math.min(4, WARM_UP_BYTES / bytes));
    }

    /** Linux's socat sends; jrump's sink counts until the end of the stream. Bits per second at the sink. */
    private double linuxToJrump(RumpKernel kernel) throws IOException, InterruptedException {
        Syscalls sys = kernel.sys();
        int l = sys.socket(AF_INET, SOCK_STREAM, 0);
        try {
            sys.setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1); // the last transfer's connection may still be closing
            sys.bind(l, new InetSocketAddress(PORT));
            sys.listen(l, 1);
            Process p = start(tapNs, "socat", "-u", "-b", String.valueOf(CHUNK), "OPEN:/dev/zero,readbytes=" + bytes, "TCP:10.78.2.2:" + PORT);
            int c = sys.accept(l);
            long t0 = System.nanoTime();
            long got = 0;
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            while (true) {
                buf.clear();
                int n = sys.read(c, buf);
                if (n <= 0) {
                    break;
                }
                got += n;
            }
            long t = System.nanoTime() - t0;
            sys.close(c);
            finish(p);
            if (got != bytes) {
                throw new IOException("jrump's sink got " + got + " of " + bytes + " bytes");
            }
            return got * 8e9 / t;
        } finally {
            sys.close(l);
        }
    }

    /** jrump's source sends to Linux's socat, which writes to /dev/null; timed until socat has seen the end and exited. */
    private double jrumpToLinux(RumpKernel kernel) throws IOException, InterruptedException {
        Process p = start(tapNs, "socat", "-u", "-b", String.valueOf(CHUNK), "TCP-LISTEN:" + (PORT + 1) + ",reuseaddr", "OPEN:/dev/null");
        Syscalls sys = kernel.sys();
        InetSocketAddress to = new InetSocketAddress(InetAddress.getByName("10.78.2.1"), PORT + 1);
        int s = -1;
        for (int i = 0; i < 100 && s < 0; i++) { // socat listens a moment after it starts
            int fd = sys.socket(AF_INET, SOCK_STREAM, 0);
            try {
                sys.connect(fd, to);
                s = fd;
            } catch (io.jrump.api.ErrnoException e) {
                sys.close(fd);
                Thread.sleep(20);
            }
        }
        if (s < 0) {
            p.destroyForcibly();
            throw new IOException("socat in " + tapNs + " did not listen");
        }
        long t0 = System.nanoTime();
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        long sent = 0;
        while (sent < bytes) {
            buf.clear().limit((int) Math.min(CHUNK, bytes - sent));
            while (buf.hasRemaining()) {
                sent += sys.write(s, buf);
            }
        }
        sys.close(s);
        finish(p);
        return sent * 8e9 / (System.nanoTime() - t0);
    }

    /** socat to socat over the veth: timed from the sender's start until the receiver has seen the end and exited. */
    private double vethRate() throws IOException, InterruptedException {
        Process sink = start(vethB, "socat", "-u", "-b", String.valueOf(CHUNK), "TCP-LISTEN:" + PORT + ",reuseaddr", "OPEN:/dev/null");
        Thread.sleep(200); // socat listens a moment after it starts
        long t0 = System.nanoTime();
        Process source = start(vethA, "socat", "-u", "-b", String.valueOf(CHUNK), "OPEN:/dev/zero,readbytes=" + bytes, "TCP:10.78.1.2:" + PORT);
        finish(source);
        finish(sink);
        return bytes * 8e9 / (System.nanoTime() - t0);
    }

    /** iperf3 over the veth, 2 s, the receiver's figure in bits per second. */
    private double iperf3() throws IOException, InterruptedException {
        Process server = start(vethB, "iperf3", "-s", "-1");
        try {
            Thread.sleep(200);
            List<String> c = Netns.command(vethA, "iperf3", "-c", "10.78.1.2", "-t", "2", "-f", "g");
            HostTools.Result r = HostTools.run(30, null, c);
            Matcher m = IPERF.matcher(r.output());
            if (r.status() != 0 || !m.find()) {
                throw new IOException("iperf3: exit " + r.status() + "\n" + r.output());
            }
            return Double.parseDouble(m.group(1)) * 1e9;
        } finally {
            finish(server);
        }
    }

    private static String gbits(double bitsPerSecond) {
        return String.format(Locale.ROOT, "%.2f Gbit/s", bitsPerSecond / 1e9);
    }

    private static Samples samples(List<Double> v) {
        return Samples.of(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static Process start(String ns, String... cmd) throws IOException {
        return HostTools.processBuilder(Netns.command(ns, cmd)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static void finish(Process p) throws IOException, InterruptedException {
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("a peer process did not finish in 120 s");
        }
    }
}
