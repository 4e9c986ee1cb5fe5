package io.jrump.kern;

import java.util.Arrays;

/**
 * The {@link PollWaiter}s of one file, woken together when its readiness may have changed.
 * Small and allocation-free until someone waits: most files are never polled.
 */
public final class WaitSet {
    private static final PollWaiter[] NONE = new PollWaiter[0];

    private PollWaiter[] waiters = NONE;

    public synchronized void add(PollWaiter w) {
        PollWaiter[] next = Arrays.copyOf(waiters, waiters.length + 1);
        next[waiters.length] = w;
        waiters = next;
    }

    public synchronized void remove(PollWaiter w) {
        for (int i = 0; i < waiters.length; i++) {
            if (waiters[i] == w) {
                PollWaiter[] next = new PollWaiter[waiters.length - 1];
                System.arraycopy(waiters, 0, next, 0, i);
                System.arraycopy(waiters, i + 1, next, i, next.length - i);
                waiters = next;
                return;
            }
        }
    }

    /** Wakes every waiter; safe to call with the file's own lock held (waiters only unpark). */
    public void wakeAll() {
        PollWaiter[] ws;
        synchronized (this) {
            ws = waiters;
        }
        for (PollWaiter w : ws) {
            w.wake();
        }
    }
}
