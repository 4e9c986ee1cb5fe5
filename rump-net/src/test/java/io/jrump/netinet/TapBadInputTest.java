package io.jrump.netinet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.api.ErrnoException;
import io.jrump.api.NetConfig;
import io.jrump.net.summon.EchoService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile traffic from Linux over a real TAP, in a network namespace the test makes: a SYN
 * flood leaves an echo service answering a legitimate client, and frames longer than the
 * kernel's MTU are counted and dropped. Needs root, /dev/net/tun and the tools; skipped with
 * the reason printed otherwise.
 */
class TapBadInputTest {
    /** Connection attempts in the flood, and how many run at once: bounded in count and time (about ten seconds). */
    private static final int FLOOD_ATTEMPTS = 1000;
    private static final int FLOOD_PARALLEL = 200;

    @TempDir
    Path dir;

    /**
     * The flood comes from a second address of Linux's that Linux will not resolve on the TAP
     * (on its loopback, with arp_ignore=1 on the TAP), so the kernel's SYN-ACKs can never be
     * sent and every connection attempt stays half-open in it, as with a spoofed source; each
     * SYN is retransmitted once. Meanwhile and afterwards nc from Linux's own address is
     * answered.
     */
    @Test
    void aSynFloodLeavesTheServiceAnsweringALegitimateClient() throws Exception {
        String why = TapLink.unusable("ip", "curl", "nc");
        assumeTrue(why == null, why);
        try (TapLink link = TapLink.open(0)) {
            AutoCloseable echo = new EchoService(7).start(link.kernel);
            String flooder = link.linuxIp.replaceFirst("\\.1$", ".9");
            link.inNs(30, "ip", "addr", "add", flooder + "/32", "dev", "lo");
            link.inNs(30, "sysctl", "-q", "-w", "net.ipv4.conf." + link.tap + ".arp_ignore=1");
            long rxBefore = rxPackets(link);
            Process flood = link.startInNs(null, "curl", "-s", "-o", "/dev/null", "--parallel", "--parallel-max", String.valueOf(FLOOD_PARALLEL),
                    "--connect-timeout", "2", "--interface", flooder, "http://" + link.jrumpIp + ":7/[1-" + FLOOD_ATTEMPTS + "]");
            try {
                Thread.sleep(1000);
                for (int i = 0; i < 3; i++) {
                    assertTrue(flood.isAlive(), "the flood ended before the legitimate clients ran");
                    assertEquals("legit " + i + "\n", nc(link, "legit " + i + "\n"), "a legitimate client during the flood");
                }
                assertTrue(flood.waitFor(120, TimeUnit.SECONDS), "the flood did not end");
                assertTrue(flood.exitValue() != 0, "the flood's connections completed: it was no SYN flood");
            } finally {
                flood.destroyForcibly();
            }
            long flooded = rxPackets(link) - rxBefore;
            assertTrue(flooded >= FLOOD_ATTEMPTS, "the kernel received only " + flooded + " frames: no flood");
            assertEquals("after\n", nc(link, "after\n"), "a legitimate client after the flood");
            echo.close();
        }
    }

    /**
     * Linux's side of the TAP is raised to an MTU of 9000 after the kernel read 1500 from it:
     * a 4000-byte ping that may not be fragmented arrives in one frame the kernel must not
     * take. It is counted as oversize and dropped; a normal ping still gets its reply.
     */
    @Test
    void framesLongerThanTheMtuFromTheHostAreCountedAndDropped() throws Exception {
        String why = TapLink.unusable("ip", "ping");
        assumeTrue(why == null, why);
        try (TapLink link = TapLink.open(0, "tap.offload", "false")) {
            assertEquals(1500, link.kernel.netconfig().interfaces().stream().filter(i -> i.name().equals("eth0")).findFirst().orElseThrow().mtu());
            link.inNs(30, "ip", "link", "set", link.tap, "mtu", "9000");
            Process big = link.startInNs(null, "ping", "-c", "2", "-i", "0.2", "-W", "1", "-M", "do", "-s", "4000", link.jrumpIp);
            assertTrue(big.waitFor(30, TimeUnit.SECONDS), "ping ended");
            assertEquals(1, big.exitValue(), "a reply came to a ping the kernel should have dropped");
            assertTrue(counter(link, "drops.oversize") >= 2, "oversize frames counted: " + eth0(link).counters());
            assertEquals(0L, counter(link, "drops.internal_error"), eth0(link).counters().toString());
            link.inNs(30, "ping", "-c", "1", "-W", "5", "-s", "1000", link.jrumpIp);
        }
    }

    private static NetConfig.Interface eth0(TapLink link) throws ErrnoException {
        return link.kernel.netconfig().interfaces().stream().filter(i -> i.name().equals("eth0")).findFirst().orElseThrow();
    }

    private static long counter(TapLink link, String name) throws ErrnoException {
        Map<String, Long> c = eth0(link).counters();
        return c.getOrDefault(name, 0L);
    }

    private static long rxPackets(TapLink link) throws ErrnoException {
        return counter(link, "rx_packets");
    }

    private String nc(TapLink link, String text) throws Exception {
        Path in = dir.resolve("nc.in");
        Files.writeString(in, text);
        return TapLink.exec(30, link.nsCommand("nc", "-N", "-w", "10", link.jrumpIp, "7"), in.toFile());
    }

}
