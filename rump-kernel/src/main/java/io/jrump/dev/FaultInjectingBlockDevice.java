package io.jrump.dev;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A disk that fails on purpose, wrapped around any other: for testing that a file system
 * survives what real disks do (smoltcp's fault-injecting device, for block devices).
 *
 * <p>Faults are armed for the n-th operation <em>from now</em> ({@code failRead(1)} fails the
 * next read), since a test usually sets a disk up first and then breaks it:
 * <ul>
 *   <li>{@link #failRead}, {@link #failWrite}: that read or write fails with {@code EIO} and
 *       moves no data.</li>
 *   <li>{@link #tearWrite}: only the first bytes of that write reach the disk (a write cut off
 *       mid-way; a count that is not whole sectors tears a sector too), after which the write
 *       reports {@code EIO} or, worse, success.</li>
 *   <li>{@link #cutPowerAfterWrites}, {@link #cutPower}: the power fails. The disk has a
 *       volatile write cache that {@link #flush()} commits, so every write since the last
 *       flush is lost; from then on writes and flushes are silently dropped and reads show the
 *       disk as it was at the last flush, until {@link #powerOn()}.</li>
 * </ul>
 *
 * <p>The write cache is modelled in reverse: writes go through to the wrapped device at once,
 * and the first write to a sector after a flush saves the sector's old contents; a power cut
 * writes the saved contents back. Seen through this device that is the same as a cache, but
 * the wrapped device always holds every completed write, so a test that never cuts the power
 * can check the wrapped device (run e2fsck on the image) as it is. The price is a read per
 * first write to a sector and the memory of the sectors written since the last flush.
 * Discards pass through and are not undone: what a discarded sector reads is undefined anyway.
 *
 * <p>Requests are checked ({@code EINVAL}, {@code EROFS}) before they are counted, so faults
 * count only requests the wrapped device would have served. Operations are serialised, so the
 * n-th operation is well defined even with many threads; the counters are exact.
 */
public final class FaultInjectingBlockDevice implements BlockDevice {
    /** What a torn write reports once its first part has reached the disk. */
    public enum TearMode {
        /** The write fails with EIO, as when a disk notices it lost power mid-write. */
        FAIL,
        /** The write reports success, as with a disk that lies. */
        SILENT
    }

    /** A fault armed for one write: {@code keepBytes} reach the disk, then the write reports per {@code mode}. */
    private record WriteFault(boolean torn, int keepBytes, TearMode mode) {
    }

    private static final long NEVER = -1;

    private final BlockDevice inner;
    private final String name;
    private final Object lock = new Object();

    // Everything below is guarded by lock.
    private final Set<Long> readFaults = new HashSet<>();
    private final Map<Long, WriteFault> writeFaults = new HashMap<>();
    /** Contents at the last flush of every sector written since, by sector. */
    private final Map<Long, byte[]> undo = new HashMap<>();
    private long cutAfterWrite = NEVER;
    private boolean powerCut;
    private long unflushedWrites;
    private long reads;
    private long writes;
    private long flushes;
    private long failedReads;
    private long failedWrites;
    private long tornWrites;
    private long droppedWrites;
    private long lostWrites;

    /** Wraps {@code inner}, which this device now owns: closing this closes it. */
    public FaultInjectingBlockDevice(BlockDevice inner) {
        this.inner = inner;
        this.name = "fault injector over " + inner;
    }

    /** Fails the {@code nth} read from now (1 = the next) with EIO. */
    public FaultInjectingBlockDevice failRead(long nth) {
        synchronized (lock) {
            readFaults.add(reads + checkNth(nth));
        }
        return this;
    }

    /** Fails the {@code nth} write from now (1 = the next) with EIO; nothing of it reaches the disk. */
    public FaultInjectingBlockDevice failWrite(long nth) {
        synchronized (lock) {
            writeFaults.put(writes + checkNth(nth), new WriteFault(false, 0, TearMode.FAIL));
        }
        return this;
    }

    /**
     * Tears the {@code nth} write from now: only its first {@code keepBytes} bytes reach the disk
     * (all of it, if it is shorter), then it reports as {@code mode} says.
     */
    public FaultInjectingBlockDevice tearWrite(long nth, int keepBytes, TearMode mode) {
        if (keepBytes < 0) {
            throw new IllegalArgumentException("keepBytes must not be negative: " + keepBytes);
        }
        synchronized (lock) {
            writeFaults.put(writes + checkNth(nth), new WriteFault(true, keepBytes, mode));
        }
        return this;
    }

    /**
     * Cuts the power right after the {@code n}-th write from now completes (at once for 0):
     * the writes not flushed by then are lost, later ones are dropped.
     *
     * @throws ErrnoException when cutting at once and the wrapped device fails while rolling back
     */
    public FaultInjectingBlockDevice cutPowerAfterWrites(long n) throws ErrnoException {
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative: " + n);
        }
        synchronized (lock) {
            if (n == 0) {
                cut();
            } else {
                cutAfterWrite = writes + n;
            }
        }
        return this;
    }

    /** Cuts the power now; see {@link #cutPowerAfterWrites}. */
    public FaultInjectingBlockDevice cutPower() throws ErrnoException {
        return cutPowerAfterWrites(0);
    }

    /** Restores the power: writes reach the disk again (a reboot after a crash). Armed faults stay armed. */
    public FaultInjectingBlockDevice powerOn() {
        synchronized (lock) {
            powerCut = false;
        }
        return this;
    }

    public boolean isPowerCut() {
        synchronized (lock) {
            return powerCut;
        }
    }

    /** Reads asked for (that passed the argument checks), failed or not. */
    public long reads() {
        synchronized (lock) {
            return reads;
        }
    }

    /** Writes asked for (that passed the argument checks), including failed, torn and dropped ones. */
    public long writes() {
        synchronized (lock) {
            return writes;
        }
    }

    public long flushes() {
        synchronized (lock) {
            return flushes;
        }
    }

    /** Reads that reported EIO. */
    public long failedReads() {
        synchronized (lock) {
            return failedReads;
        }
    }

    /** Writes that reported EIO, torn ones included. */
    public long failedWrites() {
        synchronized (lock) {
            return failedWrites;
        }
    }

    /** Writes of which only a part reached the disk. */
    public long tornWrites() {
        synchronized (lock) {
            return tornWrites;
        }
    }

    /** Writes made while the power was cut, reported as done and thrown away. */
    public long droppedWrites() {
        synchronized (lock) {
            return droppedWrites;
        }
    }

    /** Writes that had completed but were not yet flushed when the power failed. */
    public long lostWrites() {
        synchronized (lock) {
            return lostWrites;
        }
    }

    @Override
    public int sectorSize() {
        return inner.sectorSize();
    }

    @Override
    public long size() {
        return inner.size();
    }

    @Override
    public boolean isReadOnly() {
        return inner.isReadOnly();
    }

    @Override
    public void read(long sector, ByteBuffer dst) throws ErrnoException {
        Sectors.checkRead(name, this, sector, dst);
        synchronized (lock) {
            long ordinal = ++reads;
            if (readFaults.remove(ordinal)) {
                failedReads++;
                throw injected("read", ordinal, sector);
            }
            inner.read(sector, dst);
        }
    }

    @Override
    public void write(long sector, ByteBuffer src) throws ErrnoException {
        Sectors.checkWrite(name, this, sector, src);
        synchronized (lock) {
            long ordinal = ++writes;
            try {
                if (powerCut) {
                    droppedWrites++;
                    src.position(src.limit());
                    return;
                }
                WriteFault fault = writeFaults.remove(ordinal);
                if (fault == null) {
                    saveForUndo(sector, src.remaining());
                    inner.write(sector, src);
                    unflushedWrites++;
                } else {
                    applyFault(fault, ordinal, sector, src);
                }
            } finally {
                if (ordinal == cutAfterWrite) {
                    cut();
                }
            }
        }
    }

    /** Commits the writes so far: a power cut no longer loses them. Dropped while the power is cut. */
    @Override
    public void flush() throws ErrnoException {
        synchronized (lock) {
            flushes++;
            if (powerCut) {
                return;
            }
            inner.flush();
            undo.clear();
            unflushedWrites = 0;
        }
    }

    @Override
    public void discard(long sector, long count) throws ErrnoException {
        Sectors.checkDiscard(name, this, sector, count);
        synchronized (lock) {
            if (!powerCut) {
                inner.discard(sector, count);
            }
        }
    }

    /** Closes the wrapped device. */
    @Override
    public void close() throws ErrnoException {
        synchronized (lock) {
            undo.clear();
            inner.close();
        }
    }

    @Override
    public String toString() {
        return "FaultInjectingBlockDevice[" + inner + "]";
    }

    private void applyFault(WriteFault fault, long ordinal, long sector, ByteBuffer src) throws ErrnoException {
        if (!fault.torn()) {
            failedWrites++;
            throw injected("write", ordinal, sector);
        }
        int sectorSize = inner.sectorSize();
        int keep = Math.min(fault.keepBytes(), src.remaining());
        int whole = keep - keep % sectorSize;
        int partial = keep - whole;
        saveForUndo(sector, whole + (partial > 0 ? sectorSize : 0));
        int start = src.position();
        if (whole > 0) {
            inner.write(sector, src.slice(start, whole));
        }
        if (partial > 0) {
            // The sector being written when the power went: its head is new, its tail old.
            long torn = sector + whole / sectorSize;
            ByteBuffer mixed = ByteBuffer.allocate(sectorSize);
            inner.read(torn, mixed);
            mixed.put(0, src.slice(start + whole, partial), 0, partial);
            inner.write(torn, mixed.clear());
        }
        tornWrites++;
        unflushedWrites++;
        if (fault.mode() == TearMode.FAIL) {
            failedWrites++;
            throw new ErrnoException(Errno.EIO, name + ": injected torn write #" + ordinal + " at sector " + sector
                    + ": " + keep + " of " + src.remaining() + " bytes written");
        }
        src.position(src.limit());
    }

    /** Saves the contents at the last flush of the sectors in range not yet saved since it. */
    private void saveForUndo(long sector, int bytes) throws ErrnoException {
        int sectorSize = inner.sectorSize();
        int count = bytes / sectorSize;
        ByteBuffer old = null;
        for (int i = 0; i < count; i++) {
            if (!undo.containsKey(sector + i)) {
                if (old == null) { // one read of the whole range, and only if something is missing
                    old = ByteBuffer.allocate(bytes);
                    inner.read(sector, old);
                }
                byte[] saved = new byte[sectorSize];
                old.get(i * sectorSize, saved);
                undo.put(sector + i, saved);
            }
        }
    }

    /** The power fails: roll the disk back to the last flush and drop what comes after. */
    private void cut() throws ErrnoException {
        powerCut = true;
        cutAfterWrite = NEVER;
        lostWrites += unflushedWrites;
        unflushedWrites = 0;
        try {
            for (Map.Entry<Long, byte[]> e : undo.entrySet()) {
                inner.write(e.getKey(), ByteBuffer.wrap(e.getValue()));
            }
        } finally {
            undo.clear();
        }
    }

    private ErrnoException injected(String op, long ordinal, long sector) {
        return new ErrnoException(Errno.EIO, name + ": injected failure of " + op + " #" + ordinal + " at sector " + sector);
    }

    private static long checkNth(long nth) {
        if (nth < 1) {
            throw new IllegalArgumentException("nth counts from 1 (the next operation): " + nth);
        }
        return nth;
    }
}
