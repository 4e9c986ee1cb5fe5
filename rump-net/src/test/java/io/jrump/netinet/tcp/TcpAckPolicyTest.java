package io.jrump.netinet.tcp;

import static io.jrump.netinet.tcp.Pair.A;
import static io.jrump.netinet.tcp.Pair.B;
import static io.jrump.netinet.tcp.Pair.SECOND;
import static io.jrump.netinet.tcp.Pair.raw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.net.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * When the receiver acknowledges: a large segment (a peer's TSO or GRO frame over a device with
 * segmentation offload) at the start of a stream is acknowledged at once, not after the
 * delayed-ACK time, and a read sends a window update only when the
 * peer's window had shrunk enough to matter.
 */
class TcpAckPolicyTest {
    private static final int PORT = 80;
    private static final long MS = SECOND / 1000;

    /** Segments B sends to A (source port {@link #PORT}): their ACK numbers and windows. */
    private static List<int[]> watchB(Pair p) {
        List<int[]> fromB = new ArrayList<>();
        p.net.filter = b -> {
            TcpSegment s = new TcpSegment(b);
            if (s.srcPort() == PORT) {
                synchronized (fromB) {
                    fromB.add(new int[] {s.ack(), s.window(), s.payloadLength()});
                }
            }
            return true;
        };
        return fromB;
    }

    @Test
    void oneSegmentOfTenFullSizedOnesIsAcknowledgedAtOnceInSlowStart() throws Exception {
        Pair p = new Pair(41, "tcp.timestamps=false");
        TcpSocket[] cs = p.connect(Pair.listen(p.b, PORT), PORT);
        TcpConnection server = cs[1].connection();
        int mss = server.smss();
        byte[] data = Pair.pattern(10 * mss, 41);
        List<int[]> fromB = watchB(p);
        int seq = server.rcvNxt();
        // what Linux hands a TAP with TSO/GRO: ten full-sized segments as one, its initial window in one frame
        p.b.input(A, B, raw(A, cs[0].connection().tuple.lport(), B, PORT, seq, cs[0].connection().rcvNxt(), TcpSegment.ACK | TcpSegment.PSH,
                65535, null, data));
        p.net.runFor(MS); // well inside the 40 ms delayed-ACK time
        assertEquals(seq + data.length, server.rcvNxt(), "the segment was taken");
        synchronized (fromB) {
            assertTrue(fromB.stream().anyMatch(s -> s[0] == seq + data.length),
                    "ten full-sized segments' worth left to the delayed-ACK timer; B sent " + fromB.size() + " segments");
        }
        ByteBuffer got = ByteBuffer.allocate(data.length);
        cs[1].recvfrom(got, 0);
        assertEquals(ByteBuffer.wrap(data), got.flip());
    }

    @Test
    void oneSmallSegmentStillWaitsForTheDelayedAckTimer() throws Exception {
        Pair p = new Pair(42, "tcp.timestamps=false");
        TcpSocket[] cs = p.connect(Pair.listen(p.b, PORT), PORT);
        List<int[]> fromB = watchB(p);
        Pair.send(cs[0], "one small segment");
        p.net.runFor(5 * MS);
        synchronized (fromB) {
            assertEquals(0, fromB.size(), "RFC 1122 4.2.3.2: one segment below two full-sized ones may wait");
        }
        p.net.runFor(100 * MS);
        synchronized (fromB) {
            assertEquals(1, fromB.size(), "the delayed ACK");
        }
    }

    @Test
    void aReadSendsAWindowUpdateOnlyWhenThePeersWindowHadShrunkToHalfOrLess() throws Exception {
        int buffer = 64 << 10;
        Pair p = new Pair(43, "tcp.rcvbuf=" + buffer);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, PORT), PORT);
        List<int[]> fromB = watchB(p);
        ByteBuffer sink = ByteBuffer.allocate(buffer);

        // 8 KiB in the buffer: the peer still may send 56 KiB, more than half; the data's ACK told it so
        cs[0].sendto(ByteBuffer.wrap(new byte[8 << 10]), 0, null);
        p.net.runFor(SECOND);
        int before;
        synchronized (fromB) {
            before = fromB.size();
            assertTrue(before > 0, "the data was acknowledged");
        }
        cs[1].recvfrom(sink.clear(), 0);
        assertEquals(8 << 10, sink.position());
        p.net.runFor(SECOND);
        synchronized (fromB) {
            assertEquals(before, fromB.size(), "a window update although the peer's window was above half the buffer");
        }

        // fill the buffer (the window falls to nothing), then read: the reopened window is announced at once
        byte[] fill = Pair.pattern(buffer, 43);
        ByteBuffer src = ByteBuffer.wrap(fill);
        for (int i = 0; i < 100 && src.hasRemaining(); i++) {
            cs[0].sendto(src, 0, null);
            p.net.runFor(10 * MS);
        }
        p.net.runFor(SECOND);
        int full;
        synchronized (fromB) {
            full = fromB.size();
            assertTrue(fromB.get(full - 1)[1] < 1024, "the window closed: " + fromB.get(full - 1)[1]);
        }
        ByteBuffer got = ByteBuffer.allocate(2 * buffer);
        cs[1].recvfrom(got, 0);
        p.net.runFor(MS);
        synchronized (fromB) {
            assertTrue(fromB.size() > full, "no window update after the read emptied a full buffer");
        }
        assertEquals(ByteBuffer.wrap(fill), got.flip(), "byte-exact");
    }
}
