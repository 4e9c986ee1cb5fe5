package io.jrump.bench;

import io.jrump.api.OpenFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.measure.Samples;
import io.jrump.measure.Units;
import io.jrump.net.http.HttpFileServer;
import io.jrump.net.http.HttpOptions;
import io.jrump.platform.host.HostTools;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP requests per second (issue 12, "Performance"): {@code wrk} against jrump's
 * {@link HttpFileServer} in a kernel on a TAP, and against {@code nginx} serving the same files
 * over a veth pair, in the same run. Each peer is in a network namespace made for the run;
 * {@code wrk} runs in a client namespace that reaches nginx through the veth and jrump through
 * the TAP (whose Linux side is moved there), so both servers meet the same client the same way
 * and no packet meets the host's own interfaces. nginx has a configuration of its own in a
 * temporary directory, with as many workers as cores, no access log, and sendfile.
 *
 * <p>Cases: a small file (1 KiB; target: at least half of nginx's rate) and a 1 MiB file
 * (reported). jrump is first warmed up on both cases (the JIT compiles its request path in the
 * first seconds under load; nginx needs no warming), and its TCP segments, delayed ACKs and
 * retransmissions per request during the warm-up are logged. Rounds alternate which server goes
 * first. The system property {@code jrump.http.loops} sets the server's number of event loops
 * (default: {@link HttpOptions#defaultLoopThreads()}). Needs root, /dev/net/tun, wrk, nginx
 * and iproute2; otherwise the table says why nothing was measured.
 *
 * <pre>
 * benchmarks/compare --http [--quick]
 * </pre>
 */
final class HttpCompare {
    static final int SMALL = 1024;
    static final int LARGE = 1 << 20;
    private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");

    private final int rounds;
    private final int seconds;
    private final int connections;
    private final PrintStream log;
    private final long pid = ProcessHandle.current().pid();
    private final String clientNs = "jbhc-" + pid;
    private final String nginxNs = "jbhn-" + pid;
    private final String tap = "jbht" + pid % 100000;
    private final List<Process> started = new ArrayList<>();

    private HttpCompare(int rounds, int seconds, int connections, PrintStream log) {
        this.rounds = rounds;
        this.seconds = seconds;
        this.connections = connections;
        this.log = log;
    }

    /** Why the comparison cannot run here, or null. */
    static String unusable() {
        return Netns.unusable(new String[] {"ip", "iproute2"}, new String[] {"wrk", "wrk"}, new String[] {"nginx", "nginx-light"});
    }

    static String run(int rounds, int seconds, int connections, PrintStream log) throws IOException, InterruptedException {
        String why = unusable();
        if (why != null) {
            return "HTTP comparison not run: " + why;
        }
        return new HttpCompare(rounds, seconds, connections, log).measure();
    }

    private String measure() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("jrump-http-bench");
        byte[] small = new byte[SMALL];
        byte[] large = new byte[LARGE];
        Random r = new Random(5);
        r.nextBytes(small);
        r.nextBytes(large);
        // nginx's workers run unprivileged: the tree must be readable by others, as jrump's server (uid nobody) needs too
        var open = java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x");
        Files.setPosixFilePermissions(dir, open);
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.setPosixFilePermissions(www, open);
        Files.write(www.resolve("small.bin"), small);
        Files.write(www.resolve("large.bin"), large);
        RumpKernel kernel = null;
        HttpFileServer server = null;
        try {
            Netns.add(clientNs);
            Netns.add(nginxNs);
            Netns.veth("jbhv" + pid % 100000, clientNs, "10.79.1.2/24", "jbhw" + pid % 100000, nginxNs, "10.79.1.1/24");
            startNginx(dir, www);

            kernel = Rump.builder().component("vfs", "net").tap("eth0", tap).boot();
            kernel.netconfig().ipv4Address("eth0", "10.79.2.2/24");
            put(kernel.sys(), "/small.bin", small);
            put(kernel.sys(), "/large.bin", large);
            HttpOptions options = HttpOptions.defaults().withMaxConnections(1000);
            if (Integer.getInteger("jrump.http.loops") != null) {
                options = options.withLoopThreads(Integer.getInteger("jrump.http.loops"));
            }
            server = HttpFileServer.start(kernel, 80, "/", options);
            Netns.moveTap(tap, clientNs, "10.79.2.1/24");

            String[] cases = {"small.bin", "large.bin"};
            List<List<Double>> rump = List.of(new ArrayList<>(), new ArrayList<>());
            List<List<Double>> nginx = List.of(new ArrayList<>(), new ArrayList<>());
            log.println("HTTP comparison: wrk -c" + connections + ", " + seconds + " s per run, " + rounds + " rounds (+ a warm-up)");
            // the JIT compiles the server's request path during its first seconds under load: warm
            // jrump up on both cases first, so that the rounds measure its steady state, as nginx's
            for (String c : cases) {
                var before = kernel.netconfig().counters();
                long requests = server.stats().requests();
                log.printf("  jrump warm-up %s: %.0f req/s%n", c, wrk("10.79.2.2", c, 2 * seconds));
                log.println("    per request, jrump's TCP: " + perRequest(before, kernel.netconfig().counters(), server.stats().requests() - requests));
            }
            for (int round = 0; round <= rounds; round++) {
                boolean nginxFirst = round % 2 == 0;
                for (int c = 0; c < cases.length; c++) {
                    double a;
                    double b;
                    if (nginxFirst) {
                        b = wrk("10.79.1.1", cases[c]);
                        a = wrk("10.79.2.2", cases[c]);
                    } else {
                        a = wrk("10.79.2.2", cases[c]);
                        b = wrk("10.79.1.1", cases[c]);
                    }
                    log.printf("  %s %s: jrump %.0f req/s, nginx %.0f req/s%n", round == 0 ? "warm-up" : "round " + round, cases[c], a, b);
                    if (round > 0) {
                        rump.get(c).add(a);
                        nginx.get(c).add(b);
                    }
                }
            }
            StringBuilder t = new StringBuilder(Row.HEADER).append('\n');
            t.append(new Row("HTTP GET of a 1 KiB file, wrk -c" + connections + " (requests/s)", HttpCompare::rate, samples(rump.get(0)),
                    "nginx over a veth", samples(nginx.get(0)), Target.atLeastTimesPeer(0.5, "≥ 0.5x nginx")).markdown()).append('\n');
            t.append(new Row("HTTP GET of a 1 MiB file, wrk -c" + connections + " (requests/s)", HttpCompare::rate, samples(rump.get(1)),
                    "nginx over a veth", samples(nginx.get(1)), Target.report()).markdown()).append('\n');
            t.append("\njrump: HttpFileServer in a kernel on a TAP (offloads on); nginx ").append(nginxVersion())
                    .append(" (worker_processes auto, sendfile on, access_log off); both files in memory (tmpfs, page cache); ")
                    .append(Runtime.getRuntime().availableProcessors()).append(" cores shared by client and server.");
            return t.toString();
        } finally {
            if (server != null) {
                server.close();
            }
            if (kernel != null) {
                kernel.close();
            }
            for (Process p : started) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
            Netns.delete(List.of(clientNs, nginxNs), tap);
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * Segments in and out, delayed ACKs and retransmissions per request between two readings of
     * the kernel's counters: a small response should cost one segment each way, its ACK riding
     * on the next request (a delayed ACK timer that fires, or a second segment, is a cost of
     * Nagle's algorithm or the delayed-ACK interplay).
     */
    private static String perRequest(java.util.Map<String, Long> before, java.util.Map<String, Long> after, long requests) {
        StringBuilder sb = new StringBuilder();
        for (String k : new String[] {"tcp.in.segs", "tcp.out.segs", "tcp.delayed_acks", "tcp.retransmits"}) {
            long d = after.getOrDefault(k, 0L) - before.getOrDefault(k, 0L);
            sb.append(sb.length() == 0 ? "" : ", ").append(k.substring(4)).append(' ').append(String.format("%.2f", requests == 0 ? 0.0 : (double) d / requests));
        }
        return sb.append(" (").append(requests).append(" requests)").toString();
    }

    private static String rate(double v) {
        return Units.count(Math.round(v));
    }

    private static Samples samples(List<Double> v) {
        return Samples.of(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static void put(Syscalls sys, String path, byte[] data) throws IOException {
        int fd = sys.open(path, OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644);
        try {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                sys.write(fd, b);
            }
        } finally {
            sys.close(fd);
        }
    }

    private void startNginx(Path dir, Path www) throws IOException, InterruptedException {
        Path conf = dir.resolve("nginx.conf");
        Files.createDirectories(dir.resolve("tmp"));
        Files.writeString(conf, String.join("\n",
                "daemon off;",
                "worker_processes auto;",
                "pid " + dir.resolve("nginx.pid") + ";",
                "error_log " + dir.resolve("error.log") + ";",
                "events { worker_connections 4096; }",
                "http {",
                "  access_log off;",
                "  sendfile on;",
                "  keepalive_requests 1000000;",
                "  client_body_temp_path " + dir.resolve("tmp") + ";",
                "  default_type application/octet-stream;",
                "  server { listen 10.79.1.1:80; root " + www + "; }",
                "}", ""));
        List<String> cmd = Netns.command(nginxNs, "nginx", "-p", dir.toString(), "-c", conf.toString());
        Process p = HostTools.processBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        started.add(p);
        for (int i = 0; i < 100; i++) {
            if (HostTools.run(10, null, Netns.command(clientNs, "wrk", "-t1", "-c1", "-d1s", "http://10.79.1.1/small.bin")).output().contains("Requests/sec")) {
                return;
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        throw new IOException("nginx did not start: " + Files.readString(dir.resolve("nginx.out")) + Files.readString(dir.resolve("error.log")));
    }

    private String nginxVersion() {
        try {
            String v = HostTools.run(10, null, List.of(HostTools.find("nginx").orElseThrow().toString(), "-v")).output().trim();
            return v.replaceFirst("^nginx version: ", "");
        } catch (IOException | InterruptedException e) {
            return "(version unknown)";
        }
    }

    private double wrk(String host, String file) throws IOException, InterruptedException {
        return wrk(host, file, seconds);
    }

    private double wrk(String host, String file, int seconds) throws IOException, InterruptedException {
        List<String> cmd = Netns.command(clientNs, "wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "http://" + host + "/" + file);
        HostTools.Result r = HostTools.run(seconds + 60L, null, cmd);
        Matcher m = RATE.matcher(r.output());
        if (r.status() != 0 || !m.find()) {
            throw new IOException(String.join(" ", cmd) + ": exit " + r.status() + "\n" + r.output());
        }
        if (r.output().contains("Non-2xx")) {
            throw new IOException("wrk against " + host + " got error responses:\n" + r.output());
        }
        if (r.output().contains("Socket errors")) {
            log.println("  wrk against " + host + " reported socket errors:\n" + r.output());
        }
        return Double.parseDouble(m.group(1));
    }
}
