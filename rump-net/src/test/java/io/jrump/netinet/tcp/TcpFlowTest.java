package io.jrump.netinet.tcp;

import static io.jrump.netinet.tcp.Pair.A;
import static io.jrump.netinet.tcp.Pair.B;
import static io.jrump.netinet.tcp.Pair.SECOND;
import static io.jrump.netinet.tcp.Pair.addr;
import static io.jrump.netinet.tcp.Pair.errnoOf;
import static io.jrump.netinet.tcp.Pair.raw;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.PollFd;
import io.jrump.api.SocketConstants;
import io.jrump.net.wire.TcpOptions;
import io.jrump.net.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Flow and congestion control, loss recovery, timers and scale. */
class TcpFlowTest {

    @ParameterizedTest
    @ValueSource(strings = {"newreno", "cubic"})
    void bulkTransferUnderLossDuplicationAndReorderingIsByteExact(String cc) throws Exception {
        Pair p = new Pair(100, "tcp.cc=" + cc);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        p.net.loss = 0.02;
        p.net.duplication = 0.01;
        p.net.reordering = 0.05;
        p.net.delayNanos = 5_000_000;
        byte[] data = Pair.pattern(24 << 20, 100);
        byte[] got = p.transfer(cs[0], cs[1], data, 3600 * SECOND);
        assertArrayEquals(Pair.sha256(data), Pair.sha256(got));
        assertTrue(p.ipA.count("tcp.retransmits") > 0);
        assertTrue(p.ipA.count("tcp.fast_retransmits") > 0, "losses were repaired by fast retransmit, not only timeouts");
        assertTrue(cs[0].connection().cc() instanceof NewReno == cc.equals("newreno"));
    }

    @Test
    void newRenoRecoveryWithoutSack() throws Exception {
        Pair p = new Pair(101, "tcp.sack=false");
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        p.net.loss = 0.01;
        p.net.delayNanos = 2_000_000;
        byte[] data = Pair.pattern(4 << 20, 101);
        assertArrayEquals(Pair.sha256(data), Pair.sha256(p.transfer(cs[0], cs[1], data, 3600 * SECOND)));
        assertTrue(p.ipA.count("tcp.fast_retransmits") > 0);
    }

    @Test
    void zeroWindowIsProbedUntilItOpens() throws Exception {
        Pair p = new Pair(102, "tcp.retries=3");
        TcpSocket l = Pair.socket(p.b);
        l.setsockopt(SocketConstants.SOL_SOCKET, SocketConstants.SO_RCVBUF, 4096);
        l.bind(addr(0, 80));
        l.listen(4);
        TcpSocket[] cs = p.connect(l, 80);
        ByteBuffer data = ByteBuffer.wrap(Pair.pattern(20000, 102));
        cs[0].sendto(data, 0, null);
        p.net.runFor(120 * SECOND); // far beyond 3 retransmissions' worth of time
        assertTrue(p.ipA.count("tcp.window_probes") >= 3, "probes: " + p.ipA.count("tcp.window_probes"));
        assertEquals(TcpState.ESTABLISHED, cs[0].connection().state(), "a peer answering probes is not timed out");
        ByteBuffer sink = ByteBuffer.allocate(30000);
        assertTrue(p.net.runUntil(() -> {
            try {
                while ((cs[1].poll(PollFd.POLLIN) & PollFd.POLLIN) != 0) {
                    cs[1].recvfrom(sink, 0);
                }
                if (data.hasRemaining() && (cs[0].poll(PollFd.POLLOUT) & PollFd.POLLOUT) != 0) {
                    cs[0].sendto(data, 0, null);
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return sink.position() >= 20000;
        }, 600 * SECOND));
        assertArrayEquals(Pair.pattern(20000, 102), java.util.Arrays.copyOf(sink.array(), 20000));
    }

    @Test
    void keepaliveProbesAnIdlePeerAndGivesUpOnADeadOne() throws Exception {
        Pair p = new Pair(103);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        TcpSocket c = cs[0];
        c.setsockopt(SocketConstants.SOL_SOCKET, SocketConstants.SO_KEEPALIVE, 1);
        c.setsockopt(SocketConstants.IPPROTO_TCP, SocketConstants.TCP_KEEPIDLE, 10);
        c.setsockopt(SocketConstants.IPPROTO_TCP, SocketConstants.TCP_KEEPINTVL, 2);
        c.setsockopt(SocketConstants.IPPROTO_TCP, SocketConstants.TCP_KEEPCNT, 3);
        p.net.runFor(35 * SECOND);
        assertTrue(p.ipA.count("tcp.keepalive_probes") >= 3);
        assertEquals(TcpState.ESTABLISHED, c.connection().state(), "the peer answers");
        p.net.filter = b -> false; // the peer vanishes
        p.net.runFor(20 * SECOND);
        assertEquals(TcpState.CLOSED, c.connection().state());
        assertEquals(Errno.ETIMEDOUT, errnoOf(() -> c.recvfrom(ByteBuffer.allocate(1), 0)));
    }

    /** Counts data segments A sends. */
    private static int[] countDataFromA(Pair p) {
        int[] n = {0};
        p.net.filter = b -> {
            TcpSegment s = new TcpSegment(b);
            if (s.srcPort() != 80 && s.payloadLength() > 0) {
                n[0]++;
            }
            return true;
        };
        return n;
    }

    @Test
    void nagleCoalescesSmallWritesAndNodelaySendsEach() throws Exception {
        for (boolean nodelay : new boolean[] {false, true}) {
            Pair p = new Pair(104);
            TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
            if (nodelay) {
                cs[0].setsockopt(SocketConstants.IPPROTO_TCP, SocketConstants.TCP_NODELAY, 1);
            }
            int[] n = countDataFromA(p);
            for (int i = 0; i < 10; i++) {
                Pair.send(cs[0], "0123456789");
            }
            p.net.runFor(SECOND);
            assertEquals("0123456789".repeat(10), Pair.readNow(cs[1]));
            if (nodelay) {
                assertEquals(10, n[0], "TCP_NODELAY: one segment per write");
            } else {
                assertEquals(2, n[0], "Nagle: the first write, then the rest once it is acknowledged");
            }
        }
    }

    @Test
    void delayedAckWaitsForASecondSegmentOrTheTimer() throws Exception {
        // an RTO floor above the delayed-ACK time, or the lone segment would be sent again first
        Pair p = new Pair(105, "tcp.delack=200", "tcp.rto_min=1000");
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        int[] acksFromB = {0};
        p.net.filter = b -> {
            TcpSegment s = new TcpSegment(b);
            if (s.srcPort() == 80 && s.payloadLength() == 0) {
                acksFromB[0]++;
            }
            return true;
        };
        Pair.send(cs[0], "one");
        p.net.runFor(SECOND / 20);
        assertEquals(0, acksFromB[0], "no ACK for a single segment yet");
        p.net.runFor(SECOND / 4);
        assertEquals(1, acksFromB[0], "the delayed-ACK timer sent it");
        assertEquals(1, p.ipB.count("tcp.delayed_acks"));
        cs[0].setsockopt(SocketConstants.IPPROTO_TCP, SocketConstants.TCP_NODELAY, 1);
        Pair.send(cs[0], "two");
        Pair.send(cs[0], "three");
        p.net.runFor(SECOND / 20);
        assertEquals(2, acksFromB[0], "every second segment is acknowledged at once");
    }

    @Test
    void aThousandConcurrentConnections() throws Exception {
        Pair p = new Pair(106, "tcp.msl=100");
        TcpSocket l = Pair.socket(p.b);
        l.bind(addr(0, 80));
        l.listen(1000);
        List<TcpSocket> clients = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            clients.add(Pair.startConnect(p.a, B, 80));
        }
        List<TcpSocket> servers = new ArrayList<>();
        assertTrue(p.net.runUntil(() -> {
            try {
                while (l.poll(PollFd.POLLIN) != 0) {
                    TcpSocket s = (TcpSocket) l.accept();
                    s.setStatusFlags(io.jrump.api.OpenFlags.O_NONBLOCK);
                    servers.add(s);
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return servers.size() == 1000;
        }, 60 * SECOND));
        for (int i = 0; i < 1000; i++) {
            TcpSocket c = clients.get(i);
            assertNull(errnoOf(() -> c.connect(addr(B, 80))), "connect " + i + " finished");
            Pair.send(c, "#" + i);
        }
        p.net.runFor(SECOND);
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (TcpSocket s : servers) {
            String m = Pair.readNow(s);
            assertTrue(m.matches("#[0-9]+"), "one whole message per connection: " + m);
            seen.add(m);
        }
        assertEquals(1000, seen.size(), "every client's message arrived at its own server socket");
        for (TcpSocket c : clients) {
            c.closeFile();
        }
        for (TcpSocket s : servers) {
            s.closeFile();
        }
        p.net.runFor(5 * SECOND);
        assertEquals(0, p.a.connectionCount());
        assertEquals(0, p.b.connectionCount());
    }

    @Test
    void synFloodIsAbsorbedBySynCookies() throws Exception {
        Pair p = new Pair(107);
        TcpSocket l = Pair.socket(p.b);
        l.bind(addr(0, 80));
        l.listen(64);
        java.util.Random r = new java.util.Random(107);
        TcpOptions mss = new TcpOptions().mss(1460);
        int maxConns = 0;
        for (int i = 0; i < 100_000; i++) {
            int src = 0x0c000000 | r.nextInt(0xffffff); // spoofed, nobody answers
            p.b.input(src, B, raw(src, 1024 + r.nextInt(60000), B, 80, r.nextInt(), 0, TcpSegment.SYN, 65535, mss, new byte[0]));
            if (i % 1000 == 0) {
                p.net.runFor(SECOND / 10);
                maxConns = Math.max(maxConns, p.b.connectionCount());
            }
        }
        assertTrue(maxConns <= 256, "half-open connections stay bounded: " + maxConns);
        assertTrue(l.listenerForTest().synQueueSize() <= 256);
        assertTrue(p.ipB.count("tcp.syncookies.sent") > 90_000);
        // a real client still gets in (with a cookie, since the queue is full of spoofed entries)
        TcpSocket c = Pair.startConnect(p.a, B, 80);
        p.net.runFor(SECOND);
        assertNull(errnoOf(() -> c.connect(addr(B, 80))));
        TcpSocket s = (TcpSocket) l.accept();
        s.setStatusFlags(io.jrump.api.OpenFlags.O_NONBLOCK);
        assertTrue(p.ipB.count("tcp.syncookies.ok") >= 1);
        Pair.send(c, "through the flood");
        p.net.runFor(SECOND);
        assertEquals("through the flood", Pair.readNow(s));
        // forged cookie ACKs are rejected
        p.b.input(A, B, raw(A, 999, B, 80, 5, 12345, TcpSegment.ACK, 1000, null, new byte[0]));
        assertTrue(p.ipB.count("tcp.syncookies.failed") >= 1);
    }

    @Test
    void retransmissionLimitEndsAConnectionWithEtimedout() throws Exception {
        Pair p = new Pair(108, "tcp.retries=4");
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        p.net.filter = b -> false;
        Pair.send(cs[0], "into the void");
        p.net.runFor(600 * SECOND);
        assertEquals(TcpState.CLOSED, cs[0].connection().state());
        assertEquals(Errno.ETIMEDOUT, errnoOf(() -> cs[0].recvfrom(ByteBuffer.allocate(1), 0)));
        assertEquals(5, p.ipA.count("tcp.timeouts") + 1, "four retransmissions, then the end");
    }

    @Test
    void rttSamplesShapeTheTimeout() throws Exception {
        RttEstimator e = new RttEstimator(200_000_000L);
        assertEquals(RttEstimator.INITIAL_RTO, e.rto());
        e.sample(100_000_000L);
        assertEquals(300_000_000L, e.rto(), "SRTT + 4 * RTTVAR = 100 + 4 * 50 ms");
        e.backOff();
        assertEquals(600_000_000L, e.rto());
        e.sample(100_000_000L);
        assertTrue(e.rto() < 600_000_000L, "a new sample ends the backoff");
        for (int i = 0; i < 50; i++) {
            e.backOff();
        }
        assertEquals(RttEstimator.MAX_RTO, e.rto());
    }
}
