package io.jrump.fs.bio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One cached block (BSD's {@code struct buf}): its number, its bytes, and whether they differ
 * from the disk. A buffer handed out by {@link BufferCache#read} or {@link BufferCache#zeroed}
 * is pinned, so the cache will not reuse it, until {@link #close()}; use it in
 * try-with-resources. Changing the bytes without {@link #markDirty()} loses the change.
 */
public final class Buf implements AutoCloseable {
    private final BufferCache cache;
    private final long block;
    final byte[] bytes;
    /** Guarded by the cache. */
    boolean dirty;
    /** Guarded by the cache: pins held by callers. */
    int pins;
    /**
     * Guarded by the cache: the device read that is filling {@link #bytes}, or null once they
     * hold the block (BSD's {@code B_BUSY} during a read). Such a buffer is never evicted.
     */
    BlockRead loading;
    /** Guarded by the cache: write-backs of this buffer in flight; it is not evicted while there are any. */
    int writing;
    /** Guarded by the cache: the neighbours in its table's least-recently-used order ({@link BlockTable}). */
    Buf older;
    Buf newer;

    Buf(BufferCache cache, long block, int size) {
        this.cache = cache;
        this.block = block;
        this.bytes = new byte[size];
    }

    public long block() {
        return block;
    }

    /** The block's bytes as a little-endian buffer (position 0, limit the block size), shared with the cache. */
    public ByteBuffer data() {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The bytes themselves, for copying in and out. */
    public byte[] array() {
        return bytes;
    }

    /** Says the bytes were changed: they will be written back before the buffer is dropped. */
    public void markDirty() {
        cache.markDirty(this);
    }

    /** Unpins the buffer. */
    @Override
    public void close() {
        cache.release(this);
    }
}
