package io.jrump.net.wire;

import io.jrump.dev.net.Checksum;
import java.nio.ByteBuffer;

/**
 * Transport checksums left for the device (checksum offload, Linux's {@code CHECKSUM_PARTIAL}).
 * A stack whose outgoing device offers {@code TX_CHECKSUM} sends an unfragmented TCP or UDP
 * datagram over IPv4 with its checksum field zero: the <em>partial</em> mark. Frames carry no
 * metadata beside their bytes, so the mark is in band: a receiving stack skips verification of
 * a zero TCP checksum only when its device offers {@code RX_CHECKSUM}, that is, when the frame
 * cannot have left memory on the way; every other checksum is verified as usual.
 *
 * <p>The mark is unambiguous for UDP (a computed zero is sent as 0xffff, RFC 768). For TCP a
 * correct checksum is zero once in 65,536 segments; such a segment is correct either way, and
 * {@link #fill} of it writes zero again. Where frames may be damaged ({@code LinkEmulator}'s
 * corruption) the checksum is completed before the damage and a zero TCP checksum replaced by
 * its ones'-complement twin 0xffff ({@link #completeForDamage}), so a damaged frame never
 * carries the mark.
 *
 * <p>Whoever moves a frame from an offloading path to one that is not (IPv4 forwarding to
 * another interface, fragmenting, a pcap file) completes the partial checksum first.
 */
public final class PartialChecksum {
    /** Where the checksum field sits in each transport header (RFC 9293 3.1, RFC 768). */
    private static final int TCP_CHECKSUM = 16;
    private static final int UDP_CHECKSUM = 6;

    private PartialChecksum() {
    }

    /** Offset of the checksum field in the header of {@code protocol}, or -1 when it has none this class handles. */
    public static int fieldOffset(int protocol) {
        return switch (protocol) {
            case Ipv4Packet.PROTO_TCP -> TCP_CHECKSUM;
            case Ipv4Packet.PROTO_UDP -> UDP_CHECKSUM;
            default -> -1;
        };
    }

    /**
     * Computes the checksum of the transport segment of {@code protocol} in {@code b} at
     * {@code off} for {@code len} bytes over the pseudo header of {@code src}/{@code dst}, and
     * stores it. UDP's computed zero is stored as 0xffff (RFC 768).
     */
    public static void fill(ByteBuffer b, int off, int len, int src, int dst, int protocol) {
        int field = fieldOffset(protocol);
        if (field < 0 || len < field + 2) {
            return;
        }
        b.putShort(off + field, (short) 0);
        int c = Checksum.finish(Checksum.add(Checksum.pseudoHeader(src, dst, protocol, len), b, off, len));
        if (c == 0 && protocol == Ipv4Packet.PROTO_UDP) {
            c = 0xffff;
        }
        b.putShort(off + field, (short) c);
    }

    /** Writes the partial mark (a zero checksum) into the segment of {@code protocol} at {@code off}. */
    public static void mark(ByteBuffer b, int off, int len, int protocol) {
        int field = fieldOffset(protocol);
        if (field >= 0 && len >= field + 2) {
            b.putShort(off + field, (short) 0);
        }
    }

    /**
     * Completes the checksum of the IPv4 datagram at {@code b}'s position when it carries the
     * partial mark: unfragmented TCP or UDP with a zero checksum. Anything malformed, fragmented
     * or of another protocol is left alone. Writes into {@code b}.
     *
     * @return whether the datagram carried the mark
     */
    public static boolean complete(ByteBuffer b) {
        int off = b.position();
        int field = transportField(b, off, b.remaining());
        if (field < 0 || b.getShort(field) != 0) {
            return false;
        }
        Ipv4Packet p = new Ipv4Packet(b);
        int hl = p.headerLength();
        fill(b, off + hl, p.totalLength() - hl, p.src(), p.dst(), p.protocol());
        return true;
    }

    /** Whether the Ethernet frame at {@code frame}'s position holds an IPv4 datagram with the partial mark. */
    public static boolean isPartialFrame(ByteBuffer frame) {
        int off = frame.position();
        if (frame.remaining() < EthernetFrame.HEADER_LEN || (frame.getShort(off + 12) & 0xffff) != EthernetFrame.ETHERTYPE_IPV4) {
            return false;
        }
        int field = transportField(frame, off + EthernetFrame.HEADER_LEN, frame.remaining() - EthernetFrame.HEADER_LEN);
        return field >= 0 && frame.getShort(field) == 0;
    }

    /** Completes a partial checksum in the Ethernet frame at {@code frame}'s position (which must be writable). */
    public static boolean completeFrame(ByteBuffer frame) {
        if (!isPartialFrame(frame)) {
            return false;
        }
        return complete(frame.duplicate().position(frame.position() + EthernetFrame.HEADER_LEN).limit(frame.limit()));
    }

    /**
     * Makes the frame at {@code frame}'s position safe to damage: a partial checksum is
     * completed, and a TCP checksum that is (correctly) zero becomes 0xffff, so that after a
     * bit flip the receiver verifies the checksum instead of trusting the mark.
     */
    public static void completeForDamage(ByteBuffer frame) {
        int off = frame.position();
        if (frame.remaining() < EthernetFrame.HEADER_LEN || (frame.getShort(off + 12) & 0xffff) != EthernetFrame.ETHERTYPE_IPV4) {
            return;
        }
        completeFrame(frame);
        int ip = off + EthernetFrame.HEADER_LEN;
        int field = transportField(frame, ip, frame.remaining() - EthernetFrame.HEADER_LEN);
        if (field >= 0 && frame.getShort(field) == 0 && (frame.get(ip + 9) & 0xff) == Ipv4Packet.PROTO_TCP) {
            frame.putShort(field, (short) 0xffff);
        }
    }

    /**
     * The absolute index of the transport checksum field of the IPv4 datagram at {@code off}
     * ({@code len} bytes available), or -1 unless it is a well-formed unfragmented TCP or UDP
     * datagram long enough to hold the field.
     */
    private static int transportField(ByteBuffer b, int off, int len) {
        if (len < Ipv4Packet.HEADER_LEN) {
            return -1;
        }
        int verIhl = b.get(off) & 0xff;
        int hl = (verIhl & 0x0f) * 4;
        int total = b.getShort(off + 2) & 0xffff;
        int frag = b.getShort(off + 6) & 0xffff;
        int field = fieldOffset(b.get(off + 9) & 0xff);
        if ((verIhl >>> 4) != 4 || hl < Ipv4Packet.HEADER_LEN || total > len || total < hl + field + 2 || field < 0
                || (frag & (Ipv4Packet.FLAG_MF | 0x1fff)) != 0) {
            return -1;
        }
        return off + hl + field;
    }
}
