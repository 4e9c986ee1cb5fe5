package io.jrump.netinet.tcp;

import static io.jrump.api.SocketConstants.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Ipv4Address;
import io.jrump.netinet.Ping;
import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The LAND attack (CVE-1999-0016) through the public API: one SYN whose source and
 * destination are both the listening kernel's own address and port. It is a martian on an
 * Ethernet interface and is dropped and counted at the IP layer; the kernel exchanges no
 * segments with itself, and a real client connects and pings right after.
 *
 * <p>Before the fix the SYN-ACK to itself started an endless exchange of out-of-window ACKs
 * within one delivery on lo0. So the attack runs on a helper thread while this thread watches
 * the kernel's TCP counters: past {@link #BOUND} segments it closes the kernel (which ends the
 * exchange) and fails, rather than hanging.
 */
class LandTest {
    static final int PORT = 80;
    /** More TCP segments than any bounded answer to one SYN needs. */
    static final long BOUND = 1_000;

    @Test
    void landSynIsDroppedAsMartianAndTheListenerStaysReachable() throws Exception {
        try (SimKernels k = new SimKernels(16, 2, (i, port) -> port)) {
            int l = k.listen(0, PORT, 16);
            NetDevice raw = k.bus.port();
            raw.receiver(frame -> { });
            RumpKernel victim = k.k(0);
            long victimMac = EthernetFrame.mac(victim.netconfig().interfaces().stream()
                    .filter(i -> i.name().equals("shm0")).findFirst().orElseThrow().mac());
            int us = Ipv4Address.parse("10.0.0.1");
            Map<String, Long> before = victim.netconfig().counters();

            Thread attack = new Thread(() -> {
                try {
                    raw.transmit(SynFloodTest.syn(victimMac, EthernetFrame.mac(raw.macAddress()), us, PORT, us, PORT, 0x1234_5678, 7));
                    k.sim.runFor(130 * SimKernels.SECOND); // past every SYN-ACK retransmission
                } catch (ErrnoException e) {
                    throw new IllegalStateException(e);
                }
            }, "land");
            attack.setDaemon(true);
            attack.start();
            while (attack.isAlive()) {
                attack.join(50);
                if (segments(victim.netconfig().counters(), before) > BOUND) {
                    victim.close(); // a closed stack answers nothing: the exchange stops
                    attack.join();
                    fail("the LAND SYN started an exchange of more than " + BOUND + " segments");
                }
            }
            Map<String, Long> after = victim.netconfig().counters();
            long exchanged = segments(after, before);
            System.out.printf("LAND: %d TCP segments in and out after one LAND SYN; ip.drops.martian_source=%d%n",
                    exchanged, after.getOrDefault("ip.drops.martian_source", 0L));
            assertEquals(0, exchanged, "the LAND SYN never reaches TCP");
            assertEquals(before.getOrDefault("ip.drops.martian_source", 0L) + 1, after.get("ip.drops.martian_source"));

            // a real client gets in and is answered, and pings go both ways
            int[] cs = k.connect(1, 0, l, PORT, 1_000_000);
            Syscalls client = k.sys(1);
            Syscalls server = k.sys(0);
            client.write(cs[0], ByteBuffer.wrap("hello".getBytes()));
            ByteBuffer got = ByteBuffer.allocate(16);
            for (long n = 0; got.position() < 5; n++) {
                assertTrue(k.sim.step() && n < 1_000_000, "the client's bytes arrive");
                try {
                    server.read(cs[1], got);
                } catch (ErrnoException e) {
                    assertEquals(Errno.EAGAIN, e.errno());
                }
            }
            assertEquals("hello", new String(got.array(), 0, 5));
            assertEquals(2, Ping.ping(k.sys(1), "10.0.0.1", 2, 2000).size(), "the victim answers pings");
            assertEquals(2, Ping.ping(k.sys(0), "10.0.0.2", 2, 2000).size(), "the victim pings out");
        }
    }

    /** A socket that connects to its own address and port on lo0 (a simultaneous open with itself) still works. */
    @Test
    void selfConnectOnLoopbackStillWorks() throws Exception {
        try (SimKernels k = new SimKernels(17, 1, (i, port) -> port)) {
            Syscalls s = k.sys(0);
            int fd = s.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            s.bind(fd, SimKernels.at("127.0.0.1", 5555));
            try {
                s.connect(fd, SimKernels.at("127.0.0.1", 5555));
            } catch (ErrnoException e) {
                assertEquals(Errno.EINPROGRESS, e.errno());
            }
            k.sim.runFor(SimKernels.SECOND);
            assertEquals(0, s.getsockopt(fd, SOL_SOCKET, SO_ERROR), "connected to itself");
            s.write(fd, ByteBuffer.wrap("echo".getBytes()));
            k.sim.runFor(SimKernels.SECOND);
            ByteBuffer got = ByteBuffer.allocate(16);
            assertEquals(4, s.read(fd, got));
            assertEquals("echo", new String(got.array(), 0, 4));
            Map<String, Long> c = k.k(0).netconfig().counters();
            assertTrue(c.get("tcp.in.segs") < 20, "a self-connect exchanges a handful of segments: " + c);
        }
    }

    private static long segments(Map<String, Long> now, Map<String, Long> before) {
        return now.getOrDefault("tcp.in.segs", 0L) - before.getOrDefault("tcp.in.segs", 0L)
                + now.getOrDefault("tcp.out.segs", 0L) - before.getOrDefault("tcp.out.segs", 0L);
    }
}
