package io.jrump.kern.internal;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.spi.BootConfig;
import io.jrump.api.spi.DeviceInfo;
import io.jrump.api.spi.KernelComponent;
import io.jrump.api.spi.Platform;
import io.jrump.api.spi.PlatformConfig;
import io.jrump.api.spi.PlatformProvider;
import io.jrump.api.spi.Probe;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** A platform with only clocks and a logger, so the base kernel can be tested on its own; counts opens and closes. */
final class TestPlatform implements Platform {
    static final AtomicInteger OPEN = new AtomicInteger();

    static final class Provider implements PlatformProvider {
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
            OPEN.incrementAndGet();
            return new TestPlatform();
        }
    }

    static Kernel boot(KernelComponent... components) {
        BootConfig config = new BootConfig(null, List.of(), Map.of(), List.of());
        return (Kernel) new LinkedKernel(config, new Provider(), List.of(components)).boot();
    }

    private boolean closed;

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
