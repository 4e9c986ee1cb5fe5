package io.jrump.bench;

import static io.jrump.api.SocketConstants.AF_INET;
import static io.jrump.api.SocketConstants.SOCK_STREAM;

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
import java.nio.file.Files;
import java.nio.file.Path;
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
        if (!HostTools.isRoot()) {
            return "not root (a TAP, a veth pair and network namespaces need CAP_NET_ADMIN)";
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            return "no /dev/net/tun";
        }
        for (String[] t : new String[][] {{"ip", "iproute2"}, {"socat", "socat"}, {"iperf3", "iperf3"}}) {
            if (HostTools.find(t[0]).isEmpty()) {
                return HostTools.notInstalled(t[0], t[1]);
            }
        }
        return null;
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
            ip("netns", "add", tapNs);
            ip("netns", "add", vethA);
            ip("netns", "add", vethB);
            for (String ns : List.of(tapNs, vethA, vethB)) {
                inNs(ns, "ip", "link", "set", "lo", "up");
            }
            ip("link", "add", "jbwa" + pid % 100000, "netns", vethA, "type", "veth", "peer", "name", "jbwb" + pid % 100000, "netns", vethB);
            inNs(vethA, "ip", "addr", "add", "10.78.1.1/24", "dev", "jbwa" + pid % 100000);
            inNs(vethA, "ip", "link", "set", "jbwa" + pid % 100000, "up");
            inNs(vethB, "ip", "addr", "add", "10.78.1.2/24", "dev", "jbwb" + pid % 100000);
            inNs(vethB, "ip", "link", "set", "jbwb" + pid % 100000, "up");

            kernel = Rump.builder().component("net").tap("eth0", tap).boot();
            kernel.netconfig().ipv4Address("eth0", "10.78.2.2/24");
            ip("link", "set", tap, "netns", tapNs);
            inNs(tapNs, "ip", "addr", "add", "10.78.2.1/24", "dev", tap);
            inNs(tapNs, "ip", "link", "set", tap, "up");
            String offloads = "the TAP with a virtio-net header and TUNSETOFFLOAD: checksum and segmentation offload";

            List<Double> toJrump = new ArrayList<>();
            List<Double> fromJrump = new ArrayList<>();
            List<Double> veth = new ArrayList<>();
            List<Double> iperf = new ArrayList<>();
            log.println("TAP bulk comparison: " + bytes / (1 << 20) + " MiB per transfer, " + rounds + " rounds (+ a warm-up)");
            for (int round = 0; round <= rounds; round++) {
                boolean vethFirst = round % 2 == 0;
                double v = 0;
                if (vethFirst) {
                    v = vethRate();
                }
                double in = linuxToJrump(kernel);
                double out = jrumpToLinux(kernel);
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
            for (String ns : List.of(tapNs, vethA, vethB)) {
                quietly("ip", "netns", "del", ns);
            }
            if (Files.exists(Path.of("/sys/class/net", tap))) {
                quietly("ip", "link", "del", tap);
            }
        }
    }

    /** Linux's socat sends; jrump's sink counts until the end of the stream. Bits per second at the sink. */
    private double linuxToJrump(RumpKernel kernel) throws IOException, InterruptedException {
        Syscalls sys = kernel.sys();
        int l = sys.socket(AF_INET, SOCK_STREAM, 0);
        try {
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
            List<String> c = nsCommand(vethA, "iperf3", "-c", "10.78.1.2", "-t", "2", "-f", "g");
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
        return HostTools.processBuilder(nsCommand(ns, cmd)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static void finish(Process p) throws IOException, InterruptedException {
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("a peer process did not finish in 120 s");
        }
    }

    private static List<String> nsCommand(String ns, String... cmd) {
        List<String> c = new ArrayList<>(List.of(HostTools.find("ip").orElseThrow().toString(), "netns", "exec", ns));
        c.add(HostTools.find(cmd[0]).map(Path::toString).orElse(cmd[0]));
        c.addAll(List.of(cmd).subList(1, cmd.length));
        return c;
    }

    private static void inNs(String ns, String... cmd) throws IOException, InterruptedException {
        ok(nsCommand(ns, cmd));
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of(HostTools.find("ip").orElseThrow().toString()));
        c.addAll(List.of(args));
        ok(c);
    }

    private static void ok(List<String> cmd) throws IOException, InterruptedException {
        HostTools.Result r = HostTools.run(30, null, cmd);
        if (r.status() != 0) {
            throw new IOException(String.join(" ", cmd) + ": exit " + r.status() + "\n" + r.output());
        }
    }

    private static void quietly(String... cmd) {
        try {
            List<String> c = new ArrayList<>(List.of(HostTools.find(cmd[0]).map(Path::toString).orElse(cmd[0])));
            c.addAll(List.of(cmd).subList(1, cmd.length));
            HostTools.run(30, null, c);
        } catch (IOException | InterruptedException e) {
            // best effort: the namespace may be gone already
        }
    }
}
