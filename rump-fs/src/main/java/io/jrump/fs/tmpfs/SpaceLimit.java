package io.jrump.fs.tmpfs;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A budget of pages or inodes. Reservations are lock-free, since writers to different files
 * of one tmpfs should not meet anywhere but here, and here only on one counter.
 */
final class SpaceLimit {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    SpaceLimit(long limit) {
        this.limit = limit;
    }

    /** Takes {@code n} units if that many are left. */
    boolean tryReserve(long n) {
        while (true) {
            long u = used.get();
            if (u > limit - n) {
                return false;
            }
            if (used.compareAndSet(u, u + n)) {
                return true;
            }
        }
    }

    void release(long n) {
        used.addAndGet(-n);
    }

    long used() {
        return used.get();
    }

    long limit() {
        return limit;
    }

    boolean isUnlimited() {
        return limit == Long.MAX_VALUE;
    }
}
