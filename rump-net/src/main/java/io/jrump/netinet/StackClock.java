package io.jrump.netinet;

import io.jrump.api.spi.Platform;
import io.jrump.net.link.NetClock;

/**
 * The clock of one stack: the platform's clock until an interface is created on a device of
 * a simulation, then that simulation's virtual clock for good (see
 * {@link io.jrump.net.link.ClockedDevice}). Protocols hold this object, never the delegate, so
 * the switch reaches them all.
 */
final class StackClock implements NetClock {
    private final Platform platform;
    private volatile NetClock virtual;

    StackClock(Platform platform) {
        this.platform = platform;
    }

    NetClock virtual() {
        return virtual;
    }

    @Override
    public boolean isHostTime() {
        return virtual == null;
    }

    void useVirtual(NetClock clock) {
        virtual = clock;
    }

    @Override
    public long nanos() {
        NetClock v = virtual;
        return v != null ? v.nanos() : platform.monotonicNanos();
    }

    @Override
    public Platform.Timer schedule(long delayNanos, Runnable task) {
        NetClock v = virtual;
        return v != null ? v.schedule(delayNanos, task) : platform.schedule(delayNanos, task);
    }

    @Override
    public void entropy(byte[] dst) {
        NetClock v = virtual;
        if (v != null) {
            v.entropy(dst);
        } else {
            platform.entropy(dst);
        }
    }

    @Override
    public void await(Object monitor, long deadlineNanos) throws InterruptedException {
        NetClock v = virtual;
        if (v != null) {
            v.await(monitor, deadlineNanos);
        } else {
            NetClock.super.await(monitor, deadlineNanos);
        }
    }

    /** Wall-clock time for socket {@code fstat}; virtual stacks start at the epoch. */
    long wallNanos() {
        NetClock v = virtual;
        return v != null ? v.nanos() : platform.wallClockNanos();
    }

    int random32() {
        byte[] b = new byte[4];
        entropy(b);
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }
}
