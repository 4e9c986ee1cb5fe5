package io.jrump.net.wire;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.dev.net.Checksum;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Crafted packets for every view: round trips through the builders, and each malformed case the validators reject. */
class WireTest {
    static final int A = Ipv4Address.parse("10.0.0.1");
    static final int B = Ipv4Address.parse("10.0.0.2");

    static String reason(ThrowingCheck c) {
        WireException e = assertThrows(WireException.class, c::check);
        return e.reason();
    }

    interface ThrowingCheck {
        void check() throws WireException;
    }

    // ---- Ethernet ----

    @Test
    void ethernetRoundTrip() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(20);
        EthernetFrame.emitHeader(b, 0, 0x0200_0000_0002L, 0x0200_0000_0001L, EthernetFrame.ETHERTYPE_IPV4);
        EthernetFrame f = new EthernetFrame(b);
        f.check();
        assertEquals(0x0200_0000_0002L, f.dst());
        assertEquals(0x0200_0000_0001L, f.src());
        assertEquals(0x0800, f.etherType());
        assertEquals(6, f.payload().remaining());
        assertEquals("02:00:00:00:00:01", EthernetFrame.formatMac(f.src()));
        assertArrayEquals(new byte[] {2, 0, 0, 0, 0, 1}, EthernetFrame.macBytes(f.src()));
        assertTrue(EthernetFrame.isMulticast(EthernetFrame.BROADCAST));
        assertFalse(EthernetFrame.isMulticast(f.src()));
    }

    @Test
    void ethernetRejectsShortAnd8023() {
        assertEquals("truncated", reason(() -> new EthernetFrame(ByteBuffer.allocate(13)).check()));
        ByteBuffer b = ByteBuffer.allocate(60);
        EthernetFrame.emitHeader(b, 0, 1, 2, 46);
        assertEquals("not_ethernet_ii", reason(() -> new EthernetFrame(b).check()));
    }

    @Test
    void viewStartsAtPositionAndLeavesBufferAlone() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(40);
        EthernetFrame.emitHeader(b, 10, 1, 2, EthernetFrame.ETHERTYPE_ARP);
        b.position(10);
        EthernetFrame f = new EthernetFrame(b);
        f.check();
        assertEquals(EthernetFrame.ETHERTYPE_ARP, f.etherType());
        assertEquals(10, b.position());
        assertEquals(16, f.payload().remaining());
    }

    // ---- ARP ----

    @Test
    void arpRoundTripAndRejections() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(28);
        ArpPacket.emit(b, 0, ArpPacket.OP_REQUEST, 0x0200_0000_0001L, A, 0, B);
        ArpPacket p = new ArpPacket(b);
        p.check();
        assertEquals(ArpPacket.OP_REQUEST, p.operation());
        assertEquals(0x0200_0000_0001L, p.senderMac());
        assertEquals(A, p.senderIp());
        assertEquals(0, p.targetMac());
        assertEquals(B, p.targetIp());

        assertEquals("truncated", reason(() -> new ArpPacket(ByteBuffer.allocate(27)).check()));
        assertEquals("bad_hardware_type", reason(() -> new ArpPacket(mutate(b, 1, 6)).check()));
        assertEquals("bad_protocol_type", reason(() -> new ArpPacket(mutate(b, 2, 0x86)).check()));
        assertEquals("bad_address_length", reason(() -> new ArpPacket(mutate(b, 4, 8)).check()));
        assertEquals("bad_address_length", reason(() -> new ArpPacket(mutate(b, 5, 16)).check()));
        assertEquals("bad_operation", reason(() -> new ArpPacket(mutate(b, 7, 3)).check()));
    }

    static ByteBuffer mutate(ByteBuffer b, int index, int value) {
        ByteBuffer c = ByteBuffer.allocate(b.capacity());
        c.put(0, b, 0, b.capacity());
        c.put(index, (byte) value);
        return c;
    }

    // ---- IPv4 ----

    static ByteBuffer ipv4(int payloadLen, int proto) {
        ByteBuffer b = ByteBuffer.allocate(Ipv4Packet.HEADER_LEN + payloadLen);
        Ipv4Packet.emitHeader(b, 0, 0, b.capacity(), 0x1234, Ipv4Packet.FLAG_DF, 0, 64, proto, A, B);
        return b;
    }

    @Test
    void ipv4RoundTrip() throws Exception {
        ByteBuffer b = ipv4(8, Ipv4Packet.PROTO_UDP);
        Ipv4Packet p = new Ipv4Packet(b);
        p.check();
        assertEquals(4, p.version());
        assertEquals(20, p.headerLength());
        assertEquals(28, p.totalLength());
        assertEquals(0x1234, p.ident());
        assertTrue(p.dontFragment());
        assertFalse(p.moreFragments());
        assertFalse(p.isFragment());
        assertEquals(64, p.ttl());
        assertEquals(Ipv4Packet.PROTO_UDP, p.protocol());
        assertEquals(A, p.src());
        assertEquals(B, p.dst());
        assertEquals(0, Checksum.of(b, 0, 20));
        p.decrementTtl();
        assertEquals(63, p.ttl());
        assertEquals(0, Checksum.of(b, 0, 20), "incremental update keeps the checksum right");
        new Ipv4Packet(b).check();
    }

    @Test
    void ipv4OptionsAreSkippedAndPaddingIgnored() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(24 + 4 + 10);
        b.put(0, (byte) 0x46);
        b.put(1, (byte) 0);
        b.putShort(2, (short) 28);
        b.put(8, (byte) 64);
        b.put(9, (byte) 17);
        b.putInt(12, A);
        b.putInt(16, B);
        b.put(20, (byte) 1).put(21, (byte) 1).put(22, (byte) 1).put(23, (byte) 0);
        b.putInt(24, 0xcafebabe);
        b.putShort(10, (short) Checksum.of(b, 0, 24));
        Ipv4Packet p = new Ipv4Packet(b);
        p.check();
        assertEquals(24, p.headerLength());
        assertEquals(4, p.payload().remaining(), "padding after the total length is not payload");
        assertEquals(0xcafebabe, p.payload().getInt(0));
    }

    @Test
    void ipv4Rejections() {
        assertEquals("truncated", reason(() -> new Ipv4Packet(ByteBuffer.allocate(19)).check()));
        ByteBuffer good = ipv4(8, 17);
        assertEquals("bad_version", reason(() -> new Ipv4Packet(fix(mutate(good, 0, 0x65))).check()));
        assertEquals("bad_header_length", reason(() -> new Ipv4Packet(fix(mutate(good, 0, 0x44))).check()));
        assertEquals("bad_header_length", reason(() -> new Ipv4Packet(mutate(good, 0, 0x48)).check()));
        assertEquals("bad_total_length", reason(() -> new Ipv4Packet(fix(mutate(good, 3, 10))).check()));
        assertEquals("truncated", reason(() -> new Ipv4Packet(fix(mutate(good, 3, 29))).check()));
        assertEquals("bad_checksum", reason(() -> new Ipv4Packet(mutate(good, 8, 1)).check()));
        ByteBuffer frag = mutate(good, 6, 0x1f);
        frag.put(7, (byte) 0xff);
        assertEquals("bad_fragment", reason(() -> new Ipv4Packet(fix(frag)).check()));
    }

    /** Recomputes the IPv4 header checksum of a mutated packet (header of 20 bytes). */
    static ByteBuffer fix(ByteBuffer b) {
        b.putShort(10, (short) 0);
        int hl = Math.min(20, b.capacity());
        b.putShort(10, (short) Checksum.of(b, 0, hl));
        return b;
    }

    @Test
    void fragmentFields() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(28);
        Ipv4Packet.emitHeader(b, 0, 0, 28, 7, Ipv4Packet.FLAG_MF, 1480, 64, 17, A, B);
        Ipv4Packet p = new Ipv4Packet(b);
        p.check();
        assertTrue(p.moreFragments());
        assertEquals(1480, p.fragmentOffset());
        assertTrue(p.isFragment());
    }

    // ---- ICMP ----

    @Test
    void icmpRoundTripAndRejections() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(8 + 4);
        b.putInt(8, 0x01020304);
        Icmpv4Packet.emit(b, 0, Icmpv4Packet.TYPE_ECHO_REQUEST, 0, (0x42 << 16) | 7, 4);
        Icmpv4Packet m = new Icmpv4Packet(b);
        m.check();
        assertEquals(8, m.type());
        assertEquals(0x42, m.echoId());
        assertEquals(7, m.echoSequence());
        assertEquals(4, m.data().remaining());
        assertFalse(m.isError());
        assertEquals("truncated", reason(() -> new Icmpv4Packet(ByteBuffer.allocate(7)).check()));
        assertEquals("bad_checksum", reason(() -> new Icmpv4Packet(mutate(b, 9, 9)).check()));
        ByteBuffer err = ByteBuffer.allocate(8);
        Icmpv4Packet.emit(err, 0, Icmpv4Packet.TYPE_TIME_EXCEEDED, 0, 0, 0);
        assertTrue(new Icmpv4Packet(err).isError());
    }

    // ---- UDP ----

    static ByteBuffer udp(byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.put(8, data);
        UdpDatagram.emit(b, 0, A, 1000, B, 53, data.length);
        return b;
    }

    @Test
    void udpRoundTripAndRejections() throws Exception {
        ByteBuffer b = udp(new byte[] {1, 2, 3});
        UdpDatagram u = new UdpDatagram(b);
        u.check(A, B);
        assertEquals(1000, u.srcPort());
        assertEquals(53, u.dstPort());
        assertEquals(11, u.length());
        assertEquals(3, u.data().remaining());
        assertEquals("bad_checksum", reason(() -> new UdpDatagram(b).check(A, A)), "pseudo header covers the addresses");
        assertEquals("truncated", reason(() -> new UdpDatagram(ByteBuffer.allocate(7)).check(A, B)));
        assertEquals("bad_length", reason(() -> new UdpDatagram(mutate(b, 5, 7)).check(A, B)));
        assertEquals("bad_length", reason(() -> new UdpDatagram(mutate(b, 5, 12)).check(A, B)));
        assertEquals("bad_checksum", reason(() -> new UdpDatagram(mutate(b, 10, 9)).check(A, B)));
        ByteBuffer noSum = mutate(b, 6, 0);
        noSum.put(7, (byte) 0);
        new UdpDatagram(noSum).check(A, B);
        ByteBuffer port0 = ByteBuffer.allocate(8);
        UdpDatagram.emit(port0, 0, A, 1, B, 0, 0);
        assertEquals("bad_port", reason(() -> new UdpDatagram(port0).check(A, B)));
    }

    @Test
    void udpComputedZeroChecksumIsSentAsOnes() throws Exception {
        // Search a payload whose checksum computes to zero: it must go out as 0xffff (RFC 768).
        for (int v = 0; v < 65536; v++) {
            ByteBuffer b = udp(new byte[] {(byte) (v >>> 8), (byte) v});
            if (new UdpDatagram(b).checksum() == 0xffff) {
                new UdpDatagram(b).check(A, B);
                return;
            }
        }
        fail("no payload gave a zero checksum");
    }

    // ---- addresses ----

    @Test
    void addresses() {
        assertEquals(0x0a000001, Ipv4Address.parse("10.0.0.1"));
        assertEquals("192.168.1.255", Ipv4Address.format(Ipv4Address.parse("192.168.1.255")));
        assertEquals(0xffffff00, Ipv4Address.mask(24));
        assertEquals(0, Ipv4Address.mask(0));
        assertEquals(-1, Ipv4Address.mask(32));
        for (String bad : new String[] {"1.2.3", "1.2.3.4.5", "256.1.1.1", "a.b.c.d", "1..2.3", "", "1.2.3.-4", "example.com"}) {
            assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse(bad), bad);
        }
        assertTrue(Ipv4Address.isLoopback(Ipv4Address.parse("127.3.4.5")));
        assertTrue(Ipv4Address.isMulticast(Ipv4Address.parse("224.0.0.1")));
    }
}
