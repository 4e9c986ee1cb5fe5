package io.jrump.fs.bio;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

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
 * {@link #MAX_READ_AHEAD}. Up to {@link #STREAMS} sequential streams are followed at once, as
 * Linux follows each open file, because a tree walk interleaves them: the inode table (each
 * file's inode) with the data blocks (each file's contents) and the directory's own blocks;
 * with a single stream every miss of one would restart the window of the other.
 *
 * <p><b>Concurrency</b>, as BSD's busy buffers: the cache's monitor guards only its table (which
 * blocks are held, their order, pins, dirty and in-flight state) and is never held across a
 * device request, so readers of different blocks reach the device in parallel. A miss puts its
 * buffers in the table marked as loading ({@link BlockRead}) before it reads; a second reader of
 * such a block waits for that read instead of making its own, and a loading buffer is never
 * evicted. Device writes (write-back, {@link #writeBlocks}, {@link #flush}) take one more lock,
 * {@link #writeLock}, so they stay ordered: a flush returns only after every write that began
 * before it, and the device's own flush comes after them. Write-back clears a buffer's dirty
 * flag before it copies the bytes out, so an edit that races the copy marks the buffer dirty
 * again and is written by the next write-back; a buffer being written is not evicted, so a
 * reader never fetches the block from the device before its newest bytes reach it. Lock order:
 * {@link #writeLock}, then the monitor; no other lock is taken inside either, and the device is
 * called with at most {@link #writeLock} held.
 *
 * <p>Memory: at most {@code limitBytes} of block buffers, unless callers pin (or are loading)
 * more at once (they then exceed it briefly). {@link #memoryUsed()} reports the current figure.
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
    /** Sequential streams whose read-ahead is followed at once. */
    static final int STREAMS = 4;
    /** Most blocks written in one device request. */
    private static final int MAX_RUN = 256;

    private final BlockDevice device;
    private final int blockSize;
    private final long sectorsPerBlock;
    private final long blockCount;
    private final long limitBytes;
    private final long maxBlocks;
    private final boolean readOnly;
    /** Serialises device writes and flushes; taken before the monitor, never inside it. */
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Guarded by the monitor, as are the fields below up to {@link #writes}. */
    private final BlockTable blocks = new BlockTable();
    private int dirtyCount;
    /** Per stream: the last block its previous miss brought in, its window, when it was last used. */
    private final long[] streamEnd = new long[STREAMS];
    private final int[] streamWindow = new int[STREAMS];
    private final long[] streamUsed = new long[STREAMS];
    private long streamClock;
    private long hits;
    private long misses;
    /** Written under {@link #writeLock}. */
    private volatile long writes;
    /**
     * Per reading thread, room for a read-ahead run: direct, so that the host's read lands in it
     * without the copy a heap buffer costs (the JDK reads into a direct buffer of its own and
     * copies), and reused, where a fresh array for each run would be allocated and zeroed.
     */
    private final ThreadLocal<ByteBuffer> runBuffer;

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
        this.maxBlocks = this.limitBytes / blockSize;
        this.readOnly = readOnly || device.isReadOnly();
        Arrays.fill(streamEnd, -2);
        this.runBuffer = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect((MAX_READ_AHEAD + 1) * blockSize));
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

    /**
     * Block {@code block}, read from the device unless cached; pinned until closed. If another
     * thread is reading the block already, waits for that read rather than making a second.
     */
    public Buf read(long block) throws ErrnoException {
        checkRange(block, 1);
        Buf b;
        BlockRead pending;
        Buf[] fresh = null;
        synchronized (this) {
            b = blocks.get(block);
            if (b != null) {
                hits++;
                b.pins++;
                pending = b.loading;
            } else {
                misses++;
                int stream = stream(block);
                int window = streamWindow[stream];
                int n = 1;
                while (n <= window && block + n < blockCount && !blocks.contains(block + n)) {
                    n++;
                }
                streamEnd[stream] = block + n - 1;
                pending = new BlockRead();
                fresh = new Buf[n];
                // the requested block goes in last, so that it is the most recently used
                for (int i = n - 1; i >= 0; i--) {
                    Buf nb = new Buf(this, block + i, blockSize);
                    nb.loading = pending;
                    blocks.put(nb);
                    fresh[i] = nb;
                }
                b = fresh[0];
                b.pins++;
            }
        }
        try {
            if (fresh != null) {
                fill(block, fresh, pending);
                makeRoom();
            } else if (pending != null) {
                pending.await(block);
            }
        } catch (ErrnoException | RuntimeException | Error e) {
            release(b);
            throw e;
        }
        return b;
    }

    /**
     * Caller holds the monitor. The stream a miss of {@code block} continues (its window grown),
     * or the least recently used one, restarted there with no read-ahead.
     */
    private int stream(long block) {
        int oldest = 0;
        for (int s = 0; s < STREAMS; s++) {
            if (streamEnd[s] + 1 == block) {
                streamWindow[s] = Math.min(MAX_READ_AHEAD, Math.max(1, streamWindow[s] * 2));
                streamUsed[s] = ++streamClock;
                return s;
            }
            if (streamUsed[s] < streamUsed[oldest]) {
                oldest = s;
            }
        }
        streamWindow[oldest] = 0;
        streamUsed[oldest] = ++streamClock;
        return oldest;
    }

    /** Reads the run {@code fresh} (from {@code block}) outside the monitor, then publishes it or, failing, drops it. */
    private void fill(long block, Buf[] fresh, BlockRead pending) throws ErrnoException {
        ErrnoException failure = null;
        try {
            if (fresh.length == 1) {
                deviceRead(block, ByteBuffer.wrap(fresh[0].bytes));
            } else {
                ByteBuffer run = runBuffer.get().clear().limit(fresh.length * blockSize);
                deviceRead(block, run);
                run.flip();
                for (Buf nb : fresh) {
                    run.get(nb.bytes);
                }
            }
        } catch (ErrnoException e) {
            failure = e;
        } catch (RuntimeException | Error e) {
            failure = new ErrnoException(Errno.EIO, "reading block " + block + ": " + e);
            throw e;
        } finally {
            synchronized (this) {
                for (Buf nb : fresh) {
                    nb.loading = null;
                    if (failure != null && blocks.get(nb.block()) == nb) {
                        blocks.remove(nb.block());
                    }
                }
            }
            pending.finish(failure);
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Block {@code block} filled with zeros, without reading it (a block just allocated); pinned and dirty. */
    public Buf zeroed(long block) throws ErrnoException {
        checkRange(block, 1);
        requireWritable();
        Buf b;
        synchronized (this) {
            b = blocks.get(block);
            if (b == null || b.loading != null) {
                // a read in flight would bring the old bytes: its readers keep their buffer, the table takes the zeros
                b = new Buf(this, block, blockSize);
                blocks.put(b);
            } else {
                Arrays.fill(b.bytes, (byte) 0);
            }
            b.pins++;
            markDirtyLocked(b);
        }
        try {
            makeRoom();
        } catch (ErrnoException | RuntimeException e) {
            release(b);
            throw e;
        }
        return b;
    }

    synchronized void markDirty(Buf b) {
        markDirtyLocked(b);
    }

    private void markDirtyLocked(Buf b) {
        if (readOnly) {
            throw new IllegalStateException("block " + b.block() + " changed in a read-only cache");
        }
        if (blocks.get(b.block()) != b) {
            // the buffer was dropped (forget(), or overwritten while it loaded) while the caller held it: it is no longer wanted
            return;
        }
        if (!b.dirty) {
            b.dirty = true;
            dirtyCount++;
        }
    }

    void release(Buf b) {
        boolean over;
        synchronized (this) {
            if (b.pins <= 0) {
                throw new IllegalStateException("block " + b.block() + " released more often than taken");
            }
            b.pins--;
            over = blocks.size() > maxBlocks;
        }
        if (over) {
            try {
                makeRoom();
            } catch (ErrnoException e) {
                // write-back failed: the blocks stay dirty and the next flush reports the error
            }
        }
    }

    /**
     * Reads {@code count} blocks from {@code block} into {@code dst} (which must have room),
     * taking cached copies where there are any and reading the rest straight from the device
     * in runs, without caching them. A block another reader is loading counts as not cached:
     * the device holds the same bytes.
     */
    public void readBlocks(long block, int count, ByteBuffer dst) throws ErrnoException {
        checkRange(block, count);
        int i = 0;
        while (i < count) {
            int j;
            synchronized (this) {
                for (Buf b; i < count && (b = blocks.get(block + i)) != null && b.loading == null; i++) {
                    hits++;
                    dst.put(b.bytes);
                }
                if (i == count) {
                    return;
                }
                j = i + 1;
                for (Buf b; j < count && ((b = blocks.get(block + j)) == null || b.loading != null); j++) {
                    // not cached: part of this device run
                }
                misses += j - i;
            }
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
    public void writeBlocks(long block, ByteBuffer src) throws ErrnoException {
        requireWritable();
        int count = src.remaining() / blockSize;
        if (src.remaining() % blockSize != 0) {
            throw new IllegalArgumentException("not whole blocks: " + src.remaining());
        }
        checkRange(block, count);
        int start = src.position();
        writeLock.lock();
        try {
            deviceWrite(block, src.duplicate());
            synchronized (this) {
                for (int i = 0; i < count; i++) {
                    Buf b = blocks.get(block + i);
                    if (b == null) {
                        continue;
                    }
                    if (b.loading != null) {
                        // its read may have fetched the bytes from before this write: drop it, later readers read again
                        blocks.remove(block + i);
                        continue;
                    }
                    src.get(start + i * blockSize, b.bytes);
                    if (b.dirty) {
                        b.dirty = false;
                        dirtyCount--;
                    }
                }
            }
        } finally {
            writeLock.unlock();
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

    /**
     * Writes back every dirty block, in block order and in runs, then flushes the device. Every
     * change marked dirty before the call is on the device when it returns, even if another
     * thread's write-back had taken the block first.
     */
    public void flush() throws ErrnoException {
        writeLock.lock();
        try {
            writeBack();
            if (!readOnly) {
                device.flush();
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Writes back dirty blocks and forgets every unpinned block. */
    public void invalidateAll() throws ErrnoException {
        flush();
        synchronized (this) {
            for (Buf b = blocks.oldest(), next; b != null; b = next) {
                next = b.newer;
                if (b.pins == 0 && b.loading == null && b.writing == 0 && !b.dirty) {
                    blocks.remove(b.block());
                }
            }
        }
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

    /** Evicts clean idle blocks, oldest first, down to the limit; writes back when only dirty ones are left. Called without the monitor. */
    private void makeRoom() throws ErrnoException {
        synchronized (this) {
            if (evictClean() || dirtyCount == 0) {
                return;
            }
        }
        writeBack();
        synchronized (this) {
            evictClean();
        }
    }

    /** Caller holds the monitor. True when the table is within the limit afterwards. */
    private boolean evictClean() {
        for (Buf b = blocks.oldest(), next; blocks.size() > maxBlocks && b != null; b = next) {
            next = b.newer;
            if (!b.dirty && b.pins == 0 && b.loading == null && b.writing == 0) {
                blocks.remove(b.block());
            }
        }
        return blocks.size() <= maxBlocks;
    }

    /**
     * Writes every dirty block, sorted, in runs of contiguous blocks. Takes {@link #writeLock};
     * the monitor only to pick the blocks and to settle them, never across a device write.
     */
    private void writeBack() throws ErrnoException {
        writeLock.lock();
        try {
            List<Buf> dirty;
            synchronized (this) {
                if (dirtyCount == 0) {
                    return;
                }
                dirty = new ArrayList<>(dirtyCount);
                for (Buf b = blocks.oldest(); b != null; b = b.newer) {
                    if (b.dirty) {
                        b.dirty = false;
                        b.writing++;
                        dirty.add(b);
                    }
                }
                dirtyCount = 0;
            }
            dirty.sort((a, b) -> Long.compare(a.block(), b.block()));
            int i = 0;
            try {
                while (i < dirty.size()) {
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
                    synchronized (this) {
                        for (int k = i; k < j; k++) {
                            dirty.get(k).writing--;
                        }
                    }
                    i = j;
                }
            } finally {
                if (i < dirty.size()) {
                    // this run failed: it and the rest stay dirty, for the next write-back to try and flush to report
                    synchronized (this) {
                        for (Buf b : dirty.subList(i, dirty.size())) {
                            b.writing--;
                            if (!b.dirty && blocks.get(b.block()) == b) {
                                b.dirty = true;
                                dirtyCount++;
                            }
                        }
                    }
                }
            }
        } finally {
            writeLock.unlock();
        }
    }

    private void deviceRead(long block, ByteBuffer dst) throws ErrnoException {
        try {
            device.read(block * sectorsPerBlock, dst);
        } catch (ErrnoException e) {
            throw new ErrnoException(e.errno(), "reading block " + block + ": " + e.getMessage());
        }
    }

    /** Caller holds {@link #writeLock}. */
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
        for (Buf b = blocks.oldest(); b != null; b = b.newer) {
            m.put(b.block(), b.dirty);
        }
        return m;
    }
}
