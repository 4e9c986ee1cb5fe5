package io.jrump.net.summon;

import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.net.wire.TcpSegment;
import io.jrump.net.wire.WireException;
import java.nio.ByteBuffer;

/**
 * The reset a summoned service's address answers a TCP segment with while no kernel runs for it,
 * other than a SYN (which summons one) or a reset: the connection it belongs to went with the
 * kernel that shut down, and RFC 9293 3.10.7.1 has a host answer a segment for a connection it
 * does not have (CLOSED) with a reset, so the client learns at once that the connection is gone
 * instead of retransmitting into silence until its own timeout. The reset is the one the kernel
 * would have sent: {@code <SEQ=SEG.ACK><CTL=RST>} for a segment with ACK, else
 * {@code <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>}. Frames are untrusted: anything that does
 * not parse, or whose TCP checksum is wrong, gets nothing.
 */
final class Resets {
    private static final int LENGTH = EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN + TcpSegment.HEADER_LENGTH;

    private Resets() {
    }

    /**
     * The reset answering {@code frame}, sent from {@code mac}, or null when it gets none.
     * {@code partialTrusted}: the device offers RX_CHECKSUM, so a zero TCP checksum is the
     * partial mark of a sender in memory ({@link TcpSegment#check(int, int, boolean)}).
     */
    static ByteBuffer answer(ByteBuffer frame, int ip, int port, long mac, boolean partialTrusted) {
        try {
            EthernetFrame f = new EthernetFrame(frame);
            f.check();
            if (f.etherType() != EthernetFrame.ETHERTYPE_IPV4) {
                return null;
            }
            Ipv4Packet p = new Ipv4Packet(f.payload());
            p.check();
            if (p.dst() != ip || p.protocol() != Ipv4Packet.PROTO_TCP || p.fragmentOffset() != 0 || p.moreFragments()) {
                return null;
            }
            TcpSegment in = new TcpSegment(p.payload());
            if (in.check(p.src(), p.dst(), partialTrusted) != null || in.dstPort() != port || in.has(TcpSegment.RST) || in.has(TcpSegment.SYN)) {
                return null;
            }
            ByteBuffer out = ByteBuffer.allocate(LENGTH);
            EthernetFrame.emitHeader(out, 0, f.src(), mac, EthernetFrame.ETHERTYPE_IPV4);
            Ipv4Packet.emitHeader(out, EthernetFrame.HEADER_LEN, 0, Ipv4Packet.HEADER_LEN + TcpSegment.HEADER_LENGTH, 0, Ipv4Packet.FLAG_DF, 0,
                    Ipv4Packet.DEFAULT_TTL, Ipv4Packet.PROTO_TCP, ip, p.src());
            TcpSegment rst = new TcpSegment(out.slice(EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN, TcpSegment.HEADER_LENGTH))
                    .setSrcPort(port).setDstPort(in.srcPort()).setHeaderLength(TcpSegment.HEADER_LENGTH);
            if (in.has(TcpSegment.ACK)) {
                rst.setSeq(in.ack()).setAck(0).setFlags(TcpSegment.RST);
            } else {
                rst.setSeq(0).setAck(in.seq() + in.sequenceLength()).setFlags(TcpSegment.RST | TcpSegment.ACK);
            }
            rst.setWindow(0).setUrgentPointer(0).fillChecksum(ip, p.src());
            return out;
        } catch (WireException e) {
            return null;
        }
    }
}
