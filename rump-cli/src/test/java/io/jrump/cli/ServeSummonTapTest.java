package io.jrump.cli;

import static io.jrump.cli.ServeTestSupport.capture;
import static io.jrump.cli.ServeTestSupport.count;
import static io.jrump.cli.ServeTestSupport.inNs;
import static io.jrump.cli.ServeTestSupport.moveTap;
import static io.jrump.cli.ServeTestSupport.requireTap;
import static io.jrump.cli.ServeTestSupport.stopCapture;
import static io.jrump.cli.ServeTestSupport.tearDown;
import static io.jrump.cli.ServeTestSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.testing.Peers;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        requireTap();
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
        int[] status = {-1};
        Thread serving = ServeTestSupport.serve(out, status, "serve", "--summon", "--idle", "1s", "--tap", tap, "--ip", net + "2/24", "--ip",
                net + "3/24", "--no-tap-offload", "--access-log", "off", alpha.toString(), beta.toString());
        Peers.ok(ip, "netns", "add", ns);
        Process dump = null;
        try {
            serving.start();
            waitFor(out, serving, " as beta,", 1);
            moveTap(ip, tap, ns, net + "1/24");
            Path pcap = dir.resolve("summon.pcap");
            dump = capture(ip, ns, tcpdump, tap, pcap);
            assertEquals(0, count(out.toString(), ": summoned "), "a kernel booted before any request: " + out);

            assertEquals("from alpha\n", inNs(ip, ns, curl, "-sS", "--max-time", "30", "http://" + net + "2/a.txt"), out.toString());
            waitFor(out, serving, "alpha: summoned ", 1); // the report may follow the response it made possible
            assertEquals(0, count(out.toString(), "beta: summoned "), "a request to alpha summoned beta: " + out);
            waitFor(out, serving, "shut down (idle 1s): cpu ", 1);
            assertTrue(out.toString().contains("alpha: rump-"), out.toString());

            assertEquals("from beta\n", inNs(ip, ns, curl, "-sS", "--max-time", "30", "http://" + net + "3/b.txt"), out.toString());
            waitFor(out, serving, "beta: summoned ", 1);
            assertEquals("from alpha\n", inNs(ip, ns, curl, "-sS", "--max-time", "30", "http://" + net + "2/a.txt"), out.toString());
            waitFor(out, serving, "alpha: summoned ", 2); // the next request summoned alpha again
            stopCapture(dump);

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
            tearDown(dump, serving, ip, ns, tap);
        }
        assertEquals(0, status[0], out.toString());
        assertTrue(out.toString().contains("in all for alpha: cpu"), out.toString());
        assertTrue(out.toString().contains("in all for beta: cpu"), out.toString());
    }

    /** tshark's field lines, without the warnings it may print first. */
    private static List<String> fields(String tshark) {
        return tshark.lines().map(String::trim).filter(l -> l.matches("[0-9.]+")).toList();
    }
}
