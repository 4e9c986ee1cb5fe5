package io.jrump.netinet;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.spi.DeviceInfo;
import io.jrump.api.spi.Platform;
import java.util.List;

/**
 * A platform for stacks built directly in tests: they move to a simulation's clock with their
 * first interface, so the platform's own clock and timers are never used for long; asking it
 * for a thread or a device is a test bug.
 */
final class SimPlatform implements Platform {
    @Override
    public String name() {
        return "test";
    }

    @Override
    public long monotonicNanos() {
        return 0;
    }

    @Override
    public long wallClockNanos() {
        return 0;
    }

    @Override
    public void sleepNanos(long nanos) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void entropy(byte[] dst) {
        java.util.Arrays.fill(dst, (byte) 7);
    }

    @Override
    public Thread newThread(String name, Runnable body) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Timer schedule(long delayNanos, Runnable task) {
        throw new UnsupportedOperationException("a test stack must be on a simulation's clock");
    }

    @Override
    public System.Logger logger() {
        return System.getLogger("test");
    }

    @Override
    public List<DeviceInfo> devices() {
        return List.of();
    }

    @Override
    public BlockDevice blockDevice(String name) throws ErrnoException {
        throw new ErrnoException(Errno.ENXIO);
    }

    @Override
    public NetDevice netDevice(String name) throws ErrnoException {
        throw new ErrnoException(Errno.ENXIO);
    }

    @Override
    public void close() {
    }
}
