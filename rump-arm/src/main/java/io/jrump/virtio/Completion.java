package io.jrump.virtio;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.util.concurrent.locks.LockSupport;

/**
 * One chain a driver handed to its device, waited for by the caller that made it: done when
 * the device returns it (with the bytes it wrote), or failed when the device is disconnected.
 *
 * <p>The waiter parks on its own thread and whoever completes the chain unparks it directly,
 * with no lock or latch between them; {@link #nudge} wakes it without completing, which is how
 * {@link CallerWaits} hands the job of waiting for the device to another caller.
 */
public final class Completion {
    private volatile boolean done;
    private volatile int len = -1;
    private volatile String failure;
    private volatile Thread waiter;

    /** The device returned the chain having written {@code len} bytes. */
    public void complete(int len) {
        this.len = len;
        this.done = true;
        LockSupport.unpark(waiter);
    }

    /** The device is gone; the waiter gets EIO naming why. */
    public void fail(String why) {
        this.failure = why;
        this.done = true;
        LockSupport.unpark(waiter);
    }

    public boolean isDone() {
        return done;
    }

    /** Makes the calling thread this chain's waiter, before anyone may {@link #nudge} it. */
    void claim() {
        waiter = Thread.currentThread();
    }

    /** Wakes the waiter (if it is parked) so it looks again; does not complete anything. */
    void nudge() {
        LockSupport.unpark(waiter);
    }

    /**
     * Parks once, until completed, nudged, the deadline, or a spurious wake-up.
     *
     * @throws ErrnoException EINTR when interrupted
     */
    void parkOnce(long deadlineNanos) throws ErrnoException {
        claim();
        if (!done) {
            long left = deadlineNanos - System.nanoTime();
            if (left > 0) {
                LockSupport.parkNanos(this, left);
            }
        }
        if (Thread.interrupted()) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR, "virtio: interrupted waiting for the device");
        }
    }

    /**
     * Waits until done.
     *
     * @return the bytes the device wrote, or -1 when the wait timed out
     * @throws ErrnoException EIO when the device was disconnected, EINTR when interrupted
     */
    public int await(long deadlineNanos) throws ErrnoException {
        while (!done) {
            if (deadlineNanos - System.nanoTime() <= 0) {
                return -1;
            }
            parkOnce(deadlineNanos);
        }
        return result();
    }

    /** The outcome of a done chain: its length, or EIO when it failed. */
    int result() throws ErrnoException {
        if (failure != null) {
            throw new ErrnoException(Errno.EIO, failure);
        }
        return len;
    }
}
