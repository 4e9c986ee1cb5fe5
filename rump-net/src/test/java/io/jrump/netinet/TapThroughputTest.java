package io.jrump.netinet;

import static io.jrump.api.SocketConstants.AF_INET;
import static io.jrump.api.SocketConstants.SHUT_WR;
import static io.jrump.api.SocketConstants.SOCK_STREAM;
import static io.jrump.api.SocketConstants.SOL_SOCKET;
import static io.jrump.api.SocketConstants.SO_RCVTIMEO;
import static io.jrump.api.SocketConstants.SO_REUSEADDR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.api.Syscalls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Bulk TCP over a TAP between Linux (in a namespace) and a kernel, with offloads on and off,
 * both ways, beside Linux-to-Linux over a veth pair in the same run, all with {@code nc} and
 * {@code /dev/zero}, so the tools cost the same on every row. Prints a markdown table; asserts
 * only that every byte arrived. A measurement, not a test: it runs only when asked,
 * {@code -Djrump.tap.measure=true} (root needed).
 */
@EnabledIfSystemProperty(named = "jrump.tap.measure", matches = "true")
class TapThroughputTest {
    private static final long SIZE = Long.getLong("jrump.tap.bytes", 1L << 30);
    private static final int RUNS = Integer.getInteger("jrump.tap.runs", 3);

    @Test
    void measure() throws Exception {
        String why = TapLink.unusable("ip", "nc", "sh");
        assumeTrue(why == null, why);
        ExecutorService pool = Executors.newCachedThreadPool();
        List<String> rows = new ArrayList<>();
        try {
            double vethA = veth(true);
            double vethB = veth(false);
            rows.add(row("Linux -> Linux, veth", vethA, vethA));
            rows.add(row("Linux -> Linux, veth (reverse)", vethB, vethA));
            if (!Double.isNaN(iperf3)) {
                rows.add(row("Linux -> Linux, veth, iperf3 (reference)", iperf3, vethA));
            }
            for (boolean offload : new boolean[] {true, false}) {
                List<String> options = new ArrayList<>(List.of("tap.offload", String.valueOf(offload)));
                for (String kv : System.getProperty("jrump.tap.options", "").split(",")) { // extra kernel options, k=v,k=v
                    if (kv.contains("=")) {
                        options.addAll(List.of(kv.split("=", 2)));
                    }
                }
                try (TapLink link = TapLink.open(0, options.toArray(new String[0]))) {
                    String tag = offload ? "offloads on" : "offloads off";
                    rows.add(row("Linux -> jrump, TAP, " + tag, median(() -> linuxToJrump(link, pool)), vethA));
                    rows.add(row("jrump -> Linux, TAP, " + tag, median(() -> jrumpToLinux(link)), vethA));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        StringBuilder sb = new StringBuilder("\nBulk TCP, " + (SIZE >> 20) + " MiB per run, median of " + RUNS + " runs\n\n");
        sb.append("| path | MiB/s | ratio to veth |\n|---|---|---|\n");
        rows.forEach(r -> sb.append(r).append('\n'));
        System.out.println(sb);
    }

    private static String row(String what, double mibs, double veth) {
        return String.format(Locale.ROOT, "| %s | %.0f | %.2f |", what, mibs, mibs / veth);
    }

    @FunctionalInterface
    interface Run {
        double mibPerSecond() throws Exception;
    }

    private static double median(Run r) throws Exception {
        double[] v = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            v[i] = r.mibPerSecond();
        }
        java.util.Arrays.sort(v);
        return v[RUNS / 2];
    }

    private static double mibs(long nanos) {
        return SIZE / (1024.0 * 1024.0) / (nanos / 1e9);
    }

    private static String zeros(String target) {
        return "head -c " + SIZE + " /dev/zero | nc -N -n " + target;
    }

    private static double linuxToJrump(TapLink link, ExecutorService pool) throws Exception {
        Syscalls sys = link.kernel.sys();
        int l = sys.socket(AF_INET, SOCK_STREAM, 0);
        sys.setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1);
        sys.bind(l, new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 5201));
        sys.listen(l, 1);
        try {
            Future<long[]> sink = pool.submit(() -> {
                int c = sys.accept(l);
                sys.setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, 30_000);
                ByteBuffer buf = ByteBuffer.allocate(1 << 17);
                long got = 0;
                for (int n; (n = sys.recv(c, buf.clear(), 0)) > 0;) {
                    got += n;
                }
                long end = System.nanoTime();
                sys.close(c);
                return new long[] {got, end};
            });
            long start = System.nanoTime();
            TapLink.exec(300, link.nsCommand("sh", "-c", zeros(link.jrumpIp + " 5201")), null);
            long[] r = sink.get(300, TimeUnit.SECONDS);
            assertEquals(SIZE, r[0]);
            return mibs(r[1] - start);
        } finally {
            sys.close(l);
        }
    }

    private static double jrumpToLinux(TapLink link) throws Exception {
        Process nc = new ProcessBuilder(link.nsCommand("sh", "-c", "nc -l -n -d " + link.linuxIp + " 5202 | wc -c"))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Syscalls sys = link.kernel.sys();
        int c = -1;
        for (int i = 0; c < 0; i++) {
            int s = sys.socket(AF_INET, SOCK_STREAM, 0);
            try {
                sys.connect(s, new InetSocketAddress(InetAddress.getByName(link.linuxIp), 5202));
                c = s;
            } catch (io.jrump.api.ErrnoException e) {
                sys.close(s);
                assertTrue(i < 100, e.getMessage());
                Thread.sleep(50);
            }
        }
        try {
            ByteBuffer zero = ByteBuffer.allocate(1 << 16);
            long start = System.nanoTime();
            for (long sent = 0; sent < SIZE;) {
                zero.clear().limit((int) Math.min(zero.capacity(), SIZE - sent));
                sent += sys.send(c, zero, 0);
            }
            sys.shutdown(c, SHUT_WR);
            String count = new String(nc.getInputStream().readAllBytes()).trim();
            long end = System.nanoTime();
            assertTrue(nc.waitFor(60, TimeUnit.SECONDS));
            assertEquals(String.valueOf(SIZE), count);
            return mibs(end - start);
        } finally {
            sys.close(c);
            nc.destroy();
        }
    }

    /** Linux to Linux over the veth pair with iperf3 (5 s), for reference; NaN when iperf3 is missing. */
    private static double iperf3 = Double.NaN;

    private static double iperf3(String client, String server, String serverIp) throws Exception {
        Process srv = new ProcessBuilder(TapLink.find("ip"), "netns", "exec", server, TapLink.find("iperf3"), "-s", "-1", "-B", serverIp)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Thread.sleep(300);
            String json = TapLink.exec(60, List.of(TapLink.find("ip"), "netns", "exec", client, TapLink.find("iperf3"), "-c", serverIp,
                    "-t", "5", "-J"), null);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*\"bits_per_second\"\\s*:\\s*([0-9.e+]+)")
                    .matcher(json);
            assertTrue(m.find(), json);
            return Double.parseDouble(m.group(1)) / 8 / (1024 * 1024);
        } finally {
            srv.destroy();
            srv.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** nc from one namespace to another over a veth pair; {@code forward} picks the direction. */
    private static double veth(boolean forward) throws Exception {
        long pid = ProcessHandle.current().pid();
        String a = "jrveth-a-" + pid;
        String b = "jrveth-b-" + pid;
        TapLink.run(30, "ip", "netns", "add", a);
        try {
            TapLink.run(30, "ip", "netns", "add", b);
            try {
                TapLink.run(30, "ip", "link", "add", "va", "netns", a, "type", "veth", "peer", "name", "vb", "netns", b);
                TapLink.run(30, "ip", "-n", a, "addr", "add", "10.250.0.1/24", "dev", "va");
                TapLink.run(30, "ip", "-n", b, "addr", "add", "10.250.0.2/24", "dev", "vb");
                TapLink.run(30, "ip", "-n", a, "link", "set", "va", "up");
                TapLink.run(30, "ip", "-n", b, "link", "set", "vb", "up");
                if (forward && TapLink.find("iperf3") != null) {
                    iperf3 = iperf3(a, b, "10.250.0.2");
                }
                String from = forward ? a : b;
                String to = forward ? b : a;
                String toIp = forward ? "10.250.0.2" : "10.250.0.1";
                return median(() -> {
                    Process sink = new ProcessBuilder(TapLink.find("ip"), "netns", "exec", to, "sh", "-c", "nc -l -n -d " + toIp + " 5203 | wc -c")
                            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                    Thread.sleep(200); // nc listening; a refused connection fails the run below
                    long start = System.nanoTime();
                    TapLink.exec(300, List.of(TapLink.find("ip"), "netns", "exec", from, "sh", "-c", zeros(toIp + " 5203")), null);
                    String count = new String(sink.getInputStream().readAllBytes()).trim();
                    long end = System.nanoTime();
                    sink.waitFor(30, TimeUnit.SECONDS);
                    assertEquals(String.valueOf(SIZE), count);
                    return mibs(end - start);
                });
            } finally {
                TapLink.run(30, "ip", "netns", "del", b);
            }
        } finally {
            TapLink.run(30, "ip", "netns", "del", a);
        }
    }
}
