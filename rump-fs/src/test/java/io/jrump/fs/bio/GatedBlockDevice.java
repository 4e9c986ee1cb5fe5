package io.jrump.fs.bio;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A block device for concurrency tests: counts the reads that start at each sector, and can hold
 * one chosen read (or every write) inside the device until the test opens the gate, so a test
 * can see what other threads manage to do meanwhile. A held read can be made to fail.
 */
final class GatedBlockDevice implements BlockDevice {
    /** Bound on every wait in these tests, so a broken cache fails instead of hanging the build. */
    static final long PATIENCE_SECONDS = 20;

    private final BlockDevice inner;
    private final Map<Long, AtomicInteger> readsAt = new ConcurrentHashMap<>();
    private volatile long heldSector = -1;
    private volatile boolean holdWrites;
    private volatile boolean failHeld;
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch gate = new CountDownLatch(1);

    GatedBlockDevice(BlockDevice inner) {
        this.inner = inner;
    }

    /** Holds the next reads that start at {@code sector}, failing them with EIO if {@code fail}. */
    void holdReadAt(long sector, boolean fail) {
        this.heldSector = sector;
        this.failHeld = fail;
    }

    void holdWrites() {
        this.holdWrites = true;
    }

    /** Device read requests so far, wherever they started. */
    int reads() {
        return readsAt.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    int readsAt(long sector) {
        AtomicInteger n = readsAt.get(sector);
        return n == null ? 0 : n.get();
    }

    private void hold() throws ErrnoException {
        entered.countDown();
        try {
            if (!gate.await(PATIENCE_SECONDS, TimeUnit.SECONDS)) {
                throw new ErrnoException(Errno.ETIMEDOUT, "test gate never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR, "test gate");
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
        readsAt.computeIfAbsent(sector, s -> new AtomicInteger()).incrementAndGet();
        if (sector == heldSector) {
            hold();
            if (failHeld) {
                throw new ErrnoException(Errno.EIO, "injected read error at sector " + sector);
            }
        }
        inner.read(sector, dst);
    }

    @Override
    public void write(long sector, ByteBuffer src) throws ErrnoException {
        if (holdWrites) {
            hold();
        }
        inner.write(sector, src);
    }

    @Override
    public void flush() throws ErrnoException {
        inner.flush();
    }

    @Override
    public void close() throws ErrnoException {
        inner.close();
    }
}
