package io.jrump.dev.net;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071): the ones'-complement of the ones'-complement sum of
 * 16-bit words. Summing is split from folding so a pseudo header (RFC 768, RFC 9293
 * section 3.1) and a payload can be added up separately.
 *
 * <p>One implementation for the network stack's wire formats and for the platforms' network
 * devices, which complete or prepare checksums they are handed (a TAP's and virtio-net's
 * {@code virtio_net_hdr}, Xen's netif flags): it lives below both, since platforms do not
 * import the stack.
 */
public final class Checksum {
    private Checksum() {
    }

    /**
     * Adds the bytes of {@code b} from {@code offset} for {@code length} bytes to {@code sum}, as
     * big-endian 16-bit words (a trailing odd byte padded with zero).
     *
     * <p>RFC 1071 section 2 (B): the sum may be taken over wider words and folded at the end,
     * since 2^16 is 1 modulo 2^16-1. So this reads 64 bits at a time and adds each half as an
     * unsigned 32-bit number to a long, which cannot overflow below 2^31 words; {@link #finish}
     * folds. Word boundaries count from {@code offset}, so any offset works; the buffer's
     * byte order does not matter.
     */
    public static long add(long sum, ByteBuffer b, int offset, int length) {
        int i = offset;
        int end = offset + length;
        boolean swap = b.order() != ByteOrder.BIG_ENDIAN;
        long acc = 0;
        while (end - i >= 8) {
            long w = b.getLong(i);
            if (swap) {
                w = Long.reverseBytes(w);
            }
            acc += (w >>> 32) + (w & 0xffffffffL);
            i += 8;
        }
        if (end - i >= 4) {
            int w = b.getInt(i);
            acc += (swap ? Integer.reverseBytes(w) : w) & 0xffffffffL;
            i += 4;
        }
        if (end - i >= 2) {
            acc += ((b.get(i) & 0xff) << 8) | (b.get(i + 1) & 0xff);
            i += 2;
        }
        if (i < end) {
            acc += (b.get(i) & 0xff) << 8;
        }
        return sum + fold(acc);
    }

    /**
     * Folds a sum to 16 bits with end-around carry, not complemented: what a checksum field
     * holds while the checksum is left to a device (the pseudo-header sum of Linux's
     * {@code CHECKSUM_PARTIAL}).
     */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** Adds the pseudo header of TCP and UDP over IPv4: addresses, protocol and length. */
    public static long pseudoHeader(int src, int dst, int protocol, int length) {
        return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
    }

    /** Folds a sum to 16 bits and complements it: the value to put in a checksum field. */
    public static int finish(long sum) {
        return (int) (~fold(sum) & 0xffff);
    }

    /** The checksum of a range; 0 when the range already holds a correct checksum field. */
    public static int of(ByteBuffer b, int offset, int length) {
        return finish(add(0, b, offset, length));
    }
}
