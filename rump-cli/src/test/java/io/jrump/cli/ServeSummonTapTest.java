package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.platform.host.HostTools;
import io.jrump.testing.Peers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rump serve --summon --tap} with two services on one TAP, each at its own address, and
 * curl in a network namespace the test makes: the first request to one address summons that
 * service alone and succeeds; after {@code --idle 1s} its kernel is gone (reported with its
 * cost); the other service is summoned by its own request, and the next request to the first
 * summons it again, this time by a bare SYN (Linux knows the MAC by then). A tcpdump capture of
 * the TAP read by tshark shows no TCP retransmission and no malformed packet throughout: the
 * frames that summoned each kernel were replayed into it, not lost. Needs root, /dev/net/tun
 * and the tools; skipped with the reason otherwise.
 */
class ServeSummonTapTest {
    @TempDir
    Path dir;

    @Test
    void twoServicesOnOneTapAreSummonedByCurlEachOnItsOwnWithoutARetransmission() throws Exception {
        Peers.requireRoot("a TAP and a network namespace need CAP_NET_ADMIN");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun");
        String ip = Peers.require("ip", "iproute2").toString();
        String curl = Peers.require("curl", "curl").toString();
        String tcpdump = Peers.require("tcpdump", "tcpdump").toString();
        String tshark = Peers.require("tshark", "tshark").toString();

        long pid = ProcessHandle.current().pid();
        String ns = "jrsum-" + pid;
        String tap = "jrm" + pid % 100000;
        String net = "10." + (150 + (int) (pid % 50)) + ".11.";
        Path alpha = Files.createDirectories(dir.resolve("alpha"));
        Path beta = Files.createDirectories(dir.resolve("beta"));
        Files.writeString(alpha.resolve("a.txt"), "from alpha\n");
        Files.writeString(beta.resolve("b.txt"), "from beta\n");

        StringWriter out = new StringWriter();
        var cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        int[] status = {-1};
        Thread serving = new Thread(() -> status[0] = cli.execute("serve", "--summon", "--idle", "1s", "--tap", tap, "--ip", net + "2/24", "--ip",
                net + "3/24", "--no-tap-offload", "--access-log", "off", alpha.toString(), beta.toString()));
        Peers.ok(ip, "netns", "add", ns);
        Process dump = null;
        try {
            serving.start();
            waitFor(out, serving, " as beta,", 1);
            Peers.ok(ip, "link", "set", tap, "netns", ns);
            inNs(ip, ns, ip, "link", "set", "lo", "up");
            inNs(ip, ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
            inNs(ip, ns, ip, "addr", "add", net + "1/24", "dev", tap);
            inNs(ip, ns, ip, "link", "set", tap, "up");

            Path pcap = dir.resolve("summon.pcap");
            Path err = dir.resolve("tcpdump.err");
            dump = HostTools.processBuilder(List.of(ip, "netns", "exec", ns, tcpdump, "-i", tap, "--immediate-mode", "-B", "16384", "-U", "-s", "0",
                    "-w", pcap.toString())).redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            for (int i = 0; i < 100 && !Files.readString(err).contains("listening on"); i++) {
                Thread.sleep(50);
            }
            assertTrue(Files.readString(err).contains("listening on"), "tcpdump started: " + Files.readString(err));
            assertEquals(0, count(out.toString(), ": summoned "), "a kernel booted before any request: " + out);

            assertEquals("from alpha\n", inNs(ip, ns, curl, "-sS", "--max-time", "30", "http://" + net + "2/a.txt"), out.toString());
            assertEquals(1, count(out.toString(), "alpha: summoned "), out.toString());
            assertEquals(0, count(out.toString(), "beta: summoned "), "a request to alpha summoned beta: " + out);
            waitFor(out, serving, "shut down (idle 1s): cpu ", 1);
            assertTrue(out.toString().contains("alpha: rump-"), out.toString());

            assertEquals("from beta\n", inNs(ip, ns, curl, "-sS", "--max-time", "30", "http://" + net + "3/b.txt"), out.toString());
            assertEquals(1, count(out.toString(), "beta: summoned "), out.toString());
            assertEquals("from alpha\n", inNs(ip, ns, curl, "-sS", "--max-time", "30", "http://" + net + "2/a.txt"), out.toString());
            assertEquals(2, count(out.toString(), "alpha: summoned "), "the next request summoned alpha again: " + out);
            Thread.sleep(300);
            dump.destroy();
            assertTrue(dump.waitFor(10, TimeUnit.SECONDS), "tcpdump ended");

            String expert = Peers.ok(tshark, "-r", pcap.toString(), "-q", "-z", "expert");
            assertFalse(expert.contains("Malformed"), expert);
            String retrans = Peers.ok(tshark, "-r", pcap.toString(), "-Y",
                    "tcp.analysis.retransmission || tcp.analysis.fast_retransmission || tcp.analysis.spurious_retransmission");
            assertEquals("", retrans.lines().filter(l -> !l.isBlank() && !l.contains("Running as user")).reduce("", String::concat),
                    "retransmissions in the capture: " + Peers.ok(tshark, "-r", pcap.toString()) + out);
            String syns = Peers.ok(tshark, "-r", pcap.toString(), "-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 0", "-T", "fields", "-e", "ip.dst");
            assertEquals(List.of(net + "2", net + "3", net + "2"), fields(syns), "one SYN per request, none sent twice");
            String synAcks = Peers.ok(tshark, "-r", pcap.toString(), "-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 1", "-T", "fields", "-e", "ip.src");
            assertEquals(List.of(net + "2", net + "3", net + "2"), fields(synAcks), "each summoned kernel answered its replayed SYN");
        } finally {
            if (dump != null) {
                dump.destroyForcibly();
            }
            serving.interrupt();
            serving.join(20_000);
            Peers.run(ip, "netns", "del", ns);
            if (Files.exists(Path.of("/sys/class/net", tap))) {
                Peers.run(ip, "link", "del", tap);
            }
        }
        assertEquals(0, status[0], out.toString());
        assertTrue(out.toString().contains("in all for alpha: cpu"), out.toString());
        assertTrue(out.toString().contains("in all for beta: cpu"), out.toString());
    }

    /** tshark's field lines, without the warnings it may print first. */
    private static List<String> fields(String tshark) {
        return tshark.lines().map(String::trim).filter(l -> l.matches("[0-9.]+")).toList();
    }

    private static void waitFor(StringWriter out, Thread serving, String text, int times) throws InterruptedException {
        for (int i = 0; i < 600 && count(out.toString(), text) < times; i++) {
            assertTrue(serving.isAlive(), "rump serve ended: " + out);
            Thread.sleep(50);
        }
        assertEquals(times, count(out.toString(), text), "expected " + times + " x '" + text + "' in: " + out);
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + part.length())) {
            n++;
        }
        return n;
    }

    private static String inNs(String ip, String ns, String... cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of(ip, "netns", "exec", ns));
        c.addAll(Arrays.asList(cmd));
        return Peers.ok(c.toArray(new String[0]));
    }
}
