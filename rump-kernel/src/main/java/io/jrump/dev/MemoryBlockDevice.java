package io.jrump.dev;

import io.jrump.api.BlockDevice;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A zero-filled disk in the Java heap, private to whoever made it.
 *
 * <p>Sparse, because kernels boot by the thousand and most never touch most of their disk: the
 * sectors live in {@value #CHUNK_SIZE}-byte chunks allocated on the first write that is not all
 * zeros, found through a two-level table whose second level is also allocated on demand. A
 * 1 GiB disk nobody wrote costs a few dozen bytes; one that {@code mkfs} formatted costs about
 * what {@code mkfs} wrote. Reading a chunk that was never written gives zeros, as from a new
 * disk. {@link #discard} gives whole chunks back.
 *
 * <p>Reads run in parallel; writes and discards take the device exclusively, which is simple
 * and, for memory, fast enough.
 */
public final class MemoryBlockDevice implements BlockDevice {
    /** Bytes per chunk: large enough that the tables stay small, small enough that one stray write costs little. */
    static final int CHUNK_SIZE = 64 * 1024;
    private static final int CHUNK_SHIFT = Integer.numberOfTrailingZeros(CHUNK_SIZE);
    /** Chunks per second-level table: one table covers 64 MiB. */
    private static final int TABLE_SHIFT = 10;
    private static final int TABLE_SIZE = 1 << TABLE_SHIFT;
    /** The largest disk whose first-level table index still fits an int (2^57 bytes, 128 PiB). */
    private static final long MAX_SIZE = (long) Integer.MAX_VALUE << (CHUNK_SHIFT + TABLE_SHIFT);
    /** Compared against and copied from, never written. */
    private static final byte[] ZEROS = new byte[CHUNK_SIZE];

    private final String name;
    private final long size;
    private final int sectorSize;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** First level, indexed by chunk >> TABLE_SHIFT; null until the first chunk is allocated. Guarded by {@link #lock}. */
    private byte[][][] tables;
    private long allocatedChunks;
    private boolean closed;

    /** A disk of {@code size} bytes with 512-byte sectors, named "memory" in error messages. */
    public MemoryBlockDevice(long size) {
        this("memory", size, Sectors.SIZE);
    }

    /** A disk of {@code size} bytes with 512-byte sectors. */
    public MemoryBlockDevice(String name, long size) {
        this(name, size, Sectors.SIZE);
    }

    /**
     * A disk of {@code size} bytes.
     *
     * @param name names the device in error messages
     * @param sectorSize a power of two from 512 to {@value #CHUNK_SIZE}
     * @throws IllegalArgumentException when the size is not a positive multiple of the sector size,
     *     or the sector size is not one a disk can have
     */
    public MemoryBlockDevice(String name, long size, int sectorSize) {
        this.name = name;
        if (!Sectors.isValidSectorSize(sectorSize) || sectorSize > CHUNK_SIZE) {
            throw new IllegalArgumentException(name + ": bad sector size " + sectorSize);
        }
        if (size <= 0 || size % sectorSize != 0 || size > MAX_SIZE) {
            throw new IllegalArgumentException(name + ": size " + size + " is not a positive multiple of "
                    + sectorSize + " up to " + MAX_SIZE);
        }
        this.size = size;
        this.sectorSize = sectorSize;
    }

    @Override
    public int sectorSize() {
        return sectorSize;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    /** Bytes of heap holding sectors now; what sparseness saves is {@code size() - allocatedBytes()}. */
    public long allocatedBytes() {
        lock.readLock().lock();
        try {
            return allocatedChunks * CHUNK_SIZE;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void read(long sector, ByteBuffer dst) throws ErrnoException {
        Sectors.checkRead(name, this, sector, dst);
        lock.readLock().lock();
        try {
            checkOpen();
            long pos = sector * sectorSize;
            while (dst.hasRemaining()) {
                long chunk = pos >>> CHUNK_SHIFT;
                int offset = (int) (pos & (CHUNK_SIZE - 1));
                int n = Math.min(CHUNK_SIZE - offset, dst.remaining());
                byte[] data = chunk(chunk);
                dst.put(data == null ? ZEROS : data, data == null ? 0 : offset, n);
                pos += n;
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void write(long sector, ByteBuffer src) throws ErrnoException {
        Sectors.checkWrite(name, this, sector, src);
        lock.writeLock().lock();
        try {
            checkOpen();
            long pos = sector * sectorSize;
            while (src.hasRemaining()) {
                long chunk = pos >>> CHUNK_SHIFT;
                int offset = (int) (pos & (CHUNK_SIZE - 1));
                int n = Math.min(CHUNK_SIZE - offset, src.remaining());
                byte[] data = chunk(chunk);
                if (data == null && isZero(src, n)) {
                    // Zeros onto a chunk that reads as zeros: mkfs zeroing a disk allocates nothing.
                    src.position(src.position() + n);
                } else {
                    if (data == null) {
                        data = allocate(chunk);
                    }
                    src.get(data, offset, n);
                }
                pos += n;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Memory is as durable as it gets; nothing to do but notice a closed device. */
    @Override
    public void flush() throws ErrnoException {
        lock.readLock().lock();
        try {
            checkOpen();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Frees the chunks wholly inside the range, which then read as zeros; partly covered chunks keep their bytes. */
    @Override
    public void discard(long sector, long count) throws ErrnoException {
        Sectors.checkDiscard(name, this, sector, count);
        lock.writeLock().lock();
        try {
            checkOpen();
            long start = sector * sectorSize;
            long end = start + count * sectorSize;
            long first = (start + CHUNK_SIZE - 1) >>> CHUNK_SHIFT;
            long last = end >>> CHUNK_SHIFT; // exclusive
            for (long chunk = first; chunk < last && tables != null; chunk++) {
                byte[][] table = tables[(int) (chunk >>> TABLE_SHIFT)];
                int slot = (int) (chunk & (TABLE_SIZE - 1));
                if (table != null && table[slot] != null) {
                    table[slot] = null;
                    allocatedChunks--;
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Frees every sector; later calls fail with ENXIO. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            closed = true;
            tables = null;
            allocatedChunks = 0;
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "MemoryBlockDevice[" + name + ", " + size + " bytes]";
    }

    private void checkOpen() throws ErrnoException {
        if (closed) {
            throw Sectors.closed(name);
        }
    }

    private byte[] chunk(long chunk) {
        if (tables == null) {
            return null;
        }
        byte[][] table = tables[(int) (chunk >>> TABLE_SHIFT)];
        return table == null ? null : table[(int) (chunk & (TABLE_SIZE - 1))];
    }

    private byte[] allocate(long chunk) {
        if (tables == null) {
            long chunks = (size + CHUNK_SIZE - 1) >>> CHUNK_SHIFT;
            tables = new byte[(int) ((chunks + TABLE_SIZE - 1) >>> TABLE_SHIFT)][][];
        }
        int index = (int) (chunk >>> TABLE_SHIFT);
        byte[][] table = tables[index];
        if (table == null) {
            table = new byte[TABLE_SIZE][];
            tables[index] = table;
        }
        byte[] data = new byte[CHUNK_SIZE];
        table[(int) (chunk & (TABLE_SIZE - 1))] = data;
        allocatedChunks++;
        return data;
    }

    private static boolean isZero(ByteBuffer src, int n) {
        int pos = src.position();
        return src.slice(pos, n).mismatch(ByteBuffer.wrap(ZEROS, 0, n)) < 0;
    }
}
