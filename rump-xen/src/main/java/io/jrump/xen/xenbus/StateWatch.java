package io.jrump.xen.xenbus;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.xen.xenstore.XenStoreClient;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Follows the other end's {@code state} node through a xenstore watch, so a driver can wait
 * for a state ("backend Connected") with a deadline and be told of every change ("backend
 * Closing"). A node that is missing or holds garbage reads as {@link XenbusState#UNKNOWN}.
 */
public final class StateWatch implements AutoCloseable {
    private static final AtomicInteger TOKENS = new AtomicInteger();

    private final XenStoreClient xs;
    private final String path;
    private final String token;
    private volatile Consumer<XenbusState> listener;
    private XenbusState state = XenbusState.UNKNOWN;
    private boolean closed;

    private StateWatch(XenStoreClient xs, String path) {
        this.xs = xs;
        this.path = path;
        this.token = "jrump-state-" + TOKENS.incrementAndGet();
    }

    /** Starts watching {@code path} (a {@code .../state} node). */
    public static StateWatch start(XenStoreClient xs, String path) throws ErrnoException {
        StateWatch w = new StateWatch(xs, path);
        xs.watch(path, w.token, (p, t) -> w.changed());
        return w;
    }

    /** Called on the client's watch thread with every state seen after this call. */
    public void listener(Consumer<XenbusState> listener) {
        this.listener = listener;
    }

    private void changed() {
        XenbusState s;
        try {
            s = XenbusState.parse(xs.read(path));
        } catch (ErrnoException e) {
            s = e.errno() == Errno.ENOENT ? XenbusState.CLOSED : XenbusState.UNKNOWN;
        }
        synchronized (this) {
            state = s;
            notifyAll();
        }
        Consumer<XenbusState> l = listener;
        if (l != null) {
            l.accept(s);
        }
    }

    public synchronized XenbusState state() {
        return state;
    }

    /**
     * Waits until the state satisfies {@code done}; fails with ENODEV when it satisfies
     * {@code fail} first, and ETIMEDOUT at the deadline.
     */
    public synchronized XenbusState await(Predicate<XenbusState> done, Predicate<XenbusState> fail, Duration timeout, String what)
            throws ErrnoException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.test(state)) {
            if (fail.test(state)) {
                throw new ErrnoException(Errno.ENODEV, what + ": " + path + " went to " + state);
            }
            long left = deadline - System.nanoTime();
            if (closed || left <= 0) {
                throw new ErrnoException(Errno.ETIMEDOUT, what + ": " + path + " still " + state + " after " + timeout.toMillis() + " ms");
            }
            try {
                wait(Math.max(1, left / 1_000_000), 0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ErrnoException(Errno.EINTR, what + ": interrupted");
            }
        }
        return state;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
        }
        try {
            xs.unwatch(path, token);
        } catch (ErrnoException e) {
            // the connection is gone: so is the watch
        }
    }
}
