package io.jrump.xen.hv;

import io.jrump.api.ErrnoException;

/**
 * One end of a Xen event channel ({@code xen/include/public/event_channel.h}): a doorbell
 * between two domains that carries no data, only "look at the shared page". Notifications
 * that arrive while the channel is masked stay pending and are delivered on unmask, as the
 * hypervisor's pending bit does; several notifications may be delivered as one.
 */
public interface EventChannel extends AutoCloseable {
    /** The local port number. */
    int port();

    /** Signals the other end. */
    void notifyPeer() throws ErrnoException;

    /**
     * Where deliveries go: {@code handler} runs on the channel's delivery thread, never on the
     * thread that called {@link #notifyPeer} on the other side. {@code null} drops them.
     */
    void handler(Runnable handler);

    /**
     * Whether a thread may wait for this channel's notifications itself ({@link #await}) rather
     * than have a handler run on a delivery thread: a driver whose callers wait for their own
     * requests then saves the hand-off through that thread on every response.
     */
    default boolean callerWaits() {
        return false;
    }

    /**
     * Blocks until a notification arrives (and consumes it) or {@code timeoutNanos} pass, on a
     * channel with no handler where {@link #callerWaits}; one waiter at a time. Several
     * notifications may come back as one, and one may be stale: the caller looks at its ring.
     *
     * @return whether a notification arrived
     */
    default boolean await(long timeoutNanos) throws ErrnoException {
        throw new UnsupportedOperationException("event channel " + port() + " delivers to handlers only");
    }

    /** Holds deliveries back until {@link #unmask}. */
    void mask();

    /** Delivers what is pending, then delivers as notifications come. */
    void unmask();

    /**
     * Stops deliveries and releases the port. When a handler is running on another thread,
     * waits for it to return, so that nothing the handler uses is released under it; called
     * from the handler itself, returns at once (the handler is then the last one). A caller
     * must therefore not hold a lock the handler takes.
     */
    @Override
    void close();
}
