package io.jrump.net.wire;

import java.nio.ByteBuffer;

/**
 * A zero-copy view of an Ethernet II frame (IEEE 802.3 with an EtherType, RFC 894 for IPv4):
 * destination and source MAC, EtherType, payload. The view covers the buffer from its position
 * to its limit when the view was made; the buffer's own position and limit are never moved.
 *
 * <p>MAC addresses travel as the low 48 bits of a {@code long}, which makes them cheap map keys.
 */
public final class EthernetFrame {
    public static final int HEADER_LEN = 14;
    /** Shortest frame on the wire without the FCS (IEEE 802.3 ETH_ZLEN); shorter frames are padded. */
    public static final int MIN_FRAME_LEN = 60;
    /** EtherType values from the IEEE registry (RFC 894 for IPv4, RFC 826 for ARP). */
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_ARP = 0x0806;
    /** Smallest EtherType; lower values are IEEE 802.3 length fields, not Ethernet II. */
    public static final int MIN_ETHERTYPE = 0x0600;
    public static final long BROADCAST = 0xffff_ffff_ffffL;

    private static final int DST = 0;
    private static final int SRC = 6;
    private static final int TYPE = 12;

    private final ByteBuffer buf;
    private final int off;
    private final int len;

    public EthernetFrame(ByteBuffer buf) {
        this.buf = buf;
        this.off = buf.position();
        this.len = buf.remaining();
    }

    /** Rejects frames too short for a header and IEEE 802.3 length-field frames. */
    public void check() throws WireException {
        if (len < HEADER_LEN) {
            throw new WireException("truncated", "frame of " + len + " bytes is shorter than the 14-byte Ethernet header");
        }
        if (etherType() < MIN_ETHERTYPE) {
            throw new WireException("not_ethernet_ii", "type/length field " + etherType() + " is an 802.3 length");
        }
    }

    public long dst() {
        return readMac(buf, off + DST);
    }

    public long src() {
        return readMac(buf, off + SRC);
    }

    public int etherType() {
        return Bytes.u16(buf, off + TYPE);
    }

    public int length() {
        return len;
    }

    /** The payload as a new buffer sharing content, position 0, limit at the frame's end. */
    public ByteBuffer payload() {
        return buf.slice(off + HEADER_LEN, len - HEADER_LEN);
    }

    /** Writes a header at {@code index}; returns the header length. */
    public static int emitHeader(ByteBuffer b, int index, long dst, long src, int etherType) {
        writeMac(b, index + DST, dst);
        writeMac(b, index + SRC, src);
        Bytes.put16(b, index + TYPE, etherType);
        return HEADER_LEN;
    }

    public static boolean isMulticast(long mac) {
        return (mac & 0x0100_0000_0000L) != 0;
    }

    static long readMac(ByteBuffer b, int i) {
        return ((long) Bytes.u16(b, i) << 32) | (Bytes.u32(b, i + 2) & 0xffff_ffffL);
    }

    static void writeMac(ByteBuffer b, int i, long mac) {
        Bytes.put16(b, i, (int) (mac >>> 32));
        Bytes.put32(b, i + 2, (int) mac);
    }

    /** A MAC as a long from its six bytes. */
    public static long mac(byte[] six) {
        if (six.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, not " + six.length);
        }
        long m = 0;
        for (byte x : six) {
            m = (m << 8) | (x & 0xff);
        }
        return m;
    }

    public static byte[] macBytes(long mac) {
        byte[] b = new byte[6];
        for (int i = 5; i >= 0; i--) {
            b[i] = (byte) mac;
            mac >>>= 8;
        }
        return b;
    }

    /** "02:00:00:00:00:01". */
    public static String formatMac(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            if (sb.length() > 0) {
                sb.append(':');
            }
            int v = (int) (mac >>> shift) & 0xff;
            sb.append(Character.forDigit(v >> 4, 16)).append(Character.forDigit(v & 15, 16));
        }
        return sb.toString();
    }
}
