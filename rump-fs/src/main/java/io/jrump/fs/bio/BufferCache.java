package io.jrump.fs.bio;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.BlockDevice;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A bounded write-back cache of file-system blocks over a {@link BlockDevice} (the BSD buffer
 * cache, {@code bread}/{@code bdwrite}/{@code brelse}). Blocks are kept in least-recently-used
 * order; a change stays in memory until {@link #flush()} (fsync, sync, unmount) or until the
 * cache needs the room, so a directory block changed a hundred times is written once.
 *
 * <p>Why the shapes: metadata (bitmaps, inode tables, directories, indirect blocks) goes
 * through pinned {@link Buf}s, since a file system reads and edits it in place; bulk file data
 * can take {@link #readBlocks}/{@link #writeBlocks}, which move runs of contiguous blocks in one
 * device request and do not fill the cache with data read once, yet still see and update any
 * cached copy, so the two paths never disagree. Write-back sorts dirty blocks and writes each
 * run of contiguous ones as one request. A sequential reader gets read-ahead: after two
 * consecutive misses the next blocks come in with the missing one, the window doubling to
 * {@link #MAX_READ_AHEAD}.
 *
 * <p>Memory: at most {@code limitBytes} of block buffers, unless callers pin more at once
 * (they then exceed it briefly). {@link #memoryUsed()} reports the current figure. All methods
 * are safe for concurrent use; device requests are made under the cache's lock, which also
 * keeps write-back ordered.
 *
 * <p>A read-only cache refuses {@link Buf#markDirty()} and writes with EROFS, so a read-only
 * mount cannot write a byte even through a driver bug.
 */
public final class BufferCache {
    /** Default limit: enough for the metadata of a large file system and some data. */
    public static final long DEFAULT_LIMIT = 16L << 20;
    /** Smallest limit accepted: a few dozen blocks, so a deep tree walk fits. */
    public static final long MIN_LIMIT = 64L << 10;
    /** Most blocks read ahead at once. */
    public static final int MAX_READ_AHEAD = 32;
    /** Most blocks written in one device request. */
    private static final int MAX_RUN = 256;

    private final BlockDevice device;
    private final int blockSize;
    private final long sectorsPerBlock;
    private final long blockCount;
    private final long limitBytes;
    private final boolean readOnly;
    private final LinkedHashMap<Long, Buf> blocks = new LinkedHashMap<>(256, 0.75f, true);
    private int dirtyCount;
    private long lastMiss = -2;
    private int readAhead;
    private long hits;
    private long misses;
    private long writes;

    /**
     * @param blockSize a multiple of the device's sector size
     * @param limitBytes most bytes of buffers kept (at least {@link #MIN_LIMIT} is used)
     */
    public BufferCache(BlockDevice device, int blockSize, long limitBytes, boolean readOnly) {
        if (blockSize <= 0 || blockSize % device.sectorSize() != 0) {
            throw new IllegalArgumentException("block size " + blockSize + " is not a multiple of the sector size " + device.sectorSize());
        }
        this.device = device;
        this.blockSize = blockSize;
        this.sectorsPerBlock = blockSize / device.sectorSize();
        this.blockCount = device.size() / blockSize;
        this.limitBytes = Math.max(MIN_LIMIT, limitBytes);
        this.readOnly = readOnly || device.isReadOnly();
    }

    public int blockSize() {
        return blockSize;
    }

    /** Whole blocks on the device. */
    public long blockCount() {
        return blockCount;
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    /** Bytes of block buffers held now. */
    public synchronized long memoryUsed() {
        return (long) blocks.size() * blockSize;
    }

    public long limit() {
        return limitBytes;
    }

    /** Counters since creation: cache hits, misses, blocks written. */
    public synchronized String stats() {
        return "hits=" + hits + " misses=" + misses + " written=" + writes + " held=" + blocks.size()
                + " dirty=" + dirtyCount + " bytes=" + memoryUsed();
    }

    /** Block {@code block}, read from the device unless cached; pinned until closed. */
    public synchronized Buf read(long block) throws ErrnoException {
        checkRange(block, 1);
        Buf b = blocks.get(block);
        if (b != null) {
            hits++;
            b.pins++;
            return b;
        }
        misses++;
        readAhead = block == lastMiss + 1 ? Math.min(MAX_READ_AHEAD, Math.max(1, readAhead * 2)) : 0;
        int n = 1;
        while (n <= readAhead && block + n < blockCount && !blocks.containsKey(block + n)) {
            n++;
        }
        lastMiss = block + n - 1;
        byte[] run = new byte[n * blockSize];
        deviceRead(block, ByteBuffer.wrap(run));
        makeRoom(n);
        for (int i = n - 1; i >= 0; i--) {
            Buf nb = new Buf(this, block + i, blockSize);
            System.arraycopy(run, i * blockSize, nb.bytes, 0, blockSize);
            blocks.put(block + i, nb);
        }
        b = blocks.get(block);
        b.pins++;
        return b;
    }

    /** Block {@code block} filled with zeros, without reading it (a block just allocated); pinned and dirty. */
    public synchronized Buf zeroed(long block) throws ErrnoException {
        checkRange(block, 1);
        requireWritable();
        Buf b = blocks.get(block);
        if (b == null) {
            makeRoom(1);
            b = new Buf(this, block, blockSize);
            blocks.put(block, b);
        } else {
            java.util.Arrays.fill(b.bytes, (byte) 0);
        }
        b.pins++;
        markDirty(b);
        return b;
    }

    synchronized void markDirty(Buf b) {
        if (readOnly) {
            throw new IllegalStateException("block " + b.block() + " changed in a read-only cache");
        }
        if (!b.dirty) {
            b.dirty = true;
            dirtyCount++;
        }
        if (blocks.get(b.block()) != b) {
            // the buffer was dropped by forget() while the caller held it: it is no longer wanted
            b.dirty = false;
            dirtyCount--;
        }
    }

    synchronized void release(Buf b) {
        if (b.pins <= 0) {
            throw new IllegalStateException("block " + b.block() + " released more often than taken");
        }
        b.pins--;
        if (blocks.size() * (long) blockSize > limitBytes) {
            try {
                makeRoom(0);
            } catch (ErrnoException e) {
                // write-back failed: the blocks stay dirty and the next flush reports the error
            }
        }
    }

    /**
     * Reads {@code count} blocks from {@code block} into {@code dst} (which must have room),
     * taking cached copies where there are any and reading the rest straight from the device
     * in runs, without caching them.
     */
    public synchronized void readBlocks(long block, int count, ByteBuffer dst) throws ErrnoException {
        checkRange(block, count);
        int i = 0;
        while (i < count) {
            Buf b = blocks.get(block + i);
            if (b != null) {
                hits++;
                dst.put(b.bytes);
                i++;
                continue;
            }
            int j = i + 1;
            while (j < count && !blocks.containsKey(block + j)) {
                j++;
            }
            misses += j - i;
            ByteBuffer slice = dst.slice();
            slice.limit((j - i) * blockSize);
            deviceRead(block + i, slice);
            dst.position(dst.position() + (j - i) * blockSize);
            i = j;
        }
    }

    /**
     * Writes whole blocks from {@code src} at {@code block} straight to the device; cached copies
     * take the new bytes and become clean. For bulk data, which would only push metadata out of
     * the cache.
     */
    public synchronized void writeBlocks(long block, ByteBuffer src) throws ErrnoException {
        requireWritable();
        int count = src.remaining() / blockSize;
        if (src.remaining() % blockSize != 0) {
            throw new IllegalArgumentException("not whole blocks: " + src.remaining());
        }
        checkRange(block, count);
        int start = src.position();
        deviceWrite(block, src.duplicate());
        for (int i = 0; i < count; i++) {
            Buf b = blocks.get(block + i);
            if (b != null) {
                src.get(start + i * blockSize, b.bytes);
                if (b.dirty) {
                    b.dirty = false;
                    dirtyCount--;
                }
            }
        }
        src.position(start + count * blockSize);
    }

    /** Drops a block without writing it back (it was freed; what it held no longer matters). Pins are ignored. */
    public synchronized void forget(long block) {
        Buf b = blocks.remove(block);
        if (b != null && b.dirty) {
            b.dirty = false;
            dirtyCount--;
        }
    }

    /** Writes back every dirty block, in block order and in runs, then flushes the device. */
    public synchronized void flush() throws ErrnoException {
        writeBack(Integer.MAX_VALUE);
        if (!readOnly) {
            device.flush();
        }
    }

    /** Writes back dirty blocks and forgets every unpinned block. */
    public synchronized void invalidateAll() throws ErrnoException {
        flush();
        blocks.values().removeIf(b -> b.pins == 0);
    }

    private void requireWritable() throws ErrnoException {
        if (readOnly) {
            throw new ErrnoException(Errno.EROFS, "buffer cache is read-only");
        }
    }

    private void checkRange(long block, long count) throws ErrnoException {
        if (block < 0 || count < 0 || block > blockCount - count) {
            throw new ErrnoException(Errno.EIO, "block " + block + (count > 1 ? "+" + count : "")
                    + " beyond end of device (" + blockCount + " blocks)");
        }
    }

    /** Evicts clean unpinned blocks, oldest first, until {@code extra} more fit; writes back when only dirty ones are left. */
    private void makeRoom(int extra) throws ErrnoException {
        long maxBlocks = limitBytes / blockSize;
        if (blocks.size() + extra <= maxBlocks) {
            return;
        }
        if (evictClean(maxBlocks - extra) || dirtyCount == 0) {
            return;
        }
        writeBack(Integer.MAX_VALUE);
        evictClean(maxBlocks - extra);
    }

    private boolean evictClean(long keep) {
        Iterator<Buf> it = blocks.values().iterator();
        while (blocks.size() > keep && it.hasNext()) {
            Buf b = it.next();
            if (!b.dirty && b.pins == 0) {
                it.remove();
            }
        }
        return blocks.size() <= keep;
    }

    private void writeBack(int max) throws ErrnoException {
        if (dirtyCount == 0) {
            return;
        }
        List<Buf> dirty = new ArrayList<>(dirtyCount);
        for (Buf b : blocks.values()) {
            if (b.dirty) {
                dirty.add(b);
            }
        }
        dirty.sort((a, b) -> Long.compare(a.block(), b.block()));
        int i = 0;
        int done = 0;
        while (i < dirty.size() && done < max) {
            int j = i + 1;
            while (j < dirty.size() && j - i < MAX_RUN && dirty.get(j).block() == dirty.get(j - 1).block() + 1) {
                j++;
            }
            ByteBuffer run = ByteBuffer.allocate((j - i) * blockSize);
            for (int k = i; k < j; k++) {
                run.put(dirty.get(k).bytes);
            }
            run.flip();
            deviceWrite(dirty.get(i).block(), run);
            for (int k = i; k < j; k++) {
                dirty.get(k).dirty = false;
                dirtyCount--;
            }
            done += j - i;
            i = j;
        }
    }

    private void deviceRead(long block, ByteBuffer dst) throws ErrnoException {
        try {
            device.read(block * sectorsPerBlock, dst);
        } catch (ErrnoException e) {
            throw new ErrnoException(e.errno(), "reading block " + block + ": " + e.getMessage());
        }
    }

    private void deviceWrite(long block, ByteBuffer src) throws ErrnoException {
        requireWritable();
        int n = src.remaining() / blockSize;
        try {
            device.write(block * sectorsPerBlock, src);
            writes += n;
        } catch (ErrnoException e) {
            throw new ErrnoException(e.errno(), "writing block " + block + ": " + e.getMessage());
        }
    }

    /** For tests: the cached blocks and whether each is dirty. */
    synchronized Map<Long, Boolean> snapshot() {
        Map<Long, Boolean> m = new LinkedHashMap<>();
        for (Map.Entry<Long, Buf> e : blocks.entrySet()) {
            m.put(e.getKey(), e.getValue().dirty);
        }
        return m;
    }
}
