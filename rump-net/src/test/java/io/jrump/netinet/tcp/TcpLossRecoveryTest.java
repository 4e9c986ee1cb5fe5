package io.jrump.netinet.tcp;

import static io.jrump.netinet.tcp.Pair.SECOND;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.net.wire.TcpSegment;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Losses that SACK recovery by DupThresh alone (RFC 6675) leaves to the retransmission timer:
 * a retransmission lost in turn, the last segments of a transfer, a loss in a short flight or
 * in a small congestion window.
 * Each drops chosen data segments on a deterministic {@link SimNet} and expects the repair
 * without a timeout.
 */
class TcpLossRecoveryTest {

    /**
     * Drops data segments from A to B's port 80 for which {@code drop} holds, given the
     * segment's sequence number relative to A's first data byte and how many times that
     * sequence number was sent before. Returns the number dropped so far.
     */
    private static int[] dropDataFromA(Pair p, DropRule drop) {
        int[] dropped = {0};
        Map<Integer, Integer> sent = new HashMap<>();
        int[] base = {0};
        boolean[] started = {false};
        p.net.filter = b -> {
            TcpSegment s = new TcpSegment(b);
            if (s.dstPort() != 80 || s.payloadLength() == 0) {
                return true;
            }
            if (!started[0]) {
                started[0] = true;
                base[0] = s.seq();
            }
            int times = sent.merge(s.seq(), 1, Integer::sum) - 1;
            if (drop.test(s.seq() - base[0], times)) {
                dropped[0]++;
                return false;
            }
            return true;
        };
        return dropped;
    }

    private interface DropRule {
        boolean test(int relativeSeq, int timesSentBefore);
    }

    @Test
    void lostRetransmissionIsFoundBySackAndSentAgainWithoutTimeout() throws Exception {
        Pair p = new Pair(300);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        p.net.delayNanos = 1_000_000;
        int mss = cs[0].connection().smss();
        int target = 200 * mss;
        // the segment at 200 MSS and its first retransmission are lost; the second gets through
        int[] dropped = dropDataFromA(p, (rel, before) -> rel == target && before < 2);
        byte[] data = Pair.pattern(4 << 20, 300);
        byte[] got = p.transfer(cs[0], cs[1], data, 60 * SECOND);
        assertArrayEquals(Pair.sha256(data), Pair.sha256(got));
        assertEquals(2, dropped[0], "the original and the first retransmission were dropped");
        assertEquals(1, p.ipA.count("tcp.fast_retransmits"), "one recovery episode");
        assertTrue(p.ipA.count("tcp.lost_retransmits") >= 1, "the lost retransmission was found");
        assertEquals(0, p.ipA.count("tcp.timeouts"), "no retransmission timeout");
    }

    @Test
    void lostRetransmissionDoesNotReduceTheWindowTwice() throws Exception {
        Pair p = new Pair(301);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        p.net.delayNanos = 1_000_000;
        int mss = cs[0].connection().smss();
        int target = 300 * mss;
        int[] ssthresh = {-1, -1}; // when the hole is first retransmitted, and when it is sent again
        int[] dropped = dropDataFromA(p, (rel, before) -> {
            if (rel == target && (before == 1 || before == 2)) {
                ssthresh[before - 1] = cs[0].connection().cc().ssthresh();
            }
            return rel == target && before < 2;
        });
        byte[] data = Pair.pattern(2 << 20, 301);
        byte[] got = p.transfer(cs[0], cs[1], data, 60 * SECOND);
        assertArrayEquals(Pair.sha256(data), Pair.sha256(got));
        assertEquals(2, dropped[0]);
        assertTrue(ssthresh[0] > 0);
        assertEquals(ssthresh[0], ssthresh[1], "RFC 6675: one window reduction per recovery");
        assertEquals(0, p.ipA.count("tcp.timeouts"));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void lossAtTheTailIsRepairedByAProbeWithoutTimeout(int tail) throws Exception {
        Pair p = new Pair(310 + tail);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        p.net.delayNanos = 1_000_000;
        int mss = cs[0].connection().smss();
        int segments = 64;
        int[] dropped = dropDataFromA(p, (rel, before) -> before == 0 && rel >= (segments - tail) * mss);
        byte[] data = Pair.pattern(segments * mss, 310 + tail);
        byte[] got = p.transfer(cs[0], cs[1], data, 60 * SECOND);
        assertArrayEquals(Pair.sha256(data), Pair.sha256(got));
        assertEquals(tail, dropped[0], "the last segments' first transmissions were dropped");
        assertEquals(1, p.ipA.count("tcp.loss_probes"), "one probe");
        assertEquals(0, p.ipA.count("tcp.timeouts"), "no retransmission timeout");
        assertTrue(p.net.nanos() < 2 * SECOND, "well before the first RTO would have repaired it");
    }

    @Test
    void limitedTransmitDrawsDupThreshFromASmallWindow() throws Exception {
        Pair p = new Pair(330);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        p.net.delayNanos = 1_000_000;
        int mss = cs[0].connection().smss();
        cs[0].connection().cc().cwnd(2 * mss);
        // two segments in flight, the first lost: each duplicate ACK lets one new segment out
        int[] dropped = dropDataFromA(p, (rel, before) -> before == 0 && rel == 0);
        byte[] data = Pair.pattern(64 * mss, 330);
        byte[] got = p.transfer(cs[0], cs[1], data, 60 * SECOND);
        assertArrayEquals(Pair.sha256(data), Pair.sha256(got));
        assertEquals(1, dropped[0]);
        assertEquals(1, p.ipA.count("tcp.fast_retransmits"), "three duplicate ACKs");
        assertEquals(0, p.ipA.count("tcp.loss_probes"), "no probe needed");
        assertEquals(0, p.ipA.count("tcp.timeouts"));
    }

    @Test
    void lossInAShortFlightIsFastRetransmittedEarly() throws Exception {
        Pair p = new Pair(320);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        p.net.delayNanos = 1_000_000;
        int mss = cs[0].connection().smss();
        // three segments in flight, the first lost: two SACKs reach early retransmit's DupThresh of 2
        int[] dropped = dropDataFromA(p, (rel, before) -> before == 0 && rel == 0);
        byte[] data = Pair.pattern(3 * mss, 320);
        byte[] got = p.transfer(cs[0], cs[1], data, 60 * SECOND);
        assertArrayEquals(Pair.sha256(data), Pair.sha256(got));
        assertEquals(1, dropped[0]);
        assertEquals(1, p.ipA.count("tcp.fast_retransmits"), "early retransmit");
        assertEquals(0, p.ipA.count("tcp.loss_probes"), "no probe needed");
        assertEquals(0, p.ipA.count("tcp.timeouts"));
    }
}
