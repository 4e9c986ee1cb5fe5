package io.jrump.netinet;

import io.jrump.api.spi.Platform;
import io.jrump.kern.Accounting;
import io.jrump.kern.CpuMeter;
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

    private final Accounting accounting;

    StackClock(Platform platform) {
        this(platform, null);
    }

    /** Timers run for the kernel whose {@code accounting} this is (null: nobody is charged). */
    StackClock(Platform platform, Accounting accounting) {
        this.platform = platform;
        this.accounting = accounting != null && accounting.enabled() ? accounting : null;
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
        if (v != null) {
            return v.schedule(delayNanos, task);
        }
        Accounting a = accounting;
        return platform.schedule(delayNanos, a == null ? task : () -> {
            CpuMeter m = a.enter();
            try {
                task.run();
            } finally {
                m.close();
            }
        });
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
