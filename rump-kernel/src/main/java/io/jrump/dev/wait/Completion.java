package io.jrump.dev.wait;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.util.concurrent.locks.LockSupport;

/**
 * One request a driver handed to its device, waited for by the caller that made it: done when
 * the device answers (with a result the driver chooses: a status, a length), or failed when the
 * device is gone.
 *
 * <p>The waiter parks on its own thread and whoever completes the request unparks that thread
 * alone, with no shared monitor between them: completing one request of many in flight wakes
 * one caller, not all of them. {@link #nudge} wakes the waiter without completing, which is how
 * {@link CallerWaits} passes the job of waiting for the device on.
 */
public final class Completion {
    private volatile boolean done;
    private volatile int result;
    private volatile String failure;
    private volatile Thread waiter;

    /** The device answered with {@code result}; wakes the waiter. */
    public void complete(int result) {
        this.result = result;
        this.done = true;
        LockSupport.unpark(waiter);
    }

    /** The device is gone; the waiter gets EIO naming {@code why}. */
    public void fail(String why) {
        this.failure = why;
        this.done = true;
        LockSupport.unpark(waiter);
    }

    /** Makes it waitable again for a new request, by a driver that reuses its completions. */
    public void reset() {
        done = false;
        failure = null;
        result = 0;
    }

    public boolean isDone() {
        return done;
    }

    /** Why it failed, or null (answered, or not done yet). */
    public String failure() {
        return failure;
    }

    /** Makes the calling thread the waiter, before anyone may {@link #nudge} it. */
    void claim() {
        waiter = Thread.currentThread();
    }

    /** Wakes the waiter (if it is parked) so it looks again; completes nothing. */
    void nudge() {
        LockSupport.unpark(waiter);
    }

    /**
     * Parks once: until completed, nudged, the deadline, or a spurious wake-up.
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
            throw new ErrnoException(Errno.EINTR, "interrupted waiting for a device");
        }
    }

    /**
     * Waits until done, for a device whose completions come from a thread of their own (an
     * interrupt handler) rather than from a waiting caller.
     *
     * @return whether it is done (false at the deadline)
     * @throws ErrnoException EINTR when interrupted
     */
    public boolean await(long deadlineNanos) throws ErrnoException {
        while (!done) {
            if (deadlineNanos - System.nanoTime() <= 0) {
                return false;
            }
            parkOnce(deadlineNanos);
        }
        return true;
    }

    /**
     * The outcome of a done request.
     *
     * @throws ErrnoException EIO naming why, when it failed
     */
    public int result() throws ErrnoException {
        if (failure != null) {
            throw new ErrnoException(Errno.EIO, failure);
        }
        return result;
    }
}
