package io.jrump.platform.host;

import io.jrump.dev.net.Checksum;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The {@code struct virtio_net_hdr} that precedes every frame on a TAP opened with
 * {@code IFF_VNET_HDR}: how a frame's checksum and segmentation work is handed across the
 * host boundary, in both directions.
 *
 * <p>Layout and constants from Linux {@code include/uapi/linux/virtio_net.h} (also OASIS
 * virtio 1.2, 5.1.6): {@code u8 flags; u8 gso_type; u16 hdr_len; u16 gso_size;
 * u16 csum_start; u16 csum_offset;} (10 bytes). A TAP uses the legacy layout, so the 16-bit
 * fields are in the host's byte order unless TUNSETVNETLE/BE says otherwise.
 *
 * <p><b>Sending.</b> jrump's stack marks a TCP or UDP checksum it left to the device with a
 * zero field (the <em>partial</em> mark, see rump-net's {@code PartialChecksum}), and with
 * segmentation offload sends TCP datagrams up to 64 KiB whatever the MTU. Linux wants the
 * same work described as {@code NEEDS_CSUM} with {@code csum_start}/{@code csum_offset} and the
 * checksum field holding the pseudo-header sum (not complemented, over the whole TCP length,
 * as Linux's own {@code __tcp_v4_send_check} leaves it), and for a large segment
 * {@code gso_type TCPV4} with {@code gso_size}, the payload per wire segment, and
 * {@code hdr_len}. The device knows no MSS, so {@code gso_size} is what fits the device's MTU
 * after this segment's IPv4 and TCP headers: the size jrump's TCP itself uses when its peer
 * is on this link (its MSS then comes from the same MTU).
 *
 * <p><b>Receiving.</b> Linux hands over frames whose checksum it left undone
 * ({@code NEEDS_CSUM}: the field holds the pseudo-header sum), frames it has verified
 * ({@code DATA_VALID}) and large frames it did not segment (GRO'd or TSO'd; these the stack
 * takes whole when the device offers segmentation). When the device offers RX checksum
 * offload, an IPv4 TCP or UDP frame of either kind gets the partial mark (a zero field), which
 * the stack then trusts instead of verifying; any other {@code NEEDS_CSUM} frame is completed
 * here, as Linux's {@code skb_checksum_help} would. A frame with neither flag came off a
 * wire unverified: a zero TCP checksum on it is rewritten to its ones'-complement twin 0xffff,
 * so the stack verifies it rather than trusting a mark nobody set.
 *
 * <p>The same header begins every frame of a virtio-net device (rump-arm's driver), where
 * virtio 1.x makes the fields little-endian whatever the host: the public methods take the
 * byte order of the fields.
 */
public final class VirtioNetHeader {
    /** Size of {@code struct virtio_net_hdr}; set with TUNSETVNETHDRSZ. */
    public static final int SIZE = 10;
    public static final int F_NEEDS_CSUM = 1;
    public static final int F_DATA_VALID = 2;
    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_ECN = 0x80;

    /** Ethernet II, IPv4 (RFC 791), TCP (RFC 9293 3.1) and UDP (RFC 768) offsets used here. */
    private static final int ETH_HLEN = 14;
    private static final int ETHERTYPE_OFF = 12;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int IP_TOTAL_LEN = 2;
    private static final int IP_FRAG = 6;
    private static final int IP_PROTO = 9;
    private static final int IP_SRC = 12;
    private static final int IP_MF_AND_OFFSET = 0x3fff;
    private static final int PROTO_TCP = 6;
    private static final int PROTO_UDP = 17;
    private static final int TCP_CHECKSUM = 16;
    private static final int TCP_OFFSET_BYTE = 12;
    private static final int TCP_FLAGS_BYTE = 13;
    private static final int TCP_CWR = 0x80;
    private static final int UDP_CHECKSUM = 6;

    /** A TAP's header fields: the host's byte order. */
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private VirtioNetHeader() {
    }

    /**
     * Writes the header for the frame at {@code frame} ({@code len} bytes) in {@code b} at
     * {@code hdr}, and for an offloaded checksum rewrites the frame's checksum field to the
     * pseudo-header sum. With {@code offload} false the header is all zero.
     *
     * @param mtu the device's MTU, the bound of a segment on the wire
     * @return the {@code gso_type} written
     */
    static int forTransmit(ByteBuffer b, int hdr, int frame, int len, int mtu, boolean offload) {
        return forTransmit(b, hdr, frame, len, mtu, offload, NATIVE);
    }

    /** {@link #forTransmit(ByteBuffer, int, int, int, int, boolean)} with the header's fields in {@code fields} order. */
    public static int forTransmit(ByteBuffer b, int hdr, int frame, int len, int mtu, boolean offload, ByteOrder fields) {
        for (int i = 0; i < SIZE; i++) {
            b.put(hdr + i, (byte) 0);
        }
        int ip = frame + ETH_HLEN;
        int ihl = offload ? ipv4HeaderLength(b, frame, len) : -1;
        if (ihl < 0) {
            return GSO_NONE;
        }
        int total = b.getShort(ip + IP_TOTAL_LEN) & 0xffff;
        int proto = b.get(ip + IP_PROTO) & 0xff;
        int l4 = ip + ihl;
        int l4len = total - ihl;
        int field = checksumField(proto);
        if (field < 0 || l4len < field + 2) {
            return GSO_NONE;
        }
        int gso = GSO_NONE;
        if (proto == PROTO_TCP && total > mtu && l4len >= 20) {
            int thl = ((b.get(l4 + TCP_OFFSET_BYTE) & 0xff) >>> 4) * 4;
            int segment = mtu - ihl - thl;
            if (thl >= 20 && thl <= l4len && segment > 0) {
                gso = GSO_TCPV4 | ((b.get(l4 + TCP_FLAGS_BYTE) & TCP_CWR) != 0 ? GSO_ECN : 0);
                putField(b, hdr + 2, ETH_HLEN + ihl + thl, fields);
                putField(b, hdr + 4, segment, fields);
            }
        }
        boolean partial = b.getShort(l4 + field) == 0;
        if (!partial && gso == GSO_NONE) {
            return GSO_NONE; // checksum complete: nothing for the host to do
        }
        b.put(hdr, (byte) F_NEEDS_CSUM);
        b.put(hdr + 1, (byte) gso);
        putField(b, hdr + 6, l4 - frame, fields);
        putField(b, hdr + 8, field, fields);
        b.putShort(l4 + field, (short) Checksum.fold(pseudoHeader(b, ip, proto, l4len)));
        return gso;
    }

    /**
     * Turns the header of a received frame into what the stack expects (see the class note)
     * and reports whether the frame is usable. {@code trusted}: the device offers RX checksum
     * offload, so a partial mark on the frame is believed.
     *
     * @return false for a header that points outside the frame: drop it
     */
    static boolean onReceive(ByteBuffer b, int hdr, int frame, int len, boolean trusted) {
        return onReceive(b, hdr, frame, len, trusted, NATIVE);
    }

    /** {@link #onReceive(ByteBuffer, int, int, int, boolean)} with the header's fields in {@code fields} order. */
    public static boolean onReceive(ByteBuffer b, int hdr, int frame, int len, boolean trusted, ByteOrder fields) {
        int flags = b.get(hdr) & 0xff;
        int ihl = ipv4HeaderLength(b, frame, len);
        int markAt = -1;
        if (ihl >= 0) {
            int ip = frame + ETH_HLEN;
            int field = checksumField(b.get(ip + IP_PROTO) & 0xff);
            int l4len = (b.getShort(ip + IP_TOTAL_LEN) & 0xffff) - ihl;
            if (field >= 0 && l4len >= field + 2) {
                markAt = ip + ihl + field;
            }
        }
        if ((flags & F_NEEDS_CSUM) != 0) {
            int start = getField(b, hdr + 6, fields);
            int offset = getField(b, hdr + 8, fields);
            if (start + offset + 2 > len) {
                return false;
            }
            if (trusted && markAt == frame + start + offset) {
                b.putShort(markAt, (short) 0);
            } else {
                int c = Checksum.of(b, frame + start, len - start);
                b.putShort(frame + start + offset, (short) (c == 0 ? 0xffff : c));
            }
        } else if (markAt >= 0) {
            if ((flags & F_DATA_VALID) != 0 && trusted) {
                b.putShort(markAt, (short) 0);
            } else if (b.getShort(markAt) == 0 && b.get(frame + ETH_HLEN + IP_PROTO) == PROTO_TCP) {
                b.putShort(markAt, (short) 0xffff);
            }
        }
        return true;
    }

    /**
     * The IPv4 header length of the frame at {@code frame} when it holds a whole, unfragmented
     * IPv4 datagram (a header that fits, a total length within the frame); -1 otherwise.
     */
    private static int ipv4HeaderLength(ByteBuffer b, int frame, int len) {
        if (len < ETH_HLEN + 20 || (b.getShort(frame + ETHERTYPE_OFF) & 0xffff) != ETHERTYPE_IPV4) {
            return -1;
        }
        int ip = frame + ETH_HLEN;
        int vihl = b.get(ip) & 0xff;
        int ihl = (vihl & 0xf) * 4;
        int total = b.getShort(ip + IP_TOTAL_LEN) & 0xffff;
        if (vihl >>> 4 != 4 || ihl < 20 || total < ihl || total > len - ETH_HLEN
                || (b.getShort(ip + IP_FRAG) & IP_MF_AND_OFFSET) != 0) {
            return -1;
        }
        return ihl;
    }

    private static int checksumField(int proto) {
        return proto == PROTO_TCP ? TCP_CHECKSUM : proto == PROTO_UDP ? UDP_CHECKSUM : -1;
    }

    /** The ones'-complement sum of the IPv4 pseudo header (RFC 9293 3.1) of the datagram at {@code ip}, unfolded. */
    private static long pseudoHeader(ByteBuffer b, int ip, int proto, int l4len) {
        return Checksum.pseudoHeader(b.getInt(ip + IP_SRC), b.getInt(ip + IP_SRC + 4), proto, l4len);
    }

    private static void putField(ByteBuffer b, int at, int v, ByteOrder fields) {
        short s = (short) v;
        b.putShort(at, b.order() == fields ? s : Short.reverseBytes(s));
    }

    private static int getField(ByteBuffer b, int at, ByteOrder fields) {
        short s = b.getShort(at);
        return (b.order() == fields ? s : Short.reverseBytes(s)) & 0xffff;
    }

    static int getNative(ByteBuffer b, int at) {
        return getField(b, at, NATIVE);
    }
}
