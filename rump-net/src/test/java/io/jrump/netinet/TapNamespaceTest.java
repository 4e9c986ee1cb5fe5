package io.jrump.netinet;

import static io.jrump.api.SocketConstants.AF_INET;
import static io.jrump.api.SocketConstants.SOCK_DGRAM;
import static io.jrump.api.SocketConstants.SOL_SOCKET;
import static io.jrump.api.SocketConstants.SO_RCVTIMEO;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetConfig;
import io.jrump.api.Syscalls;
import io.jrump.net.wire.EthernetFrame;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kernel on a real TAP against Linux's own TCP/IP in a network namespace the test makes
 * ({@link TapLink}): ARP and ping both ways, fragmentation, TCP both ways with {@code nc}
 * (64 MiB each way, equal SHA-256), UDP with {@code socat}, an MTU of 1280, and captures that
 * {@code tshark} reads. Needs root, /dev/net/tun and the tools; skipped with the reason
 * printed otherwise.
 *
 * <p>Checksums in captures: with offloads on, a capture on the TAP shows frames before the
 * checksum work was done (Linux's own TSO frames do the same on any NIC that offloads), so the
 * checksums tshark verifies come from a link with {@code tap.offload=false}, where every frame
 * is complete; the link with offloads is checked for malformed packets and for frames larger
 * than the MTU, which only segmentation offload can put on it.
 */
class TapNamespaceTest {
    /** 1 GiB each way, as the issue asks; it takes a few seconds here (see the README). */
    private static final long BULK = 1L << 30;
    private static ExecutorService pool;

    @TempDir
    Path dir;
    private TapLink link;

    @BeforeAll
    static void need() {
        String why = TapLink.unusable("ip", "ping", "nc", "socat");
        assumeTrue(why == null, why);
        pool = Executors.newCachedThreadPool();
    }

    @AfterAll
    static void stopPool() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    @AfterEach
    void close() {
        if (link != null) {
            link.close();
        }
    }

    private static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    private NetConfig.Interface eth0() throws ErrnoException {
        return link.kernel.netconfig().interfaces().stream().filter(i -> i.name().equals("eth0")).findFirst().orElseThrow();
    }

    @Test
    void arpAndPingBothWays() throws Exception {
        link = TapLink.open(0);
        Map<String, Long> before = link.kernel.netconfig().counters();
        List<Ping.Reply> replies = Ping.ping(link.kernel.sys(), link.linuxIp, 3, 2000);
        assertEquals(3, replies.size(), "jrump pings Linux");
        Map<String, Long> mid = link.kernel.netconfig().counters();
        assertTrue(mid.getOrDefault("arp.requests_sent", 0L) > before.getOrDefault("arp.requests_sent", 0L), "jrump asked ARP");
        assertTrue(mid.getOrDefault("arp.replies_received", 0L) >= 1, "and Linux answered: " + mid);

        link.inNs(30, "ip", "neigh", "flush", "dev", link.tap);
        link.inNs(30, "ping", "-c", "3", "-W", "2", link.jrumpIp);
        Map<String, Long> after = link.kernel.netconfig().counters();
        assertTrue(after.getOrDefault("arp.replies_sent", 0L) >= 1, "jrump answered Linux's ARP request: " + after);
        assertTrue(after.get("icmp.in_echo_requests") >= 3, after.toString());
        String mac = HexFormat.ofDelimiter(":").formatHex(eth0().mac());
        String neigh = link.inNs(30, "ip", "neigh", "show", link.jrumpIp, "dev", link.tap);
        assertTrue(neigh.contains("lladdr " + mac), "Linux learnt jrump's MAC " + mac + ": " + neigh);
    }

    @Test
    void pingWithFragments() throws Exception {
        link = TapLink.open(0);
        link.inNs(30, "ping", "-c", "3", "-W", "2", "-s", "4000", link.jrumpIp);
        Map<String, Long> c = link.kernel.netconfig().counters();
        assertTrue(c.getOrDefault("ip.reassembled", 0L) >= 3, "jrump reassembled Linux's fragments: " + c);
        assertTrue(c.getOrDefault("ip.fragmented", 0L) >= 3, "and fragmented its replies: " + c);
    }

    @Test
    void tcpBothWaysWithNc() throws Exception {
        link = TapLink.open(0);
        transferBothWays(BULK, 7000);
    }

    @Test
    void tcpWithMtu1280() throws Exception {
        link = TapLink.open(1280);
        assertEquals(1280, eth0().mtu(), "the kernel takes the TAP's MTU");
        transferBothWays(8L << 20, 7100);
        link.inNs(30, "ping", "-c", "2", "-W", "2", "-s", "1400", link.jrumpIp);
    }

    @Test
    void tcpWithoutOffloads() throws Exception {
        link = TapLink.open(0, "tap.offload", "false");
        transferBothWays(8L << 20, 7200);
    }

    @Test
    void udpWithSocat() throws Exception {
        link = TapLink.open(0);
        assertEquals("hello from linux\n", udpToJrump("hello from linux\n", 7300));
        Syscalls sys = link.kernel.sys();
        int s = sys.socket(AF_INET, SOCK_DGRAM, 0);
        try {
            ByteBuffer buf = ByteBuffer.allocate(2048);

            // socat echoes the datagrams of its first peer back to it: jrump -> Linux -> jrump
            Process echo = link.startInNs(null, "socat", "UDP4-LISTEN:7301,bind=" + link.linuxIp, "EXEC:cat");
            try {
                String got = null;
                for (int i = 0; i < 50 && got == null; i++) {
                    sys.sendto(s, ByteBuffer.wrap("ping from jrump".getBytes(StandardCharsets.UTF_8)), 0, at(link.linuxIp, 7301));
                    sys.setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, 200);
                    buf.clear();
                    try {
                        sys.recvfrom(s, buf, 0);
                        buf.flip();
                        got = StandardCharsets.UTF_8.decode(buf).toString();
                    } catch (ErrnoException e) {
                        assertEquals(Errno.EAGAIN, e.errno(), e.getMessage()); // socat not listening yet
                    }
                }
                // socat hands cat a byte stream and sends back what cat has written when it looks:
                // pings queued while it started (or while a loaded machine delayed it) come back
                // joined in one datagram, so the echo is one or more whole pings
                assertTrue(got != null && got.matches("(ping from jrump)+"), "echo: " + got);
            } finally {
                echo.destroy();
                echo.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            sys.close(s);
        }
    }

    /**
     * A capture on a link without offloads, with ARP, pings (fragmented too), TCP both ways and
     * UDP: tshark finds no malformed packet and, verifying every checksum, no bad one.
     */
    @Test
    void captureIsCleanWithChecksumsVerified() throws Exception {
        assumeTools("tcpdump", "tshark");
        link = TapLink.open(0, "tap.offload", "false");
        Path pcap = capture(() -> {
            link.inNs(30, "ping", "-c", "2", "-W", "2", link.jrumpIp);
            link.inNs(30, "ping", "-c", "2", "-W", "2", "-s", "3000", link.jrumpIp);
            assertEquals(2, Ping.ping(link.kernel.sys(), link.linuxIp, 2, 2000).size());
            transferBothWays(1L << 20, 7400);
            assertEquals("udp\n", udpToJrump("udp\n", 7402));
        });
        String expert = tsharkExpert(pcap, true);
        assertFalse(expert.contains("Malformed"), expert);
        assertFalse(expert.contains("Bad checksum") || expert.contains("Checksum "), expert); // tshark's summary, and its group
        String frames = PeerTools.run(60, "tshark", "-r", pcap.toString(), "-T", "fields", "-e", "frame.protocols");
        assertTrue(frames.contains("eth:ethertype:arp"), "ARP captured");
        assertTrue(frames.contains("ip:tcp"), "TCP captured");
        assertTrue(frames.contains("ip:udp"), "UDP captured: " + new java.util.TreeSet<>(List.of(frames.split("\n"))));
        assertTrue(frames.contains("ip:icmp"), "ICMP captured");
    }

    /**
     * Offloads negotiated: with segmentation offload, TCP segments larger than the MTU cross the
     * TAP in both directions (jrump's TSO, and Linux's TSO/GRO towards jrump), as a capture on
     * the TAP shows; tshark still finds nothing malformed.
     */
    @Test
    void segmentsLargerThanTheMtuCrossTheTap() throws Exception {
        assumeTools("tcpdump", "tshark");
        link = TapLink.open(0);
        Path pcap = capture(() -> transferBothWays(8L << 20, 7500));
        String expert = tsharkExpert(pcap, false);
        assertFalse(expert.contains("Malformed"), expert);
        String fields = PeerTools.run(60, "tshark", "-r", pcap.toString(), "-T", "fields", "-e", "frame.len", "-e", "ip.src");
        int fromJrump = 0;
        int fromLinux = 0;
        for (String line : fields.split("\n")) {
            String[] f = line.split("\t");
            if (f.length == 2 && Integer.parseInt(f[0]) > 1500 + EthernetFrame.HEADER_LEN) {
                if (f[1].equals(link.jrumpIp)) {
                    fromJrump++;
                } else if (f[1].equals(link.linuxIp)) {
                    fromLinux++;
                }
            }
        }
        assertTrue(fromJrump > 0, "jrump sent TCP segments larger than the MTU");
        assertTrue(fromLinux > 0, "Linux handed jrump TCP segments larger than the MTU");
        System.out.println("TapNamespaceTest: frames over the MTU: " + fromJrump + " from jrump, " + fromLinux + " from Linux");
    }

    // ---- helpers ----------------------------------------------------------------------------

    @FunctionalInterface
    interface Traffic {
        void run() throws Exception;
    }

    private static void assumeTools(String... tools) {
        String why = TapLink.unusable(tools);
        assumeTrue(why == null, why);
    }

    /** Runs {@code traffic} while tcpdump captures on the TAP in the namespace; returns the file. */
    private Path capture(Traffic traffic) throws Exception {
        Path pcap = dir.resolve("tap.pcap");
        Path err = dir.resolve("tcpdump.err");
        ProcessBuilder pb = new ProcessBuilder(link.nsCommand("tcpdump", "-i", link.tap, "--immediate-mode", "-U", "-s", "0", "-w", pcap.toString()))
                .redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process dump = pb.start();
        try {
            for (int i = 0; i < 100 && !Files.readString(err).contains("listening on"); i++) {
                Thread.sleep(50);
            }
            assertTrue(Files.readString(err).contains("listening on"), "tcpdump started: " + Files.readString(err));
            traffic.run();
            Thread.sleep(200);
        } finally {
            dump.destroy();
            assertTrue(dump.waitFor(10, TimeUnit.SECONDS), "tcpdump ended");
        }
        return pcap;
    }

    private static String tsharkExpert(Path pcap, boolean verifyChecksums) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tshark", "-r", pcap.toString(), "-q", "-z", "expert"));
        if (verifyChecksums) {
            for (String p : List.of("ip.check_checksum", "tcp.check_checksum", "udp.check_checksum")) {
                cmd.addAll(List.of("-o", p + ":TRUE"));
            }
        }
        return PeerTools.run(60, cmd.toArray(new String[0]));
    }

    private String write(String text) throws IOException {
        Path p = Files.createTempFile(dir, "msg", ".txt");
        Files.writeString(p, text);
        return p.toString();
    }

    /** Linux's socat sends {@code text} in a datagram to jrump's {@code port}; returns what jrump received from Linux's address. */
    private String udpToJrump(String text, int port) throws Exception {
        Syscalls sys = link.kernel.sys();
        int s = sys.socket(AF_INET, SOCK_DGRAM, 0);
        try {
            sys.bind(s, at("0.0.0.0", port));
            sys.setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, 10_000);
            TapLink.exec(30, link.nsCommand("socat", "-u", "OPEN:" + write(text), "UDP4-SENDTO:" + link.jrumpIp + ":" + port), null);
            ByteBuffer buf = ByteBuffer.allocate(2048);
            InetSocketAddress from = sys.recvfrom(s, buf, 0);
            buf.flip();
            assertEquals(InetAddress.getByName(link.linuxIp), from.getAddress());
            return StandardCharsets.UTF_8.decode(buf).toString();
        } finally {
            sys.close(s);
        }
    }

    /** {@code size} bytes Linux -> jrump and jrump -> Linux through {@code nc}, SHA-256 checked at both ends. */
    private void transferBothWays(long size, int port) throws Exception {
        NcTransfer.Result in = NcTransfer.linuxToJrump(link, size, port, pool);
        assertEquals(size, in.bytes(), "Linux -> jrump length");
        assertArrayEquals(in.sent(), in.received(), "Linux -> jrump, " + size + " bytes");
        NcTransfer.Result out = NcTransfer.jrumpToLinux(link, size, port + 1, pool);
        assertEquals(size, out.bytes(), "jrump -> Linux length");
        assertArrayEquals(out.sent(), out.received(), "jrump -> Linux, " + size + " bytes");
    }
}
