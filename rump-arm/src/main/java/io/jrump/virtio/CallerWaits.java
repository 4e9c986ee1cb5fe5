package io.jrump.virtio;

import io.jrump.api.ErrnoException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;

/**
 * Waiting for a queue's used buffers on the callers' own threads, for transports whose
 * interrupts a caller can wait for itself ({@link Transport#callerWaits()}): no transport
 * thread stands between the device and the caller.
 *
 * <p>Leader and followers: of the callers waiting on one queue, one at a time (the leader)
 * sleeps on the device's interrupt, takes back every used chain and completes each, which
 * unparks its caller directly; the others park on their own {@link Completion}. A leader whose
 * own request is done leaves and nudges one waiter that is still waiting, which becomes the
 * next leader. With one request in flight the device therefore wakes the requesting thread
 * itself: one hand-off each way, as with a system call. Each waiter is added to the waiting
 * set before it tries to lead, and a leader scans the set after letting go, so a waiter that
 * failed to lead is always seen by the leader it lost to.
 *
 * <p>A submitter that finds the ring full waits here too ({@link #awaitRoom}), leading when no
 * one does, since only a leader takes chains back.
 */
public final class CallerWaits {
    private final Transport transport;
    private final SplitQueue queue;
    private final IntSupplier reap;
    private final Object lock;
    private final ReentrantLock leader = new ReentrantLock();
    private final Queue<Completion> waiting = new ConcurrentLinkedQueue<>();
    /** Submitters waiting in {@link #awaitRoom} for the leader: only then does a leaving leader take the lock to notify. */
    private final AtomicInteger roomWaiters = new AtomicInteger();
    /** Whether and how long a leader polls before it sleeps. */
    private final PollGate gate = new PollGate();

    /**
     * @param reap takes back every used chain (under the driver's lock), completes each, and
     *        re-enables interrupts; returns how many it took
     * @param lock the driver's queue lock, notified when leadership is free
     */
    public CallerWaits(Transport transport, SplitQueue queue, IntSupplier reap, Object lock) {
        this.transport = transport;
        this.queue = queue;
        this.reap = reap;
        this.lock = lock;
    }

    /**
     * Waits for {@code c}.
     *
     * @return the bytes the device wrote, or -1 at the deadline
     * @throws ErrnoException EIO when the device was disconnected or the transport failed, EINTR when interrupted
     */
    public int await(Completion c, long deadlineNanos) throws ErrnoException {
        if (c.isDone()) {
            return c.result();
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
                        return -1; // a leader leaves undone only at its deadline
                    }
                } else {
                    if (deadlineNanos - System.nanoTime() <= 0) {
                        return -1;
                    }
                    c.parkOnce(deadlineNanos);
                }
            }
        } finally {
            waiting.remove(c);
        }
        return c.result();
    }

    private void lead(Completion c, long deadlineNanos) throws ErrnoException {
        while (true) {
            reap.getAsInt();
            if (c.isDone()) {
                return;
            }
            long start = System.nanoTime();
            long left = deadlineNanos - start;
            if (left <= 0) {
                return;
            }
            if (!spin(start)) {
                transport.awaitInterrupt(queue, left);
            }
            if (queue.hasUsed()) {
                gate.answered(System.nanoTime() - start);
            }
        }
    }

    /**
     * Polls the used ring for a short while before sleeping, when {@link PollGate} finds it
     * worth it: an answer that comes within the poll is seen without a wake-up. While it polls,
     * the device is asked not to signal (saving its eventfd write, and a stale wake-up on this
     * side).
     *
     * @return whether used chains arrived while spinning
     */
    private boolean spin(long start) {
        long limit = gate.pollNanos();
        if (limit == 0) {
            return false;
        }
        synchronized (lock) {
            queue.disableInterrupts(); // the device need not signal what this poll sees
        }
        for (long now = start; now - start < limit; now = System.nanoTime()) {
            if (queue.hasUsed()) {
                gate.polled(true);
                return true; // the reap that follows asks for interrupts again
            }
            Thread.onSpinWait();
        }
        gate.polled(false);
        synchronized (lock) {
            return queue.enableInterrupts(); // before sleeping: a chain that came meanwhile is seen now, a later one signals
        }
    }

    /**
     * The ring was full when a submitter tried to add a chain: returns once chains may have
     * come back (the caller tries again), or at the deadline.
     */
    public void awaitRoom(long deadlineNanos) throws ErrnoException {
        if (leader.tryLock()) {
            try {
                long left = deadlineNanos - System.nanoTime();
                if (reap.getAsInt() == 0 && left > 0) {
                    transport.awaitInterrupt(queue, left);
                    reap.getAsInt();
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
                    TimeUnit.NANOSECONDS.timedWait(lock, left); // the leader's reap, or its leaving, notifies
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ErrnoException(io.jrump.api.Errno.EINTR, "virtio: interrupted waiting for a free descriptor");
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
}
