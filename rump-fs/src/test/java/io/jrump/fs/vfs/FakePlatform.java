package io.jrump.fs.vfs;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.spi.DeviceInfo;
import io.jrump.api.spi.Platform;
import java.util.List;

/** Just enough platform for driving the VFS without a kernel: a clock that moves, and no devices. */
final class FakePlatform implements Platform {
    private long now = 1_700_000_000_000_000_000L;

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public long monotonicNanos() {
        return now;
    }

    @Override
    public synchronized long wallClockNanos() {
        return now += 1000;
    }

    @Override
    public void sleepNanos(long nanos) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void entropy(byte[] dst) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Thread newThread(String name, Runnable body) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Timer schedule(long delayNanos, Runnable task) {
        throw new UnsupportedOperationException();
    }

    @Override
    public System.Logger logger() {
        return System.getLogger("fake");
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
    public void close() {
    }
}
