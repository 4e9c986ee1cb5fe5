package io.jrump.netinet.tcp;

import static io.jrump.api.SocketConstants.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Fcntl;
import io.jrump.api.NetDevice;
import io.jrump.api.OpenFlags;
import io.jrump.api.Syscalls;
import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Ipv4Address;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.net.wire.TcpOptions;
import io.jrump.net.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * 100,000 spoofed SYNs from a raw sender on the bus at a listening kernel: the listener's heap
 * stays bounded (its SYN queue is bounded and the overflow is answered with SYN cookies), and
 * a legitimate client on another port of the bus still connects and exchanges data during the
 * flood and after it. Runs on a simulated bus, so the flood and the client interleave the same
 * way every time.
 */
class SynFloodTest {
    static final int SYNS = 100_000;
    static final long MIB = 1 << 20;
    static final int PORT = 80;
    /** Virtual time between two SYNs: 10,000 SYNs a second, so the flood lasts 10 s of virtual time. */
    static final long GAP = 100_000;

    /** Ethernet/IPv4/TCP SYN with an MSS option from {@code src:sport}, built with the wire builders, checksums filled in. */
    static ByteBuffer syn(long dstMac, long srcMac, int src, int sport, int dst, int dport, int seq, int ident) {
        TcpOptions o = new TcpOptions().mss(1460);
        int tcpLen = TcpSegment.HEADER_LENGTH + o.length();
        int ipLen = Ipv4Packet.HEADER_LEN + tcpLen;
        int at = EthernetFrame.HEADER_LEN;
        ByteBuffer f = ByteBuffer.allocate(Math.max(EthernetFrame.MIN_FRAME_LEN, at + ipLen)); // padded to Ethernet's minimum
        EthernetFrame.emitHeader(f, 0, dstMac, srcMac, EthernetFrame.ETHERTYPE_IPV4);
        Ipv4Packet.emitHeader(f, at, 0, ipLen, ident, Ipv4Packet.FLAG_DF, 0, Ipv4Packet.DEFAULT_TTL, Ipv4Packet.PROTO_TCP, src, dst);
        int tcpAt = at + Ipv4Packet.HEADER_LEN;
        TcpSegment s = new TcpSegment(f.position(tcpAt).limit(tcpAt + tcpLen).slice());
        s.setSrcPort(sport).setDstPort(dport).setSeq(seq).setAck(0).setHeaderLength(tcpLen).setFlags(TcpSegment.SYN).setWindow(65535);
        o.write(s.buffer(), TcpSegment.HEADER_LENGTH);
        s.fillChecksum(src, dst);
        f.clear();
        assertEquals(null, s.check(src, dst), "the crafted SYN is valid");
        return f;
    }

    /** Used heap after collecting garbage until it stops shrinking. */
    static long retainedHeap() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 6; i++) {
            System.gc();
            Thread.sleep(50);
            best = Math.min(best, rt.totalMemory() - rt.freeMemory());
        }
        return best;
    }

    /** A client connection and its two flows, driven step by step between SYNs. */
    static final class Client {
        final SimKernels k;
        final int listener;
        int c = -1;
        int s = -1;
        SimKernels.Flow up;
        SimKernels.Flow down;

        Client(SimKernels k, int listener, long seed) throws ErrnoException {
            this.k = k;
            this.listener = listener;
            Syscalls sc = k.sys(1);
            c = sc.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            try {
                sc.connect(c, SimKernels.at("10.0.0.1", PORT));
            } catch (ErrnoException e) {
                assertEquals(Errno.EINPROGRESS, e.errno());
            }
        }

        /** True when both directions have arrived whole. */
        boolean pump(long seed) throws ErrnoException {
            Syscalls srv = k.sys(0);
            if (s < 0) {
                try {
                    s = srv.accept(listener);
                } catch (ErrnoException e) {
                    assertEquals(Errno.EAGAIN, e.errno());
                    return false;
                }
                srv.fcntl(s, Fcntl.F_SETFL, OpenFlags.O_NONBLOCK);
                up = new SimKernels.Flow(k.sys(1), c, srv, s, new SimKernels.Source(seed, 256 << 10, 16 << 10));
                down = new SimKernels.Flow(srv, s, k.sys(1), c, new SimKernels.Source(~seed, 256 << 10, 16 << 10));
            }
            up.pump();
            down.pump();
            return up.eof && down.eof;
        }

        void verifyAndClose() throws ErrnoException {
            assertArrayEquals(up.source.sha256Sent(), up.sha256Received(), "client to server byte-exact");
            assertArrayEquals(down.source.sha256Sent(), down.sha256Received(), "server to client byte-exact");
            k.sys(1).close(c);
            k.sys(0).close(s);
        }
    }

    @Test
    void floodOf100kSpoofedSynsKeepsListenerMemoryBoundedAndARealClientGetsIn() throws Exception {
        // kernel 0 listens at 10.0.0.1 (bus port 1), kernel 1 is the real client at 10.0.0.2 (port 2)
        try (SimKernels k = new SimKernels(9, 2, (i, port) -> port)) {
            int l = k.listen(0, PORT, 128);
            NetDevice raw = k.bus.port(); // port 3: the attacker, deaf to what comes back
            raw.receiver(frame -> { });
            long attackerMac = EthernetFrame.mac(raw.macAddress());
            long listenerMac = EthernetFrame.mac(new byte[] {2, 0, 0, 0, 0, 1});
            int dst = Ipv4Address.parse("10.0.0.1");

            // warm up: one real connection before the flood, so the baseline holds a used stack
            Client warm = new Client(k, l, 1);
            while (!warm.pump(1)) {
                assertTrue(k.sim.step(), "warm-up finished");
            }
            warm.verifyAndClose();
            k.sim.runFor(130 * SimKernels.SECOND); // TIME_WAIT and delayed ACKs done
            long before = retainedHeap();

            SplittableRandom r = new SplittableRandom(9);
            Client during = null;
            int connectedAt = -1;
            for (int i = 0; i < SYNS; i++) {
                // half the spoofed sources are on the listener's subnet (it ARPs for them, in vain),
                // half are anywhere (no route back: the SYN-ACK cannot even be sent)
                int src = (i & 1) == 0 ? Ipv4Address.parse("10.0.0.0") | (3 + r.nextInt(250)) : (int) (0x0b000000L + r.nextLong(0xd0000000L));
                raw.transmit(syn(listenerMac, attackerMac, src, 1024 + r.nextInt(64_000), dst, PORT, r.nextInt(), i));
                k.sim.runFor(GAP);
                if (i == SYNS / 2) {
                    during = new Client(k, l, 2); // connects in the middle of the flood
                }
                if (during != null && connectedAt < 0 && during.pump(2)) {
                    connectedAt = i;
                }
            }
            Map<String, Long> c = k.k(0).netconfig().counters();
            long after = retainedHeap();
            System.out.printf("SYN flood: %d SYNs; retained heap %.1f MiB before, %.1f MiB after (growth %.2f MiB);"
                    + " real client connected and exchanged 2 x 256 KiB %d SYNs after it started; tcp.in.segs=%d syncookies.sent=%d"
                    + " syncookies.ok=%d drops.syn_queue=%d listen_overflows=%d passive_opens=%d arp.drops.unresolved=%d%n",
                    SYNS, before / (double) MIB, after / (double) MIB, (after - before) / (double) MIB, connectedAt - SYNS / 2,
                    c.get("tcp.in.segs"), c.get("tcp.syncookies.sent"), c.get("tcp.syncookies.ok"), c.get("tcp.drops.syn_queue"),
                    c.get("tcp.listen_overflows"), c.get("tcp.passive_opens"), c.getOrDefault("arp.drops.unresolved", -1L));
            // spoofed sources in 127/8 are martians IP drops; every other SYN reaches TCP
            assertTrue(c.get("tcp.in.segs") + c.getOrDefault("ip.drops.martian_source", 0L) >= SYNS, "every SYN reached TCP: " + c);
            assertTrue(c.get("tcp.syncookies.sent") > 0, "the SYN queue overflowed into SYN cookies: " + c);
            assertTrue(connectedAt >= 0, "the real client connected and exchanged data during the flood");
            during.verifyAndClose();
            assertTrue(after - before < 16 * MIB, "listener heap grew by " + (after - before) / MIB + " MiB under the flood");

            // and after the flood
            Client afterFlood = new Client(k, l, 3);
            for (long n = 0; !afterFlood.pump(3); n++) {
                assertTrue(k.sim.step() && n < 10_000_000, "the client after the flood finished");
            }
            afterFlood.verifyAndClose();
            k.sim.runFor(200 * SimKernels.SECOND); // half-open entries time out
            long settled = retainedHeap();
            System.out.printf("SYN flood: retained heap %.1f MiB after the half-open entries expired%n", settled / (double) MIB);
            assertTrue(settled - before < 16 * MIB, "heap after the flood settled: " + (settled - before) / MIB + " MiB above the start");
        }
    }
}
