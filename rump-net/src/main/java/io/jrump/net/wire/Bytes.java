package io.jrump.net.wire;

import java.nio.ByteBuffer;

/**
 * Big-endian (network order) field access at absolute indices, independent of the byte order
 * a caller may have set on its buffer.
 */
final class Bytes {
    private Bytes() {
    }

    static int u8(ByteBuffer b, int i) {
        return b.get(i) & 0xff;
    }

    static int u16(ByteBuffer b, int i) {
        return ((b.get(i) & 0xff) << 8) | (b.get(i + 1) & 0xff);
    }

    static int u32(ByteBuffer b, int i) {
        return (u16(b, i) << 16) | u16(b, i + 2);
    }

    static void put8(ByteBuffer b, int i, int v) {
        b.put(i, (byte) v);
    }

    static void put16(ByteBuffer b, int i, int v) {
        b.put(i, (byte) (v >>> 8));
        b.put(i + 1, (byte) v);
    }

    static void put32(ByteBuffer b, int i, int v) {
        put16(b, i, v >>> 16);
        put16(b, i + 2, v);
    }

    /** Copies {@code n} bytes within or between buffers by absolute index. */
    static void copy(ByteBuffer from, int fromIndex, ByteBuffer to, int toIndex, int n) {
        to.put(toIndex, from, fromIndex, n);
    }
}
