package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.platform.host.HostTools;
import io.jrump.testing.Peers;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the tests of an in-process {@code rump serve} share: waiting for what it prints, and for
 * the TAP tests, the TAP's Linux side in a network namespace the test makes, captured by tcpdump.
 */
final class ServeTestSupport {
    /** The line that names the port of a server listening on 127.0.0.1 (group 1). */
    static final Pattern LOOPBACK_URL = Pattern.compile("at http://127\\.0\\.0\\.1:(\\d+)/");

    private ServeTestSupport() {
    }

    /**
     * A thread that runs {@code rump} with {@code args} in this JVM, both its streams into
     * {@code out} and its exit status into {@code status[0]}; not yet started.
     */
    static Thread serve(StringWriter out, int[] status, String... args) {
        var cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        return new Thread(() -> status[0] = cli.execute(args));
    }

    /** Waits (30 s at most) for {@code p} in the output; its group 1 is a port on 127.0.0.1. */
    static InetSocketAddress await(StringWriter out, Thread serving, Pattern p) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            Matcher m = p.matcher(out.toString());
            if (m.find()) {
                return new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1)));
            }
            assertTrue(serving.isAlive(), "rump serve ended: " + out);
            Thread.sleep(50);
        }
        throw new AssertionError("rump serve did not print " + p + ": " + out);
    }

    /** Waits (30 s at most) until {@code text} stands {@code times} times in the output, and checks it is not more. */
    static void waitFor(StringWriter out, Thread serving, String text, int times) throws InterruptedException {
        for (int i = 0; i < 600 && count(out.toString(), text) < times; i++) {
            assertTrue(serving.isAlive(), "rump serve ended: " + out);
            Thread.sleep(50);
        }
        assertEquals(times, count(out.toString(), text), "expected " + times + " x '" + text + "' in: " + out);
    }

    static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + part.length())) {
            n++;
        }
        return n;
    }

    /** Skips the test unless a TAP and a network namespace can be made here. */
    static void requireTap() {
        Peers.requireRoot("a TAP and a network namespace need CAP_NET_ADMIN");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun");
    }

    /** Runs {@code cmd} in namespace {@code ns}; its output, or an assertion failure naming it. */
    static String inNs(String ip, String ns, String... cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of(ip, "netns", "exec", ns));
        c.addAll(Arrays.asList(cmd));
        return Peers.ok(c.toArray(new String[0]));
    }

    /** Moves the Linux side of {@code tap} into {@code ns} (IPv6 off there, so only the test's traffic is captured), at {@code cidr}, up. */
    static void moveTap(String ip, String tap, String ns, String cidr) throws Exception {
        Peers.ok(ip, "link", "set", tap, "netns", ns);
        inNs(ip, ns, ip, "link", "set", "lo", "up");
        inNs(ip, ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
        inNs(ip, ns, ip, "addr", "add", cidr, "dev", tap);
        inNs(ip, ns, ip, "link", "set", tap, "up");
    }

    /** Starts tcpdump on {@code tap} in {@code ns}, writing {@code pcap}, and waits until it listens. */
    static Process capture(String ip, String ns, String tcpdump, String tap, Path pcap) throws IOException, InterruptedException {
        Path err = pcap.resolveSibling(pcap.getFileName() + ".err");
        Process dump = HostTools.processBuilder(List.of(ip, "netns", "exec", ns, tcpdump, "-i", tap, "--immediate-mode", "-B", "16384", "-U", "-s", "0",
                "-w", pcap.toString())).redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        for (int i = 0; i < 100 && !Files.readString(err).contains("listening on"); i++) {
            Thread.sleep(50);
        }
        assertTrue(Files.readString(err).contains("listening on"), "tcpdump started: " + Files.readString(err));
        return dump;
    }

    /** Lets the last frames reach the capture (300 ms), then ends tcpdump, which flushes its file. */
    static void stopCapture(Process dump) throws InterruptedException {
        Thread.sleep(300);
        dump.destroy();
        assertTrue(dump.waitFor(10, TimeUnit.SECONDS), "tcpdump ended");
    }

    /**
     * A TAP test's clean-up, whatever failed: kills tcpdump if it still runs ({@code dump} may be
     * null), stops {@code rump serve} (20 s at most), and removes the namespace and the TAP.
     */
    static void tearDown(Process dump, Thread serving, String ip, String ns, String tap) throws IOException, InterruptedException {
        if (dump != null) {
            dump.destroyForcibly();
        }
        serving.interrupt();
        serving.join(20_000);
        removeNamespace(ip, ns, tap);
    }

    /** Deletes {@code ns} and, if it never moved there, {@code tap}. */
    private static void removeNamespace(String ip, String ns, String tap) throws IOException, InterruptedException {
        Peers.run(ip, "netns", "del", ns);
        if (Files.exists(Path.of("/sys/class/net", tap))) {
            Peers.run(ip, "link", "del", tap);
        }
    }
}
