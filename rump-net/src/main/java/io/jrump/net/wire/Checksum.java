package io.jrump.net.wire;

import java.nio.ByteBuffer;

/**
 * The Internet checksum (RFC 1071): the ones'-complement of the ones'-complement sum of
 * 16-bit words. Summing is split from folding so a pseudo header (RFC 768, RFC 9293
 * section 3.1) and a payload can be added up separately.
 */
public final class Checksum {
    private Checksum() {
    }

    /** Adds the bytes of {@code b} from {@code offset} for {@code length} bytes to {@code sum}, as big-endian words. */
    public static long add(long sum, ByteBuffer b, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (end - i >= 2) {
            sum += ((b.get(i) & 0xff) << 8) | (b.get(i + 1) & 0xff);
            i += 2;
        }
        if (i < end) {
            sum += (b.get(i) & 0xff) << 8;
        }
        return sum;
    }

    /** Adds the pseudo header of TCP and UDP over IPv4: addresses, protocol and length. */
    public static long pseudoHeader(int src, int dst, int protocol, int length) {
        return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
    }

    /** Folds a sum to 16 bits and complements it: the value to put in a checksum field. */
    public static int finish(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    /** The checksum of a range; 0 when the range already holds a correct checksum field. */
    public static int of(ByteBuffer b, int offset, int length) {
        return finish(add(0, b, offset, length));
    }
}
