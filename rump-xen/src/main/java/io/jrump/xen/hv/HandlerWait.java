package io.jrump.xen.hv;

import java.util.function.BooleanSupplier;

/**
 * The wait that {@link EventChannel#close()} promises, for channels that deliver on a thread of
 * their own: no return while a handler runs on that thread, unless the caller is the handler.
 */
public final class HandlerWait {
    private HandlerWait() {
    }

    /**
     * Waits on {@code monitor}, which the caller holds and the delivery thread notifies when a
     * handler returns, while {@code running} says a handler runs on {@code delivery} and the
     * caller is another thread. An interrupt does not cut the wait short: it is kept for the
     * caller once the wait is over.
     */
    public static void untilIdle(Object monitor, BooleanSupplier running, Thread delivery) {
        boolean interrupted = false;
        while (running.getAsBoolean() && Thread.currentThread() != delivery) {
            try {
                monitor.wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
