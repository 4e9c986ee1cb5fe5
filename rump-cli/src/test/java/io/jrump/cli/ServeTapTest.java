package io.jrump.cli;

import static io.jrump.cli.ServeTestSupport.capture;
import static io.jrump.cli.ServeTestSupport.inNs;
import static io.jrump.cli.ServeTestSupport.moveTap;
import static io.jrump.cli.ServeTestSupport.requireTap;
import static io.jrump.cli.ServeTestSupport.stopCapture;
import static io.jrump.cli.ServeTestSupport.tearDown;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.testing.Peers;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rump serve --tap} against Linux: the command attaches its kernel to a TAP it creates,
 * the TAP's Linux side moves into a network namespace made for the test, and curl in that
 * namespace asks for a range, a keep-alive sequence and a missing file, while tcpdump captures
 * the TAP; tshark, verifying every checksum, finds no malformed packet and no bad checksum.
 * Offloads are off here so every frame on the TAP is complete and its checksums can be checked.
 * Needs root, /dev/net/tun and the tools; skipped with the reason otherwise.
 */
class ServeTapTest {
    @TempDir
    Path dir;

    @Test
    void curlFromANamespaceAndACleanCapture() throws Exception {
        requireTap();
        String ip = Peers.require("ip", "iproute2").toString();
        String curl = Peers.require("curl", "curl").toString();
        String tcpdump = Peers.require("tcpdump", "tcpdump").toString();
        String tshark = Peers.require("tshark", "tshark").toString();

        long pid = ProcessHandle.current().pid();
        String ns = "jrsrv-" + pid;
        String tap = "jrs" + pid % 100000;
        String net = "10." + (150 + (int) (pid % 50)) + ".7.";
        byte[] file = new byte[60_000]; // a few dozen frames: a capture on a busy two-core machine must not drop any
        new Random(3).nextBytes(file);
        Path site = Files.createDirectories(dir.resolve("site"));
        Files.write(site.resolve("data.bin"), file);
        Files.writeString(site.resolve("a.txt"), "first\n");
        Files.writeString(site.resolve("b.txt"), "second\n");

        StringWriter out = new StringWriter();
        int[] status = {-1};
        Thread serving = ServeTestSupport.serve(out, status, "serve", "--tap", tap, "--ip", net + "2/24", "--no-tap-offload", site.toString());
        Peers.ok(ip, "netns", "add", ns);
        Process dump = null;
        try {
            serving.start();
            for (int i = 0; i < 600 && !out.toString().contains("rump serve: serving"); i++) {
                assertTrue(serving.isAlive(), "rump serve ended: " + out);
                Thread.sleep(50);
            }
            assertTrue(out.toString().contains("rump serve: serving"), out.toString());
            moveTap(ip, tap, ns, net + "1/24");
            Path pcap = dir.resolve("serve.pcap");
            dump = capture(ip, ns, tcpdump, tap, pcap);

            String base = "http://" + net + "2";
            String range = inNs(ip, ns, curl, "-sS", "--max-time", "30", "-r", "1000-1999", "-o", dir.resolve("range.out").toString(), "-w", "%{http_code}", base + "/data.bin");
            assertEquals("206", range.trim());
            assertArrayEquals(Arrays.copyOfRange(file, 1000, 2000), Files.readAllBytes(dir.resolve("range.out")));
            String seq = inNs(ip, ns, curl, "-sS", "-v", "--max-time", "30", base + "/a.txt", "-o", dir.resolve("a.out").toString(),
                    base + "/b.txt", "-o", dir.resolve("b.out").toString(), base + "/data.bin", "-o", dir.resolve("data.out").toString());
            assertTrue(seq.contains("Re-using existing connection"), seq);
            assertEquals("first\n", Files.readString(dir.resolve("a.out")));
            assertEquals("second\n", Files.readString(dir.resolve("b.out")));
            assertArrayEquals(file, Files.readAllBytes(dir.resolve("data.out")));
            assertEquals("404", inNs(ip, ns, curl, "-sS", "--max-time", "30", "-o", "/dev/null", "-w", "%{http_code}", base + "/missing").trim());
            stopCapture(dump);

            List<String> cmd = new ArrayList<>(List.of(tshark, "-r", pcap.toString(), "-q", "-z", "expert"));
            for (String p : List.of("ip.check_checksum", "tcp.check_checksum", "udp.check_checksum")) {
                cmd.addAll(List.of("-o", p + ":TRUE"));
            }
            String expert = Peers.ok(cmd.toArray(new String[0]));
            assertFalse(expert.contains("Malformed"), expert);
            assertFalse(expert.contains("Bad checksum") || expert.contains("Checksum "), expert);
            String http = Peers.ok(tshark, "-2", "-r", pcap.toString(), "-Y", "http.response", "-T", "fields", "-e", "http.response.code");
            List<String> codes = Arrays.stream(http.trim().split("\\s+")).filter(t -> t.matches("[0-9]{3}")).toList(); // tshark may warn first
            assertEquals(List.of("206", "200", "200", "200", "404"), codes, http + expert);
        } finally {
            tearDown(dump, serving, ip, ns, tap);
        }
        assertEquals(0, status[0], out.toString());
        assertTrue(out.toString().contains("\"GET /missing HTTP/1.1\" 404"), out.toString());
    }
}
