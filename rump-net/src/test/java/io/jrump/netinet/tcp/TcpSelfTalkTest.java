package io.jrump.netinet.tcp;

import static io.jrump.netinet.tcp.Pair.A;
import static io.jrump.netinet.tcp.Pair.B;
import static io.jrump.netinet.tcp.Pair.SECOND;
import static io.jrump.netinet.tcp.Pair.raw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.net.wire.TcpOptions;
import io.jrump.net.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/**
 * TCP on its own, with no IP layer to filter martians: segments a host sends to itself, or
 * that a peer keeps sending out of the window, never start an endless exchange. These are the
 * ACK loops Linux breaks with {@code tcp_invalid_ratelimit}: an ACK that answers an invalid
 * segment is itself invalid to the other end, which answers it again.
 */
class TcpSelfTalkTest {

    /** A LAND SYN (source = destination = the listener's address and port) straight into TCP. */
    @Test
    void landSynToAListenerEndsWithoutALoop() throws Exception {
        Pair p = new Pair(30);
        TcpSocket l = Pair.listen(p.b, 80);
        p.b.input(B, B, raw(B, 80, B, 80, 0x1234_5678, 0, TcpSegment.SYN, 65535, new TcpOptions().mss(1460), new byte[0]));
        long deliveredAfterOneSecond = 0;
        for (int s = 0; s < 300; s++) { // five minutes: past every SYN-ACK retransmission
            p.net.runFor(SECOND);
            assertTrue(p.net.delivered < 1_000, "the LAND SYN started an exchange of " + p.net.delivered + " segments");
            if (s == 0) {
                deliveredAfterOneSecond = p.net.delivered;
            }
        }
        System.out.printf("LAND into TCP: %d segments in the first second, %d in five minutes; %d ACKs skipped%n",
                deliveredAfterOneSecond, p.net.delivered, p.ipB.count("tcp.acks_skipped"));
        assertTrue(deliveredAfterOneSecond <= 4, deliveredAfterOneSecond + " segments in the first second");
        assertNull(p.b.connection(new Tuple(B, 80, B, 80)), "the half-open connection with itself is gone");
        assertEquals(0, l.listenerForTest().synQueueSize());
        // and the listener still serves a real client
        TcpSocket[] cs = p.connect(l, 80);
        Pair.send(cs[0], "after");
        p.net.runFor(SECOND);
        assertEquals("after", Pair.readNow(cs[1]));
    }

    /**
     * A LAND SYN whose sequence number happens to equal the ISS the listener picks: the SYN-ACK
     * that comes back repeats the SYN's sequence number, which must not pass for a retransmitted
     * SYN (answered again at once, without limit).
     */
    @Test
    void landSynWithTheListenersOwnIsnEndsWithoutALoop() throws Exception {
        Pair p = new Pair(34);
        Pair.listen(p.b, 80);
        int iss = p.b.secrets().isn(B, 80, B, 80); // what the listener will pick at this very instant
        p.b.input(B, B, raw(B, 80, B, 80, iss, 0, TcpSegment.SYN, 65535, new TcpOptions().mss(1460), new byte[0]));
        for (int s = 0; s < 300; s++) {
            p.net.runFor(SECOND);
            assertTrue(p.net.delivered < 1_000, "the LAND SYN started an exchange of " + p.net.delivered + " segments");
        }
        System.out.printf("LAND into TCP with ISN = ISS: %d segments in five minutes%n", p.net.delivered);
        // the SYN-ACK draws one (paced) ACK, which is in the window and completes a connection with itself
        assertTrue(p.net.delivered <= 4, p.net.delivered + " segments");
    }

    /** With the SYN queue full the LAND SYN is answered by a SYN cookie, whose return gets one RST, and nothing more. */
    @Test
    void landSynAnsweredWithACookieEndsAtOnce() throws Exception {
        Pair p = new Pair(33, "tcp.max_syn_backlog=1");
        TcpSocket l = Pair.listen(p.b, 80);
        int nobody = 0x0a000009; // no host: the SYN-ACK to it is lost, its entry fills the SYN queue
        p.b.input(nobody, B, raw(nobody, 4000, B, 80, 1, 0, TcpSegment.SYN, 65535, null, new byte[0]));
        assertEquals(1, l.listenerForTest().synQueueSize());
        long sent = p.ipB.count("tcp.syncookies.sent");
        p.b.input(B, B, raw(B, 80, B, 80, 0x1234_5678, 0, TcpSegment.SYN, 65535, new TcpOptions().mss(1460), new byte[0]));
        assertEquals(sent + 1, p.ipB.count("tcp.syncookies.sent"), "the LAND SYN was answered statelessly");
        p.net.runFor(10 * SECOND);
        long self = p.ipB.count("tcp.syncookies.sent") + p.ipB.count("tcp.out.resets");
        assertTrue(self <= 3, "a cookie SYN-ACK to itself, one RST, and an answer to nothing else: " + self);
        assertNull(p.b.connection(new Tuple(B, 80, B, 80)));
    }

    /** A peer that keeps sending pure ACKs below the window gets one answer per 500 ms, not one each. */
    @Test
    void outOfWindowAcksAreAnsweredAtMostTwiceASecond() throws Exception {
        Pair p = new Pair(31);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        p.net.runFor(SECOND);
        TcpConnection c = cs[0].connection();
        long out = p.ipA.count("ip.out");
        for (int i = 0; i < 100; i++) {
            p.a.input(B, A, raw(B, 80, A, c.tuple.lport(), c.rcvNxt() - 100_000, c.sndUna(), TcpSegment.ACK, 65535, null, new byte[0]));
        }
        assertEquals(out + 1, p.ipA.count("ip.out"), "one ACK answers 100 out-of-window ACKs");
        assertEquals(99, p.ipA.count("tcp.acks_skipped"));
        // the same from a peer with data is answered every time: a spurious retransmission needs its duplicate ACK
        for (int i = 0; i < 3; i++) {
            p.a.input(B, A, raw(B, 80, A, c.tuple.lport(), c.rcvNxt() - 100, c.sndUna(), TcpSegment.ACK, 65535, null, new byte[10]));
        }
        assertEquals(out + 4, p.ipA.count("ip.out"));
        p.net.runFor(SECOND);
        long later = p.ipA.count("ip.out");
        p.a.input(B, A, raw(B, 80, A, c.tuple.lport(), c.rcvNxt() - 100_000, c.sndUna(), TcpSegment.ACK, 65535, null, new byte[0]));
        assertEquals(later + 1, p.ipA.count("ip.out"), "answered again half a second later");
        Pair.send(cs[1], "still fine");
        p.net.runFor(SECOND);
        assertEquals("still fine", Pair.readNow(cs[0]));
    }

    /** RFC 5961 challenge ACKs: per connection at most one per 500 ms, before the stack-wide limit. */
    @Test
    void challengeAcksOfOneConnectionAreRateLimited() throws Exception {
        Pair p = new Pair(32);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        p.net.runFor(SECOND);
        TcpConnection c = cs[0].connection();
        long before = p.ipA.count("tcp.challenge_acks");
        for (int i = 0; i < 50; i++) {
            p.a.input(B, A, raw(B, 80, A, c.tuple.lport(), c.rcvNxt(), 0, TcpSegment.SYN, 65535, null, new byte[0]));
        }
        assertEquals(before + 1, p.ipA.count("tcp.challenge_acks"));
        assertEquals(TcpState.ESTABLISHED, c.state());
    }
}
