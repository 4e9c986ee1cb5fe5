package io.jrump.netinet;

import static io.jrump.api.SocketConstants.*;
import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.net.dev.EthernetBus;
import io.jrump.net.dev.LinkEmulator;
import io.jrump.net.dev.PcapWriter;
import io.jrump.net.dev.Simulation;
import io.jrump.testing.Peers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kernels on a simulated bus: virtual time, ARP timing, deterministic captures read by real tools. */
class SimulationTest {
    private static final long SECOND = 1_000_000_000L;

    /** Two kernels on a simulated bus, each port wrapped as the caller says. */
    private record Pair(Simulation sim, RumpKernel a, RumpKernel b) implements AutoCloseable {
        @Override
        public void close() {
            a.close();
            b.close();
        }
    }

    private interface Wrap {
        NetDevice wrap(int index, NetDevice port) throws IOException;
    }

    private static Pair pair(long seed, String arpExpireMillis, Wrap wrap) throws Exception {
        Simulation sim = new Simulation(seed);
        EthernetBus bus = EthernetBus.simulated(sim);
        RumpKernel a = Rump.builder().component("net").option("net.arp.expire", arpExpireMillis).boot();
        RumpKernel b = Rump.builder().component("net").option("net.arp.expire", arpExpireMillis).boot();
        a.netconfig().ifcreate("shm0", wrap.wrap(0, bus.port()));
        b.netconfig().ifcreate("shm0", wrap.wrap(1, bus.port()));
        a.netconfig().ipv4Address("shm0", "10.0.0.1/24");
        b.netconfig().ipv4Address("shm0", "10.0.0.2/24");
        sim.runUntilIdle();
        return new Pair(sim, a, b);
    }

    static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    @Test
    void runUntilStopsWhenTheConditionHoldsOrTheTimeIsUp() {
        Simulation sim = new Simulation(7);
        int[] ran = new int[1];
        for (int i = 1; i <= 5; i++) {
            sim.schedule(i * SECOND, () -> ran[0]++);
        }
        assertTrue(sim.runUntil(() -> ran[0] == 2, 10 * SECOND));
        assertEquals(2, ran[0], "stopped right after the event that made it true");
        assertEquals(2 * SECOND, sim.nanos());
        assertFalse(sim.runUntil(() -> ran[0] == 9, 2 * SECOND + SECOND / 2));
        assertEquals(4, ran[0], "only the events due within the time given ran");
        assertEquals(4 * SECOND + SECOND / 2, sim.nanos(), "time moved to the end of what was given");
        assertEquals(1, sim.pending());
    }

    @Test
    void arpEntriesExpire() throws Exception {
        try (Pair p = pair(1, "60000", (i, d) -> d)) {
            assertEquals(1, p.a.netconfig().counters().get("arp.gratuitous_sent"));
            assertEquals(1, Ping.ping(p.a.sys(), "10.0.0.2", 1, 1000).size());
            assertEquals(1, p.a.netconfig().counters().get("arp.requests_sent"));
            p.sim.runFor(30 * SECOND);
            assertEquals(1, Ping.ping(p.a.sys(), "10.0.0.2", 1, 1000).size());
            assertEquals(1, p.a.netconfig().counters().get("arp.requests_sent"), "still cached after 30 s");
            p.sim.runFor(31 * SECOND);
            assertEquals(1, Ping.ping(p.a.sys(), "10.0.0.2", 1, 1000).size());
            assertEquals(2, p.a.netconfig().counters().get("arp.requests_sent"), "asked again after 61 s");
            assertEquals(1, p.a.netconfig().counters().get("arp.expired"));
        }
    }

    @Test
    void unansweredArpGivesUpAndDropsWhatWaits() throws Exception {
        try (Pair p = pair(2, "60000", (i, d) -> d)) {
            long t0 = p.sim.nanos();
            assertEquals(0, Ping.ping(p.a.sys(), "10.0.0.99", 1, 500).size());
            p.sim.runUntilIdle();
            var c = p.a.netconfig().counters();
            assertEquals(3, c.get("arp.requests_sent"), "three tries, a second apart");
            assertEquals(1, c.get("arp.resolution_failed"));
            assertEquals(1, c.get("arp.drops.unresolved"));
            assertTrue(p.sim.nanos() - t0 >= 3 * SECOND, "virtual time moved by the retries");
        }
    }

    @Test
    void icmpErrorsAreRateLimited() throws Exception {
        try (Pair p = pair(3, "60000", (i, d) -> d)) {
            assertEquals(1, Ping.ping(p.a.sys(), "10.0.0.2", 1, 1000).size());
            int s = p.a.sys().socket(AF_INET, SOCK_DGRAM, 0);
            for (int i = 0; i < 500; i++) {
                p.a.sys().sendto(s, ByteBuffer.allocate(1), 0, at("10.0.0.2", 9));
            }
            p.sim.runUntilIdle();
            var c = p.b.netconfig().counters();
            assertEquals(500, c.get("udp.no_port"));
            assertEquals(Icmp.DEFAULT_RATE_LIMIT, c.get("icmp.out_errors"), "a full bucket, no time to refill");
            assertEquals(500 - Icmp.DEFAULT_RATE_LIMIT, c.get("icmp.rate_limited"));
        }
    }

    /** Ping, UDP echo, a fragmented datagram and a port unreachable, with captures at both ports. */
    private static List<byte[]> exchange(long seed, LinkEmulator.Impairments impairments) throws Exception {
        ByteArrayOutputStream[] caps = {new ByteArrayOutputStream(), new ByteArrayOutputStream()};
        try (Pair p = pair(seed, "60000", (i, d) -> new PcapWriter(new LinkEmulator(d, seed + i, impairments), caps[i]))) {
            Ping.ping(p.a.sys(), "10.0.0.2", 3, 1000);
            int srv = p.b.sys().socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
            p.b.sys().bind(srv, at("0.0.0.0", 7));
            int cli = p.a.sys().socket(AF_INET, SOCK_DGRAM, 0);
            p.a.sys().setsockopt(cli, SOL_SOCKET, SO_RCVTIMEO, 500);
            byte[] data = new byte[4000];
            new java.util.Random(seed).nextBytes(data);
            for (int i = 0; i < 5; i++) {
                p.a.sys().sendto(cli, ByteBuffer.wrap(data, 0, 100 + i * 900), 0, at("10.0.0.2", 7));
                p.sim.runUntilIdle();
                ByteBuffer buf = ByteBuffer.allocate(8000);
                try {
                    InetSocketAddress from = p.b.sys().recvfrom(srv, buf, 0);
                    buf.flip();
                    p.b.sys().sendto(srv, buf, 0, from);
                    p.a.sys().recvfrom(cli, ByteBuffer.allocate(8000), 0);
                } catch (ErrnoException e) {
                    // lost on the way: the capture shows it
                }
            }
            p.a.sys().sendto(cli, ByteBuffer.allocate(10), 0, at("10.0.0.2", 9));
            p.sim.runUntilIdle();
        }
        return List.of(caps[0].toByteArray(), caps[1].toByteArray());
    }

    @Test
    void sameSeedGivesIdenticalCaptures() throws Exception {
        var im = LinkEmulator.Impairments.none().withLoss(0.1).withDuplicate(0.05).withReorder(0.1, 2_000_000).withCorrupt(0.02)
                .withDelay(5_000_000).withRate(10_000_000, 100);
        List<byte[]> first = exchange(42, im);
        List<byte[]> second = exchange(42, im);
        assertTrue(first.get(0).length > 1000 && first.get(1).length > 1000, "something was captured");
        assertArrayEquals(first.get(0), second.get(0));
        assertArrayEquals(first.get(1), second.get(1));
        List<byte[]> other = exchange(43, im);
        assertFalse(java.util.Arrays.equals(first.get(0), other.get(0)), "another seed, another run");
    }

    @Test
    void capturesReadCleanlyByTcpdumpAndTshark(@TempDir Path dir) throws Exception {
        List<byte[]> caps = exchange(7, LinkEmulator.Impairments.none().withDelay(1_000_000));
        Path f = dir.resolve("a.pcap");
        Files.write(f, caps.get(0));
        Files.write(dir.resolve("b.pcap"), caps.get(1));
        Peers.require("tcpdump", "tcpdump");
        String dump = run("tcpdump", "-n", "-v", "-r", f.toString());
        assertTrue(dump.contains("ICMP echo request"), dump);
        assertTrue(dump.contains("ICMP echo reply"), dump);
        assertTrue(dump.contains("UDP"), dump);
        assertTrue(dump.contains("Request who-has 10.0.0.2 tell 10.0.0.1"), dump);
        assertTrue(dump.contains("Reply 10.0.0.2 is-at 02:00:00:00:00:02"), dump);
        assertTrue(dump.contains("port 9 unreachable"), dump);
        assertFalse(dump.toLowerCase().contains("bad cksum"), dump);
        assertFalse(dump.toLowerCase().contains("truncated"), dump);
        Peers.require("tshark", "tshark");
        for (String pcap : new String[] {f.toString(), dir.resolve("b.pcap").toString()}) {
            String expert = run("tshark", "-r", pcap, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-z", "expert", "-q");
            System.out.println("tshark expert info for " + pcap + ":\n" + expert);
            assertFalse(expert.contains("Errors ("), expert);
            assertFalse(expert.contains("Malformed"), expert);
            assertFalse(expert.contains("Bad checksum"), expert);
            assertFalse(expert.toLowerCase().contains("incorrect"), expert);
            String frames = run("tshark", "-r", pcap, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE");
            assertTrue(frames.lines().count() > 10, frames);
            assertFalse(frames.contains("Malformed"), frames);
        }
    }

    private static String run(String... cmd) throws Exception {
        return Peers.ok(cmd);
    }
}
