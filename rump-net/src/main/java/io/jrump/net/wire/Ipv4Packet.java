package io.jrump.net.wire;

import io.jrump.dev.net.Checksum;
import java.nio.ByteBuffer;

/**
 * A zero-copy view of an IPv4 datagram (RFC 791 section 3.1). Options are not interpreted:
 * the payload starts after the header length the packet states, so any options are skipped,
 * and {@link #check()} makes sure that length lies inside the packet. The view is bounded by
 * the buffer; after {@code check()} the packet is bounded by its total length, so Ethernet
 * padding after it is ignored.
 */
public final class Ipv4Packet {
    public static final int HEADER_LEN = 20;
    public static final int MAX_LENGTH = 65535;
    public static final int FLAG_DF = 0x4000;
    public static final int FLAG_MF = 0x2000;
    /** Fragment offsets count 8-byte units (RFC 791). */
    public static final int FRAGMENT_UNIT = 8;
    /** RFC 1122 3.2.1.7 recommends a default TTL of at least 64 hops, as Linux and NetBSD use. */
    public static final int DEFAULT_TTL = 64;
    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;

    private static final int VER_IHL = 0;
    private static final int TOS = 1;
    private static final int TOTAL_LEN = 2;
    private static final int IDENT = 4;
    private static final int FLAGS_FRAG = 6;
    private static final int TTL = 8;
    private static final int PROTOCOL = 9;
    private static final int CHECKSUM = 10;
    private static final int SRC = 12;
    private static final int DST = 16;

    private final ByteBuffer buf;
    private final int off;
    private final int len;

    /** A view from the buffer's position to its limit. */
    public Ipv4Packet(ByteBuffer buf) {
        this.buf = buf;
        this.off = buf.position();
        this.len = buf.remaining();
    }

    /** Validates the header; on success the packet's bytes are {@code [0, totalLength())} of the view. */
    public void check() throws WireException {
        if (len < HEADER_LEN) {
            throw new WireException("truncated", len + " bytes is shorter than an IPv4 header");
        }
        if (version() != 4) {
            throw new WireException("bad_version", "version " + version());
        }
        int hl = headerLength();
        if (hl < HEADER_LEN) {
            throw new WireException("bad_header_length", "header length " + hl + " is below 20");
        }
        if (hl > len) {
            throw new WireException("bad_header_length", "header length " + hl + " exceeds the " + len + " bytes received");
        }
        int total = totalLength();
        if (total < hl) {
            throw new WireException("bad_total_length", "total length " + total + " is less than the header length " + hl);
        }
        if (total > len) {
            throw new WireException("truncated", "total length " + total + " exceeds the " + len + " bytes received");
        }
        if (Checksum.of(buf, off, hl) != 0) {
            throw new WireException("bad_checksum", "header checksum 0x" + Integer.toHexString(checksum()));
        }
        if (fragmentOffset() + (total - hl) > MAX_LENGTH) {
            throw new WireException("bad_fragment", "fragment at " + fragmentOffset() + " ends past 65535 bytes");
        }
    }

    public int version() {
        return Bytes.u8(buf, off + VER_IHL) >>> 4;
    }

    /** Header length in bytes (IHL times 4). */
    public int headerLength() {
        return (Bytes.u8(buf, off + VER_IHL) & 0x0f) * 4;
    }

    public int tos() {
        return Bytes.u8(buf, off + TOS);
    }

    public int totalLength() {
        return Bytes.u16(buf, off + TOTAL_LEN);
    }

    public int ident() {
        return Bytes.u16(buf, off + IDENT);
    }

    public boolean dontFragment() {
        return (Bytes.u16(buf, off + FLAGS_FRAG) & FLAG_DF) != 0;
    }

    public boolean moreFragments() {
        return (Bytes.u16(buf, off + FLAGS_FRAG) & FLAG_MF) != 0;
    }

    /** Offset of this fragment's data in the original datagram, in bytes. */
    public int fragmentOffset() {
        return (Bytes.u16(buf, off + FLAGS_FRAG) & 0x1fff) * FRAGMENT_UNIT;
    }

    public boolean isFragment() {
        return moreFragments() || fragmentOffset() != 0;
    }

    public int ttl() {
        return Bytes.u8(buf, off + TTL);
    }

    public int protocol() {
        return Bytes.u8(buf, off + PROTOCOL);
    }

    public int checksum() {
        return Bytes.u16(buf, off + CHECKSUM);
    }

    public int src() {
        return Bytes.u32(buf, off + SRC);
    }

    public int dst() {
        return Bytes.u32(buf, off + DST);
    }

    /** The payload (after header and options, up to the total length) as a new buffer sharing content. */
    public ByteBuffer payload() {
        int hl = headerLength();
        return buf.slice(off + hl, totalLength() - hl);
    }

    /** The whole datagram (header to total length) as a new buffer sharing content. */
    public ByteBuffer datagram() {
        return buf.slice(off, totalLength());
    }

    /** Lowers the TTL by one and patches the checksum (RFC 1624 incremental update, eqn. 3). */
    public void decrementTtl() {
        int oldWord = Bytes.u16(buf, off + TTL);
        Bytes.put8(buf, off + TTL, ttl() - 1);
        int newWord = Bytes.u16(buf, off + TTL);
        long sum = (~checksum() & 0xffff) + (~oldWord & 0xffff) + newWord;
        Bytes.put16(buf, off + CHECKSUM, Checksum.finish(sum));
    }

    /**
     * Writes a 20-byte header without options at {@code index}, checksum included; returns the
     * header length. {@code flagsAndOffset} holds DF/MF and the offset in bytes (a multiple of 8).
     */
    public static int emitHeader(ByteBuffer b, int index, int tos, int totalLength, int ident, int flags, int fragmentOffsetBytes,
            int ttl, int protocol, int src, int dst) {
        Bytes.put8(b, index + VER_IHL, 0x45);
        Bytes.put8(b, index + TOS, tos);
        Bytes.put16(b, index + TOTAL_LEN, totalLength);
        Bytes.put16(b, index + IDENT, ident);
        Bytes.put16(b, index + FLAGS_FRAG, (flags & (FLAG_DF | FLAG_MF)) | (fragmentOffsetBytes / FRAGMENT_UNIT));
        Bytes.put8(b, index + TTL, ttl);
        Bytes.put8(b, index + PROTOCOL, protocol);
        Bytes.put16(b, index + CHECKSUM, 0);
        Bytes.put32(b, index + SRC, src);
        Bytes.put32(b, index + DST, dst);
        // the sum of the header's 16-bit words from the values just written (RFC 1071), rather
        // than read back: this runs for every datagram sent
        long sum = 0x4500L + (tos & 0xff) + (totalLength & 0xffff) + (ident & 0xffff)
                + ((flags & (FLAG_DF | FLAG_MF)) | (fragmentOffsetBytes / FRAGMENT_UNIT))
                + ((ttl & 0xff) << 8) + (protocol & 0xff)
                + (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff);
        Bytes.put16(b, index + CHECKSUM, Checksum.finish(sum));
        return HEADER_LEN;
    }
}
