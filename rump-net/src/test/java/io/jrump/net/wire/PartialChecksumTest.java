package io.jrump.net.wire;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PartialChecksumTest {
    private static final int SRC = Ipv4Address.parse("10.0.0.1");
    private static final int DST = Ipv4Address.parse("10.0.0.2");

    /** An Ethernet frame with an IPv4 datagram of {@code protocol} carrying a segment of {@code body} bytes, checksum partial. */
    private static ByteBuffer frame(int protocol, byte[] body, int fragmentFlags) {
        int tl = (protocol == Ipv4Packet.PROTO_TCP ? TcpSegment.HEADER_LENGTH : UdpDatagram.HEADER_LEN) + body.length;
        ByteBuffer f = ByteBuffer.allocate(EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN + tl);
        EthernetFrame.emitHeader(f, 0, 0x0200_0000_0002L, 0x0200_0000_0001L, EthernetFrame.ETHERTYPE_IPV4);
        Ipv4Packet.emitHeader(f, EthernetFrame.HEADER_LEN, 0, Ipv4Packet.HEADER_LEN + tl, 1, fragmentFlags, 0, 64, protocol, SRC, DST);
        int t = EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN;
        if (protocol == Ipv4Packet.PROTO_TCP) {
            new TcpSegment(f.duplicate().position(t)).setSrcPort(1000).setDstPort(80).setSeq(7).setHeaderLength(20).setFlags(TcpSegment.ACK).setWindow(100);
            f.put(t + TcpSegment.HEADER_LENGTH, body);
        } else {
            UdpDatagram.emitHeader(f, t, 1000, 53, body.length);
            f.put(t + UdpDatagram.HEADER_LEN, body);
        }
        return f;
    }

    private static TcpSegment tcp(ByteBuffer frame) {
        return new TcpSegment(frame.duplicate().position(EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN));
    }

    @Test
    void completesTcpAndUdpAndLeavesTheRestAlone() throws Exception {
        byte[] body = new byte[333];
        new Random(1).nextBytes(body);
        ByteBuffer t = frame(Ipv4Packet.PROTO_TCP, body, 0);
        assertTrue(PartialChecksum.isPartialFrame(t));
        assertEquals(TcpSegment.Malformed.BAD_CHECKSUM, tcp(t).check(SRC, DST));
        assertNull(tcp(t).check(SRC, DST, true), "trusted when partial");
        assertTrue(PartialChecksum.completeFrame(t));
        assertNull(tcp(t).check(SRC, DST));
        assertFalse(PartialChecksum.isPartialFrame(t));
        assertFalse(PartialChecksum.completeFrame(t), "a whole checksum is left as it is");

        ByteBuffer u = frame(Ipv4Packet.PROTO_UDP, body, 0);
        assertTrue(PartialChecksum.completeFrame(u));
        UdpDatagram d = new UdpDatagram(u.duplicate().position(EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN));
        assertNotEquals(0, d.checksum());
        d.check(SRC, DST);

        ByteBuffer frag = frame(Ipv4Packet.PROTO_UDP, body, Ipv4Packet.FLAG_MF);
        assertFalse(PartialChecksum.isPartialFrame(frag), "a fragment never carries the mark");
        ByteBuffer shortFrame = ByteBuffer.allocate(20);
        assertFalse(PartialChecksum.completeFrame(shortFrame));
        PartialChecksum.completeForDamage(shortFrame);
    }

    @Test
    void aFrameAboutToBeDamagedNeverCarriesTheMark() {
        byte[] body = new byte[64];
        new Random(2).nextBytes(body);
        ByteBuffer t = frame(Ipv4Packet.PROTO_TCP, body, 0);
        // make the correct checksum zero: put the checksum computed with a zero word into that word
        int word = EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN + TcpSegment.HEADER_LENGTH;
        t.putShort(word, (short) 0);
        PartialChecksum.completeFrame(t);
        int c = tcp(t).checksum();
        t.putShort(word, (short) c);
        t.putShort(EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN + 16, (short) 0);
        assertNull(tcp(t).check(SRC, DST), "a correct checksum that happens to be zero");

        PartialChecksum.completeForDamage(t);
        assertEquals(0xffff, tcp(t).checksum(), "its ones'-complement twin");
        assertNull(tcp(t).check(SRC, DST), "still correct");
        t.put(word + 10, (byte) (t.get(word + 10) ^ 4));
        assertEquals(TcpSegment.Malformed.BAD_CHECKSUM, tcp(t).check(SRC, DST, true), "damage is caught even where partial ones are trusted");

        ByteBuffer p = frame(Ipv4Packet.PROTO_TCP, body, 0);
        PartialChecksum.completeForDamage(p);
        assertNull(tcp(p).check(SRC, DST), "a partial checksum is completed before the damage");
    }
}
