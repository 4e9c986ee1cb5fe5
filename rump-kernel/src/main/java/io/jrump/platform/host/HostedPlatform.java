package io.jrump.platform.host;

import io.jrump.api.spi.Platform;
import java.util.Objects;

/**
 * A platform whose clocks, entropy, threads, timers and logger are the host JVM's — as for the
 * {@code arm} and {@code xen} platforms, whose own part is their devices: the JVM that runs a
 * kernel in an ARM or Xen guest has nothing better to offer for those. A subclass is given the
 * host platform it was opened with and adds the devices, the name and the close.
 */
public abstract class HostedPlatform implements Platform {
    /** The host platform the hypercalls go to; a subclass closes it with itself. */
    protected final Platform host;

    protected HostedPlatform(Platform host) {
        this.host = Objects.requireNonNull(host, "host");
    }

    @Override
    public long monotonicNanos() {
        return host.monotonicNanos();
    }

    @Override
    public long wallClockNanos() {
        return host.wallClockNanos();
    }

    @Override
    public void sleepNanos(long nanos) throws InterruptedException {
        host.sleepNanos(nanos);
    }

    @Override
    public void entropy(byte[] dst) {
        host.entropy(dst);
    }

    @Override
    public Thread newThread(String name, Runnable body) {
        return host.newThread(name, body);
    }

    @Override
    public Timer schedule(long delayNanos, Runnable task) {
        return host.schedule(delayNanos, task);
    }

    @Override
    public System.Logger logger() {
        return host.logger();
    }
}
