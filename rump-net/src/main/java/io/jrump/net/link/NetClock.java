package io.jrump.net.link;

import io.jrump.api.spi.Platform;

/**
 * Time, timers and randomness for one network stack. On the host this is the platform's
 * clock; in a simulation it is a virtual clock that advances only when every kernel on a
 * bus is idle, so a seeded exchange replays byte for byte. Protocols must take every time
 * stamp, timer and random number from here.
 */
public interface NetClock {
    long nanos();

    /**
     * Whether this is the host's own time, where other threads deliver while a caller waits
     * (so a blocked call may spin briefly before {@link #await}); false for a virtual clock,
     * whose events run only inside {@code await}. False unless a clock says otherwise.
     */
    default boolean isHostTime() {
        return false;
    }

    /**
     * Whether this clock and {@code other} run on one time line, so that one stack may use
     * either: clocks of one simulation do, though each has a random stream of its own. A
     * clock is on its own time line unless it says otherwise.
     */
    default boolean sharesTimeline(NetClock other) {
        return other == this;
    }

    /** Runs {@code task} once after {@code delayNanos} (on a timer thread, or inline in virtual time). */
    Platform.Timer schedule(long delayNanos, Runnable task);

    /** Random bytes: secure on the host, seeded in a simulation. */
    void entropy(byte[] dst);

    /**
     * Blocks a socket call until {@code monitor} is notified or {@code deadlineNanos} (on this
     * clock; {@code Long.MAX_VALUE} for none) has passed. The caller holds {@code monitor}'s lock
     * and re-checks its condition after every return, as with {@link Object#wait}.
     *
     * <p>On real time this is a timed {@code wait}. On a virtual clock nothing would ever happen
     * while the only thread waits, so the simulation's next event is run here instead: a
     * blocking call drives the simulation until its condition holds, which is how "time
     * advances only when every kernel is idle" looks from a thread that is blocked. Protocols
     * must therefore block only through this method.
     */
    default void await(Object monitor, long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - nanos();
        if (left <= 0) {
            return;
        }
        if (deadlineNanos == Long.MAX_VALUE) {
            monitor.wait();
        } else {
            java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(monitor, left);
        }
    }
}
