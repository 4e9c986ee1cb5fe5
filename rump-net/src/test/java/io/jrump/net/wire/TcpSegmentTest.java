package io.jrump.net.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class TcpSegmentTest {
    private static final int SRC = 0x0a000001;
    private static final int DST = 0x0a000002;

    /** A SYN with every option and three payload bytes, checksummed. */
    private static ByteBuffer sample() {
        TcpOptions o = new TcpOptions().mss(1460).wscale(7).sackPermitted(true).timestamps(12345, 0);
        int hl = TcpSegment.HEADER_LENGTH + o.length();
        ByteBuffer b = ByteBuffer.allocate(hl + 3);
        TcpSegment s = new TcpSegment(b);
        s.setSrcPort(40000).setDstPort(80).setSeq(0xfffffff0).setAck(7).setHeaderLength(hl).setFlags(TcpSegment.SYN | TcpSegment.ACK).setWindow(65535);
        assertEquals(o.length(), o.write(b, TcpSegment.HEADER_LENGTH));
        b.put(hl, (byte) 'a').put(hl + 1, (byte) 'b').put(hl + 2, (byte) 'c');
        s.fillChecksum(SRC, DST);
        return b;
    }

    @Test
    void roundTripOfFieldsAndOptions() {
        ByteBuffer b = sample();
        TcpSegment s = new TcpSegment(b);
        assertNull(s.check(SRC, DST));
        assertEquals(40000, s.srcPort());
        assertEquals(80, s.dstPort());
        assertEquals(0xfffffff0, s.seq());
        assertEquals(7, s.ack());
        assertTrue(s.has(TcpSegment.SYN) && s.has(TcpSegment.ACK) && !s.has(TcpSegment.FIN));
        assertEquals(3, s.payloadLength());
        assertEquals(4, s.sequenceLength(), "payload plus SYN");
        assertEquals(0, s.headerLength() % 4);
        TcpOptions o = new TcpOptions();
        assertTrue(o.parse(s));
        assertEquals(1460, o.mss());
        assertEquals(7, o.wscale());
        assertTrue(o.sackPermitted());
        assertTrue(o.hasTimestamps());
        assertEquals(12345, o.tsVal());
        assertEquals(0, o.tsEcr());
    }

    @Test
    void sackBlocksRoundTrip() {
        TcpOptions o = new TcpOptions().timestamps(1, 2);
        assertTrue(o.addSack(100, 200));
        assertTrue(o.addSack(300, 400));
        assertTrue(o.addSack(500, 600));
        ByteBuffer b = ByteBuffer.allocate(40);
        int n = o.write(b, 0);
        assertEquals(o.length(), n);
        assertTrue(n <= 40);
        TcpOptions back = new TcpOptions();
        assertTrue(back.parse(b, 0, n));
        assertEquals(3, back.sackBlocks());
        assertEquals(300, back.sackLeft(1));
        assertEquals(600, back.sackRight(2));
    }

    @Test
    void anyFlippedBitFailsTheChecksum() {
        ByteBuffer clean = sample();
        for (int i = 0; i < clean.limit(); i++) {
            if (i == 12) {
                continue; // the data offset: a different failure
            }
            ByteBuffer b = ByteBuffer.allocate(clean.limit());
            b.put(clean.duplicate()).flip();
            b.put(i, (byte) (b.get(i) ^ 0x04));
            TcpSegment.Malformed m = new TcpSegment(b).check(SRC, DST);
            assertEquals(TcpSegment.Malformed.BAD_CHECKSUM, m, "byte " + i);
        }
        assertEquals(TcpSegment.Malformed.BAD_CHECKSUM, new TcpSegment(sample()).check(SRC, DST + 1), "pseudo header covers the addresses");
    }

    @Test
    void badLengthsAreRejected() {
        assertEquals(TcpSegment.Malformed.TRUNCATED, new TcpSegment(ByteBuffer.allocate(19)).check(SRC, DST));
        ByteBuffer b = sample();
        b.put(12, (byte) (4 << 4));
        assertEquals(TcpSegment.Malformed.BAD_DATA_OFFSET, new TcpSegment(b).check(SRC, DST));
        b.put(12, (byte) (15 << 4)); // 60 bytes of header in a shorter segment
        assertEquals(TcpSegment.Malformed.BAD_DATA_OFFSET, new TcpSegment(b).check(SRC, DST));
    }

    @Test
    void malformedOptionsAreRejected() {
        assertFalse(parse(2, 3, 5), "MSS of length 3");
        assertFalse(parse(2, 4, 5), "MSS running past the end");
        assertFalse(parse(3, 0), "length 0");
        assertFalse(parse(3, 1), "length 1");
        assertFalse(parse(8, 9, 0, 0, 0, 0, 0, 0, 0), "timestamps of length 9");
        assertFalse(parse(5, 6, 0, 0, 0, 0), "SACK without a whole block");
        assertFalse(parse(4, 3, 0), "SACK-permitted of length 3");
        assertFalse(parse(1, 1, 2), "kind without a length byte");
        assertTrue(parse(1, 1, 0, 2, 3), "after END nothing counts");
        assertTrue(parse(99, 4, 0, 0, 1), "unknown kinds are skipped by length");
    }

    private static boolean parse(int... bytes) {
        ByteBuffer b = ByteBuffer.allocate(bytes.length);
        for (int x : bytes) {
            b.put((byte) x);
        }
        return new TcpOptions().parse(b, 0, bytes.length);
    }

    @Test
    void windowScaleAboveFourteenIsClamped() {
        assertTrue(new TcpOptions().wscale(20).write(ByteBuffer.allocate(4), 0) == 4);
        TcpOptions o = new TcpOptions();
        assertTrue(o.parse(ByteBuffer.wrap(new byte[] {3, 3, 20, 0}), 0, 4));
        assertEquals(14, o.wscale());
    }
}
