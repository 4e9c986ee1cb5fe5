package io.jrump.netinet;

import io.jrump.api.spi.Platform;

/**
 * Time, timers and randomness for one network stack. On the host this is the platform's
 * clock; in a simulation it is a virtual clock that advances only when every kernel on a
 * bus is idle, so a seeded exchange replays byte for byte. Protocols must take every time
 * stamp, timer and random number from here.
 */
public interface NetClock {
    long nanos();

    /** Runs {@code task} once after {@code delayNanos} (on a timer thread, or inline in virtual time). */
    Platform.Timer schedule(long delayNanos, Runnable task);

    /** Random bytes: secure on the host, seeded in a simulation. */
    void entropy(byte[] dst);
}
