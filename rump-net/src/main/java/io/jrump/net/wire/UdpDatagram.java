package io.jrump.net.wire;

import io.jrump.dev.net.Checksum;
import java.nio.ByteBuffer;

/**
 * A zero-copy view of a UDP datagram (RFC 768): ports, length, checksum over a pseudo header,
 * data. A zero checksum means the sender computed none; a computed checksum of zero is sent as
 * 0xffff (its ones'-complement twin).
 */
public final class UdpDatagram {
    public static final int HEADER_LEN = 8;

    private static final int SRC_PORT = 0;
    private static final int DST_PORT = 2;
    private static final int LENGTH = 4;
    private static final int CHECKSUM = 6;

    private final ByteBuffer buf;
    private final int off;
    private final int len;

    /** A view from the buffer's position to its limit (the whole IP payload). */
    public UdpDatagram(ByteBuffer buf) {
        this.buf = buf;
        this.off = buf.position();
        this.len = buf.remaining();
    }

    /** Validates lengths and, when present, the checksum over the pseudo header of {@code src}/{@code dst}. */
    public void check(int src, int dst) throws WireException {
        if (len < HEADER_LEN) {
            throw new WireException("truncated", "UDP datagram of " + len + " bytes, need 8");
        }
        int l = length();
        if (l < HEADER_LEN) {
            throw new WireException("bad_length", "UDP length " + l + " is below 8");
        }
        if (l > len) {
            throw new WireException("bad_length", "UDP length " + l + " exceeds the " + len + " bytes received");
        }
        if (checksum() != 0) {
            long sum = Checksum.add(Checksum.pseudoHeader(src, dst, Ipv4Packet.PROTO_UDP, l), buf, off, l);
            if (Checksum.finish(sum) != 0) {
                throw new WireException("bad_checksum", "UDP checksum 0x" + Integer.toHexString(checksum()));
            }
        }
        if (dstPort() == 0) {
            throw new WireException("bad_port", "destination port 0");
        }
    }

    public int srcPort() {
        return Bytes.u16(buf, off + SRC_PORT);
    }

    public int dstPort() {
        return Bytes.u16(buf, off + DST_PORT);
    }

    public int length() {
        return Bytes.u16(buf, off + LENGTH);
    }

    public int checksum() {
        return Bytes.u16(buf, off + CHECKSUM);
    }

    /** The data, bounded by the UDP length field, as a new buffer sharing content. */
    public ByteBuffer data() {
        return buf.slice(off + HEADER_LEN, length() - HEADER_LEN);
    }

    /**
     * Writes a header at {@code index} in front of {@code dataLength} bytes already in place
     * after it, with the checksum over the pseudo header; returns the datagram length.
     */
    public static int emit(ByteBuffer b, int index, int src, int srcPort, int dst, int dstPort, int dataLength) {
        int l = emitHeader(b, index, srcPort, dstPort, dataLength);
        int c = Checksum.finish(Checksum.add(Checksum.pseudoHeader(src, dst, Ipv4Packet.PROTO_UDP, l), b, index, l));
        Bytes.put16(b, index + CHECKSUM, c == 0 ? 0xffff : c);
        return l;
    }

    /** Writes a header with a zero checksum (to be filled by {@link PartialChecksum} or the device); returns the datagram length. */
    public static int emitHeader(ByteBuffer b, int index, int srcPort, int dstPort, int dataLength) {
        int l = HEADER_LEN + dataLength;
        Bytes.put16(b, index + SRC_PORT, srcPort);
        Bytes.put16(b, index + DST_PORT, dstPort);
        Bytes.put16(b, index + LENGTH, l);
        Bytes.put16(b, index + CHECKSUM, 0);
        return l;
    }
}
