package io.jrump.xen.net;

import io.jrump.dev.net.Checksum;
import java.nio.ByteBuffer;

/**
 * The checksum work netif's flags hand across the ring, on whole Ethernet frames at index 0
 * of a buffer. {@code NETTXF_csum_blank} / {@code NETRXF_csum_blank} mean, as in Linux's
 * {@code CHECKSUM_PARTIAL}, that the TCP or UDP checksum field holds only the IPv4
 * pseudo-header sum (folded, not complemented) and whoever puts the frame on a wire completes
 * it. jrump's stack marks the same state differently: a zero field (rump-net's
 * {@code PartialChecksum}), trusted only on a device that offers {@code RX_CHECKSUM}. This
 * class converts between the two and completes checksums.
 *
 * <p>Sums per RFC 1071 ({@link Checksum}); the pseudo header per RFC 9293 3.1 (TCP) and RFC 768
 * (UDP); IPv4 fields per RFC 791.
 */
final class NetChecksum {
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int IP = Netif.ETH_HEADER;
    private static final int IP_TOTAL_LEN = 2;
    private static final int IP_FRAG = 6;
    private static final int IP_PROTO = 9;
    private static final int IP_SRC = 12;
    private static final int IP_MF_AND_OFFSET = 0x3fff;
    static final int PROTO_TCP = 6;
    static final int PROTO_UDP = 17;
    private static final int TCP_CHECKSUM = 16;
    private static final int TCP_OFFSET_BYTE = 12;
    private static final int UDP_CHECKSUM = 6;

    private NetChecksum() {
    }

    /** The IPv4 header length of a whole, unfragmented IPv4 datagram in the frame, or -1. */
    static int ipv4HeaderLength(ByteBuffer f, int len) {
        if (len < IP + 20 || (f.getShort(12) & 0xffff) != ETHERTYPE_IPV4) {
            return -1;
        }
        int vihl = f.get(IP) & 0xff;
        int ihl = (vihl & 0xf) * 4;
        int total = f.getShort(IP + IP_TOTAL_LEN) & 0xffff;
        if (vihl >>> 4 != 4 || ihl < 20 || total < ihl || total > len - IP || (f.getShort(IP + IP_FRAG) & IP_MF_AND_OFFSET) != 0) {
            return -1;
        }
        return ihl;
    }

    /** The offset of the frame's TCP or UDP checksum field, or -1 when it has none this class can handle. */
    static int field(ByteBuffer f, int len) {
        int ihl = ipv4HeaderLength(f, len);
        if (ihl < 0) {
            return -1;
        }
        int proto = f.get(IP + IP_PROTO) & 0xff;
        int field = proto == PROTO_TCP ? TCP_CHECKSUM : proto == PROTO_UDP ? UDP_CHECKSUM : -1;
        int l4len = (f.getShort(IP + IP_TOTAL_LEN) & 0xffff) - ihl;
        return field < 0 || l4len < field + 2 ? -1 : IP + ihl + field;
    }

    /** Whether the frame is a whole IPv4 TCP segment (what {@code XEN_NETIF_GSO_TYPE_TCPV4} may describe). */
    static boolean isTcpv4(ByteBuffer f, int len) {
        int ihl = ipv4HeaderLength(f, len);
        return ihl >= 0 && (f.get(IP + IP_PROTO) & 0xff) == PROTO_TCP && (f.getShort(IP + IP_TOTAL_LEN) & 0xffff) - ihl >= 20;
    }

    /** The TCP payload per wire segment of a TCPv4 frame sent as GSO on a link of {@code mtu}: what fits after its headers. */
    static int mss(ByteBuffer f, int mtu) {
        int ihl = ipv4HeaderLength(f, f.limit());
        int thl = ((f.get(IP + ihl + TCP_OFFSET_BYTE) & 0xff) >>> 4) * 4;
        return mtu - ihl - thl;
    }

    /** The pseudo-header sum (folded, not complemented): what a {@code csum_blank} frame's field holds. */
    static int pseudo(ByteBuffer f, int len) {
        return Checksum.fold(pseudoSum(f, len));
    }

    /** The checksum of a frame whose field is zero (jrump's partial mark): what the field should hold on a wire. */
    static int computed(ByteBuffer f, int len) {
        int ihl = ipv4HeaderLength(f, len);
        int l4len = (f.getShort(IP + IP_TOTAL_LEN) & 0xffff) - ihl;
        int c = Checksum.finish(Checksum.add(pseudoSum(f, len), f, IP + ihl, l4len));
        return c == 0 ? 0xffff : c;
    }

    /**
     * Completes a {@code csum_blank} frame whose field at {@code at} holds the pseudo-header
     * sum: the field becomes the checksum (0xffff for a zero result, which UDP reserves and
     * jrump's stack reads as "partial").
     */
    static void complete(ByteBuffer f, int len, int at) {
        int ihl = ipv4HeaderLength(f, len);
        int l4len = (f.getShort(IP + IP_TOTAL_LEN) & 0xffff) - ihl;
        int c = Checksum.of(f, IP + ihl, l4len);
        f.putShort(at, (short) (c == 0 ? 0xffff : c));
    }

    private static long pseudoSum(ByteBuffer f, int len) {
        int ihl = ipv4HeaderLength(f, len);
        int l4len = (f.getShort(IP + IP_TOTAL_LEN) & 0xffff) - ihl;
        return Checksum.pseudoHeader(f.getInt(IP + IP_SRC), f.getInt(IP + IP_SRC + 4), f.get(IP + IP_PROTO) & 0xff, l4len);
    }
}
