package io.jrump.net.wire;

import io.jrump.dev.net.Checksum;
import java.nio.ByteBuffer;

/**
 * A zero-copy view of a TCP segment (RFC 9293 section 3.1): the header fields, the options
 * area and the payload of the bytes from a buffer's position to its limit when the view was
 * made. Getters read and setters write the buffer in place, so the same class parses what
 * arrives and fills in what leaves.
 *
 * <p>{@link #check} validates lengths, the data offset and the checksum before any getter
 * beyond the fixed header is trusted; the options themselves are validated by
 * {@link TcpOptions#parse}. Protocol state lives elsewhere ({@code io.jrump.netinet.tcp}).
 */
public final class TcpSegment {
    /** Fixed header length in bytes (RFC 9293 section 3.1). */
    public static final int HEADER_LENGTH = 20;
    /** Largest header: data offset is 4 bits of 32-bit words. */
    public static final int MAX_HEADER_LENGTH = 60;
    /** IP protocol number of TCP, for the pseudo header (IANA "Assigned Internet Protocol Numbers"). */
    public static final int PROTOCOL = 6;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;

    /** Why {@link #check} rejected a segment; the name is the suffix of a drop counter. */
    public enum Malformed {
        TRUNCATED, BAD_DATA_OFFSET, BAD_CHECKSUM;

        public String counterName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final ByteBuffer buf;
    private final int base;
    private final int length;

    /** A view of {@code buf} from its position to its limit; the buffer is not consumed. */
    public TcpSegment(ByteBuffer buf) {
        this.buf = buf;
        this.base = buf.position();
        this.length = buf.remaining();
    }

    /**
     * Validates the segment as received from {@code src} to {@code dst} (IPv4 addresses in
     * host order, for the pseudo header): long enough for the fixed header, a data offset
     * inside the segment, and a checksum that sums to zero.
     *
     * @return null when the segment may be used, otherwise the reason it may not
     */
    public Malformed check(int src, int dst) {
        return check(src, dst, false);
    }

    /**
     * Like {@link #check(int, int)}; with {@code partialTrusted} a zero checksum, the partial
     * mark of checksum offload ({@link PartialChecksum}), is accepted without summing: the
     * segment came from a sender in memory over a device with {@code RX_CHECKSUM}.
     */
    public Malformed check(int src, int dst, boolean partialTrusted) {
        if (length < HEADER_LENGTH) {
            return Malformed.TRUNCATED;
        }
        int hl = headerLength();
        if (hl < HEADER_LENGTH || hl > length) {
            return Malformed.BAD_DATA_OFFSET;
        }
        if (partialTrusted && checksum() == 0) {
            return null;
        }
        long sum = Checksum.pseudoHeader(src, dst, PROTOCOL, length);
        if (Checksum.finish(Checksum.add(sum, buf, base, length)) != 0) {
            return Malformed.BAD_CHECKSUM;
        }
        return null;
    }

    public int length() {
        return length;
    }

    public int srcPort() {
        return buf.getShort(base) & 0xffff;
    }

    public int dstPort() {
        return buf.getShort(base + 2) & 0xffff;
    }

    public int seq() {
        return buf.getInt(base + 4);
    }

    public int ack() {
        return buf.getInt(base + 8);
    }

    /** Header length in bytes (the data offset field times four). */
    public int headerLength() {
        return ((buf.get(base + 12) & 0xf0) >>> 4) * 4;
    }

    /** The six classic control bits (URG ACK PSH RST SYN FIN). */
    public int flags() {
        return buf.get(base + 13) & 0x3f;
    }

    public boolean has(int flag) {
        return (flags() & flag) != 0;
    }

    /** The window field as sent: still to be shifted by the window scale (RFC 7323). */
    public int window() {
        return buf.getShort(base + 14) & 0xffff;
    }

    public int checksum() {
        return buf.getShort(base + 16) & 0xffff;
    }

    public int urgentPointer() {
        return buf.getShort(base + 18) & 0xffff;
    }

    /** Absolute buffer offset of the options area. */
    public int optionsOffset() {
        return base + HEADER_LENGTH;
    }

    public int optionsLength() {
        return headerLength() - HEADER_LENGTH;
    }

    /** Absolute buffer offset of the first payload byte. */
    public int payloadOffset() {
        return base + headerLength();
    }

    public int payloadLength() {
        return length - headerLength();
    }

    /** The buffer this view reads; payload bytes are at {@link #payloadOffset()}. */
    public ByteBuffer buffer() {
        return buf;
    }

    /** Sequence space the segment occupies: payload plus one each for SYN and FIN. */
    public int sequenceLength() {
        int f = flags();
        return payloadLength() + ((f & SYN) != 0 ? 1 : 0) + ((f & FIN) != 0 ? 1 : 0);
    }

    public TcpSegment setSrcPort(int port) {
        buf.putShort(base, (short) port);
        return this;
    }

    public TcpSegment setDstPort(int port) {
        buf.putShort(base + 2, (short) port);
        return this;
    }

    public TcpSegment setSeq(int seq) {
        buf.putInt(base + 4, seq);
        return this;
    }

    public TcpSegment setAck(int ack) {
        buf.putInt(base + 8, ack);
        return this;
    }

    /** Sets the data offset from a header length in bytes (a multiple of four, 20 to 60). */
    public TcpSegment setHeaderLength(int bytes) {
        if (bytes < HEADER_LENGTH || bytes > MAX_HEADER_LENGTH || (bytes & 3) != 0) {
            throw new IllegalArgumentException("header length " + bytes);
        }
        buf.put(base + 12, (byte) ((bytes / 4) << 4));
        return this;
    }

    public TcpSegment setFlags(int flags) {
        buf.put(base + 13, (byte) (flags & 0x3f));
        return this;
    }

    public TcpSegment setWindow(int window) {
        buf.putShort(base + 14, (short) window);
        return this;
    }

    public TcpSegment setUrgentPointer(int urg) {
        buf.putShort(base + 18, (short) urg);
        return this;
    }

    /** Computes and stores the checksum over the pseudo header and the whole segment. */
    public TcpSegment fillChecksum(int src, int dst) {
        buf.putShort(base + 16, (short) 0);
        long sum = Checksum.pseudoHeader(src, dst, PROTOCOL, length);
        buf.putShort(base + 16, (short) Checksum.finish(Checksum.add(sum, buf, base, length)));
        return this;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("TCP ").append(srcPort()).append(" > ").append(dstPort()).append(" [");
        String[] names = {"FIN", "SYN", "RST", "PSH", "ACK", "URG"};
        int f = flags();
        for (int i = 0; i < names.length; i++) {
            if ((f & (1 << i)) != 0) {
                sb.append(sb.charAt(sb.length() - 1) == '[' ? "" : ",").append(names[i]);
            }
        }
        return sb.append("] seq=").append(Integer.toUnsignedString(seq())).append(" ack=").append(Integer.toUnsignedString(ack()))
                .append(" win=").append(window()).append(" len=").append(length >= HEADER_LENGTH ? payloadLength() : 0).toString();
    }
}
