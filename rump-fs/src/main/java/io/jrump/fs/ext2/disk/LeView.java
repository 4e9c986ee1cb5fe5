package io.jrump.fs.ext2.disk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Base of the on-disk views: a window of {@code length} bytes at {@code offset} of a buffer,
 * read and written little-endian (every ext2 field is), without copying. Unsigned fields
 * come back widened ({@code u16} as int, {@code u32} as long) so that a large value read
 * from a hostile image is never mistaken for a negative one.
 */
abstract class LeView {
    final ByteBuffer buf;
    final int base;

    LeView(ByteBuffer buffer, int offset, int length) {
        if (offset < 0 || length < 0 || offset > buffer.capacity() - length) {
            throw new IndexOutOfBoundsException("view of " + length + " bytes at " + offset + " in " + buffer.capacity());
        }
        this.buf = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.base = offset;
    }

    /** The buffer this view reads (little-endian, positions independent of the caller's). */
    public ByteBuffer buffer() {
        return buf;
    }

    /** Where the view starts in {@link #buffer()}. */
    public int offset() {
        return base;
    }

    final int u8(int at) {
        return buf.get(base + at) & 0xFF;
    }

    final int u16(int at) {
        return buf.getShort(base + at) & 0xFFFF;
    }

    final long u32(int at) {
        return buf.getInt(base + at) & 0xFFFF_FFFFL;
    }

    final int s32(int at) {
        return buf.getInt(base + at);
    }

    final long u64(int at) {
        return buf.getLong(base + at);
    }

    final void put8(int at, int v) {
        buf.put(base + at, (byte) v);
    }

    final void put16(int at, int v) {
        buf.putShort(base + at, (short) v);
    }

    final void put32(int at, long v) {
        buf.putInt(base + at, (int) v);
    }

    final void put64(int at, long v) {
        buf.putLong(base + at, v);
    }

    final byte[] bytes(int at, int n) {
        byte[] b = new byte[n];
        buf.get(base + at, b);
        return b;
    }

    final void putBytes(int at, byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            buf.put(base + at + i, i < b.length ? b[i] : 0);
        }
    }

    /** {@code lo} plus {@code hi << 32}: the split 64-bit counts of ext4. */
    static long join(long lo, long hi) {
        return (hi << 32) | lo;
    }
}
