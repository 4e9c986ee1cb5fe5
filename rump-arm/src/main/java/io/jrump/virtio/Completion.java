package io.jrump.virtio;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One chain a driver handed to its device, waited for by the caller that made it: done when
 * the device returns it (with the bytes it wrote), or failed when the device is disconnected.
 */
public final class Completion {
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile int len = -1;
    private volatile String failure;

    /** The device returned the chain having written {@code len} bytes. */
    public void complete(int len) {
        this.len = len;
        done.countDown();
    }

    /** The device is gone; the waiter gets EIO naming why. */
    public void fail(String why) {
        this.failure = why;
        done.countDown();
    }

    public boolean isDone() {
        return done.getCount() == 0;
    }

    /**
     * Waits until done.
     *
     * @return the bytes the device wrote, or -1 when the wait timed out
     * @throws ErrnoException EIO when the device was disconnected, EINTR when interrupted
     */
    public int await(long deadlineNanos) throws ErrnoException {
        try {
            long left = deadlineNanos - System.nanoTime();
            if (!done.await(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                return -1;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR, "virtio: interrupted waiting for the device");
        }
        if (failure != null) {
            throw new ErrnoException(Errno.EIO, failure);
        }
        return len;
    }
}
