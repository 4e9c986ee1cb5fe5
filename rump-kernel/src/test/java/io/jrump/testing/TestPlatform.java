package io.jrump.testing;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.spi.DeviceInfo;
import io.jrump.api.spi.Platform;
import io.jrump.api.spi.PlatformConfig;
import io.jrump.api.spi.PlatformProvider;
import io.jrump.api.spi.Probe;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The test platform every module's tests share: clocks, a logger, seeded entropy and threads,
 * but no timers and no devices, so that the base kernel, a VFS or a network stack can be
 * tested on their own (a stack moves to a simulation's clock with its first interface). It
 * counts the platforms open, so a test can see that a kernel closes what it opened.
 */
public final class TestPlatform implements Platform {
    /** Test platforms open now (made and not yet closed). */
    public static final AtomicInteger OPEN = new AtomicInteger();

    /** Opens test platforms, for a kernel linked by hand. */
    public static final class Provider implements PlatformProvider {
        @Override
        public String name() {
            return "test";
        }

        @Override
        public Probe probe() {
            return Probe.supported(0, "test");
        }

        @Override
        public Platform open(PlatformConfig config) {
            return new TestPlatform();
        }
    }

    private boolean closed;

    public TestPlatform() {
        OPEN.incrementAndGet();
    }

    @Override
    public String name() {
        return "test";
    }

    @Override
    public long monotonicNanos() {
        return System.nanoTime();
    }

    @Override
    public long wallClockNanos() {
        return System.currentTimeMillis() * 1_000_000L;
    }

    @Override
    public void sleepNanos(long nanos) throws InterruptedException {
        Thread.sleep(nanos / 1_000_000L, (int) (nanos % 1_000_000L));
    }

    @Override
    public void entropy(byte[] dst) {
        new java.util.Random(1).nextBytes(dst);
    }

    @Override
    public Thread newThread(String name, Runnable body) {
        return new Thread(body, name);
    }

    @Override
    public Timer schedule(long delayNanos, Runnable task) {
        throw new UnsupportedOperationException("no timers on the test platform");
    }

    @Override
    public System.Logger logger() {
        return System.getLogger("jrump.test");
    }

    @Override
    public List<DeviceInfo> devices() {
        return List.of();
    }

    @Override
    public BlockDevice blockDevice(String name) throws ErrnoException {
        throw new ErrnoException(Errno.ENXIO, name);
    }

    @Override
    public NetDevice netDevice(String name) throws ErrnoException {
        throw new ErrnoException(Errno.ENXIO, name);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            OPEN.decrementAndGet();
        }
    }
}
