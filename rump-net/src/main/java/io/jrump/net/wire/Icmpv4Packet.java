package io.jrump.net.wire;

import io.jrump.dev.net.Checksum;
import java.nio.ByteBuffer;

/**
 * A zero-copy view of an ICMP message (RFC 792): type, code, checksum over the whole message,
 * four bytes whose meaning depends on the type (identifier and sequence number for echo), then
 * data. For error messages the data quotes the offending datagram's IP header and at least its
 * first 8 payload bytes (RFC 1122 3.2.2 allows more).
 */
public final class Icmpv4Packet {
    public static final int HEADER_LEN = 8;
    /** Message types of RFC 792. */
    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DEST_UNREACHABLE = 3;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_TIME_EXCEEDED = 11;
    public static final int TYPE_PARAMETER_PROBLEM = 12;
    /** Destination-unreachable codes of RFC 792 (4 from RFC 1191). */
    public static final int CODE_NET_UNREACHABLE = 0;
    public static final int CODE_HOST_UNREACHABLE = 1;
    public static final int CODE_PROTOCOL_UNREACHABLE = 2;
    public static final int CODE_PORT_UNREACHABLE = 3;
    public static final int CODE_FRAG_NEEDED = 4;
    /** Time-exceeded codes. */
    public static final int CODE_TTL_EXCEEDED = 0;
    public static final int CODE_REASSEMBLY_EXCEEDED = 1;

    private static final int TYPE = 0;
    private static final int CODE = 1;
    private static final int CHECKSUM = 2;
    private static final int REST = 4;

    private final ByteBuffer buf;
    private final int off;
    private final int len;

    /** A view from the buffer's position to its limit (the whole IP payload). */
    public Icmpv4Packet(ByteBuffer buf) {
        this.buf = buf;
        this.off = buf.position();
        this.len = buf.remaining();
    }

    public void check() throws WireException {
        if (len < HEADER_LEN) {
            throw new WireException("truncated", "ICMP message of " + len + " bytes, need 8");
        }
        if (Checksum.of(buf, off, len) != 0) {
            throw new WireException("bad_checksum", "ICMP checksum 0x" + Integer.toHexString(checksum()));
        }
    }

    /** Whether the type carries a quoted datagram (RFC 792 errors). */
    public boolean isError() {
        int t = type();
        return t == TYPE_DEST_UNREACHABLE || t == TYPE_TIME_EXCEEDED || t == TYPE_PARAMETER_PROBLEM || t == 4 || t == 5;
    }

    public int type() {
        return Bytes.u8(buf, off + TYPE);
    }

    public int code() {
        return Bytes.u8(buf, off + CODE);
    }

    public int checksum() {
        return Bytes.u16(buf, off + CHECKSUM);
    }

    /** Echo identifier (RFC 792 echo messages). */
    public int echoId() {
        return Bytes.u16(buf, off + REST);
    }

    public int echoSequence() {
        return Bytes.u16(buf, off + REST + 2);
    }

    /** The "next-hop MTU" of fragmentation-needed messages (RFC 1191). */
    public int nextHopMtu() {
        return Bytes.u16(buf, off + REST + 2);
    }

    public int length() {
        return len;
    }

    /** What follows the 8-byte header (echo data, or the quoted datagram of an error). */
    public ByteBuffer data() {
        return buf.slice(off + HEADER_LEN, len - HEADER_LEN);
    }

    /**
     * Writes a header at {@code index} in front of {@code dataLength} bytes already in place
     * after it, and fills the checksum over header and data; returns the message length.
     */
    public static int emit(ByteBuffer b, int index, int type, int code, int rest, int dataLength) {
        Bytes.put8(b, index + TYPE, type);
        Bytes.put8(b, index + CODE, code);
        Bytes.put16(b, index + CHECKSUM, 0);
        Bytes.put32(b, index + REST, rest);
        int total = HEADER_LEN + dataLength;
        Bytes.put16(b, index + CHECKSUM, Checksum.of(b, index, total));
        return total;
    }

    /** Recomputes the checksum of a message of {@code length} bytes at {@code index}. */
    public static void fillChecksum(ByteBuffer b, int index, int length) {
        Bytes.put16(b, index + CHECKSUM, 0);
        Bytes.put16(b, index + CHECKSUM, Checksum.of(b, index, length));
    }
}
