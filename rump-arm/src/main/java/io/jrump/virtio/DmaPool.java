package io.jrump.virtio;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;

/**
 * Allocates the shared memory a driver hands to its device: ring areas, and the bounce
 * buffers data passes through (the caller's buffers are JVM memory the device cannot see).
 *
 * <p>Page-granular first fit over a bitmap: virtio rings want page alignment (legacy MMIO
 * requires it), buffers are few and large, and freeing must never fail. When the pool is
 * exhausted, {@link #alloc(int, long)} waits for a free, bounded by the caller's timeout, so
 * many requests in flight throttle themselves instead of failing.
 *
 * <p>Allocations are not cleared: the device sees the whole region anyway, so old contents
 * hide nothing from it, and clearing a 1 MiB bounce buffer per request would cost as much as
 * the transfer. Whoever needs zeroes (ring setup, a header) writes them.
 */
public final class DmaPool {
    /** The allocation unit; also the alignment of every allocation. */
    public static final int PAGE = 4096;

    private final GuestMemory memory;
    private final BitSet used;
    private final int pages;

    public DmaPool(GuestMemory memory) {
        this.memory = memory;
        this.pages = memory.size() / PAGE;
        this.used = new BitSet(pages);
    }

    public GuestMemory memory() {
        return memory;
    }

    /** Allocates at once, or ENOMEM. */
    public long alloc(int bytes) throws ErrnoException {
        long gpa = tryAlloc(bytes);
        if (gpa < 0) {
            throw new ErrnoException(Errno.ENOMEM, "virtio: no " + bytes + " bytes of shared memory left (" + memory + ")");
        }
        return gpa;
    }

    /** Allocates, waiting up to {@code timeoutNanos} for memory to be freed; ENOMEM after that or when it can never fit. */
    public long alloc(int bytes, long timeoutNanos) throws ErrnoException {
        long deadline = System.nanoTime() + timeoutNanos;
        synchronized (this) {
            while (true) {
                long gpa = tryAlloc(bytes);
                if (gpa >= 0) {
                    return gpa;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || pagesFor(bytes) > pages) {
                    throw new ErrnoException(Errno.ENOMEM, "virtio: no " + bytes + " bytes of shared memory freed in time (" + memory + ")");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ErrnoException(Errno.EINTR, "virtio: interrupted waiting for shared memory");
                }
            }
        }
    }

    private static int pagesFor(int bytes) {
        return Math.max(1, (bytes + PAGE - 1) / PAGE);
    }

    private synchronized long tryAlloc(int bytes) {
        int n = pagesFor(bytes);
        int start = used.nextClearBit(0);
        while (start + n <= pages) {
            int busy = used.nextSetBit(start);
            if (busy < 0 || busy >= start + n) {
                used.set(start, start + n);
                return memory.base() + (long) start * PAGE;
            }
            start = used.nextClearBit(busy);
        }
        return -1;
    }

    /** Returns an allocation of {@code bytes} at {@code gpa}. */
    public synchronized void free(long gpa, int bytes) {
        int first = (int) ((gpa - memory.base()) / PAGE);
        used.clear(first, first + pagesFor(bytes));
        notifyAll();
    }

    /** Pages in use, for tests. */
    public synchronized int pagesInUse() {
        return used.cardinality();
    }
}
