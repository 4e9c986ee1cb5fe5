package io.jrump.dev.wait;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Waiting for a device's answers on the callers' own threads, for a device whose signal (an
 * event channel, an interrupt eventfd) a caller can sleep on itself: no driver thread stands
 * between the device and the caller.
 *
 * <p>Leader and followers: of the callers waiting on one device, one at a time (the leader)
 * sleeps on the device's signal, takes back every answer ({@link Device#reap}), and the driver
 * completes each request's {@link Completion}, which unparks that request's caller and no
 * other; the rest stay parked on their own completions. With many requests in flight, an
 * answer thus wakes the callers it answers, not every waiter (a thundering herd that costs a
 * context switch per waiter per answer). A leader whose own request is done leaves and nudges
 * one waiter still waiting, which becomes the next leader. With one request in flight the
 * device therefore wakes the requesting thread itself. Each waiter joins the waiting set before
 * it tries to lead, and a leader looks at the set after letting go, so a waiter that failed to
 * lead is always seen by the leader it lost to.
 *
 * <p>A submitter that finds no room for its request waits here too ({@link #awaitRoom}),
 * leading when no one does, for drivers whose room comes back only when answers are taken.
 */
public final class CallerWaits {
    /** The device, as the waiting needs it. */
    public interface Device {
        /**
         * Takes back every answer the device has made (under the driver's own lock), completes
         * each request's {@link Completion}, and asks the device to signal the next one.
         *
         * @return how many answers it took
         */
        int reap();

        /**
         * Sleeps until the device signals or {@code nanos} pass; one caller at a time (the
         * leader). A signal may be stale or stand for several answers: the leader reaps after.
         *
         * @throws ErrnoException when the signal itself failed (the device's channel closed)
         */
        void awaitSignal(long nanos) throws ErrnoException;
    }

    private final Device device;
    private final Object lock;
    private final ReentrantLock leader = new ReentrantLock();
    private final Queue<Completion> waiting = new ConcurrentLinkedQueue<>();
    /** Submitters waiting in {@link #awaitRoom}: only then does a leaving leader take the lock to notify. */
    private final AtomicInteger roomWaiters = new AtomicInteger();
    private final LongAdder idleWakeups = new LongAdder();

    /**
     * @param lock the driver's lock, notified when leadership is free (for {@link #awaitRoom})
     */
    public CallerWaits(Device device, Object lock) {
        this.device = device;
        this.lock = lock;
    }

    /**
     * Waits for {@code c}, leading when no one else does.
     *
     * @return whether it is done (false at the deadline)
     * @throws ErrnoException EINTR when interrupted; what {@link Device#awaitSignal} throws
     */
    public boolean await(Completion c, long deadlineNanos) throws ErrnoException {
        if (c.isDone()) {
            return true;
        }
        c.claim();
        waiting.add(c);
        try {
            while (!c.isDone()) {
                if (leader.tryLock()) {
                    try {
                        lead(c, deadlineNanos);
                    } finally {
                        leader.unlock();
                        handOff();
                    }
                    if (!c.isDone()) {
                        return false; // a leader leaves undone only at its deadline
                    }
                } else {
                    if (deadlineNanos - System.nanoTime() <= 0) {
                        return false;
                    }
                    c.parkOnce(deadlineNanos);
                    if (!c.isDone() && leader.isLocked()) {
                        idleWakeups.increment();
                    }
                }
            }
        } finally {
            waiting.remove(c);
        }
        return true;
    }

    private void lead(Completion c, long deadlineNanos) throws ErrnoException {
        while (true) {
            device.reap();
            if (c.isDone()) {
                return;
            }
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return;
            }
            device.awaitSignal(left);
        }
    }

    /**
     * There was no room for a request: returns once answers may have been taken back (the
     * caller tries again), or at the deadline.
     *
     * @throws ErrnoException EINTR when interrupted; what {@link Device#awaitSignal} throws
     */
    public void awaitRoom(long deadlineNanos) throws ErrnoException {
        if (leader.tryLock()) {
            try {
                long left = deadlineNanos - System.nanoTime();
                if (device.reap() == 0 && left > 0) {
                    device.awaitSignal(left);
                    device.reap();
                }
            } finally {
                leader.unlock();
                handOff();
            }
            return;
        }
        synchronized (lock) {
            roomWaiters.incrementAndGet(); // before looking at the leader: one that leaves after this notifies
            try {
                long left = deadlineNanos - System.nanoTime();
                if (leader.isLocked() && left > 0) {
                    TimeUnit.NANOSECONDS.timedWait(lock, left); // the leader's leaving (or the driver's reap) notifies
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ErrnoException(Errno.EINTR, "interrupted waiting for room on a device");
            } finally {
                roomWaiters.decrementAndGet();
            }
        }
    }

    /** After a leader let go: the next waiter still waiting leads; submitters waiting for room look again. */
    private void handOff() {
        for (Completion w : waiting) {
            if (!w.isDone()) {
                w.nudge();
                break;
            }
        }
        if (roomWaiters.get() > 0) { // read after the leader lock's release: a submitter counted before it looked sees it free
            synchronized (lock) {
                lock.notifyAll();
            }
        }
    }

    /**
     * Times a follower woke with its request not done while another caller led: what a
     * thundering herd costs (each is a context switch for nothing). Spurious wake-ups only, here.
     */
    public long idleWakeups() {
        return idleWakeups.sum();
    }
}
