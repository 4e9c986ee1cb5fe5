package io.jrump.api.spi;

import io.jrump.api.BlockDevice;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import java.util.List;

/**
 * The hypercall layer, after rump's {@code rumpuser(3)}: the only part of a kernel that
 * touches what it runs on. Deliberately small: a clock, entropy, threads, timers, a console
 * and devices. Everything above it is the same on every platform.
 *
 * <p>One instance serves one kernel; instances of a provider may share a timer scheduler
 * and threads, but an idle kernel owns no thread.
 */
public interface Platform extends AutoCloseable {
    /** Version of this interface; bumped when a method is added or changes meaning. */
    int HYPERCALL_VERSION = 1;

    /** A scheduled timer; cancelling a fired or cancelled timer does nothing. */
    interface Timer {
        /** @return true when this call stopped the timer from firing */
        boolean cancel();
    }

    String name();

    default int version() {
        return HYPERCALL_VERSION;
    }

    /** Monotonic clock in nanoseconds, for timeouts; its origin is arbitrary. */
    long monotonicNanos();

    /** Wall clock, nanoseconds since the Unix epoch, for file times. */
    long wallClockNanos();

    /** Blocks the calling thread. */
    void sleepNanos(long nanos) throws InterruptedException;

    /** Fills {@code dst} with random bytes fit for keys and sequence numbers. */
    void entropy(byte[] dst);

    /** A kernel thread; not started. Threads a kernel makes end when the kernel closes. */
    Thread newThread(String name, Runnable body);

    /** Runs {@code task} once after {@code delayNanos}, on a scheduler shared by the provider's kernels. */
    Timer schedule(long delayNanos, Runnable task);

    /** Where kernel messages go. */
    System.Logger logger();

    /** The devices this kernel may use, named as in its configuration. */
    List<DeviceInfo> devices();

    /** Opens a block device; the same name gives the same instance until the platform closes. ENXIO if unknown. */
    BlockDevice blockDevice(String name) throws ErrnoException;

    /** Opens a network device; ENXIO if unknown. */
    NetDevice netDevice(String name) throws ErrnoException;

    /** Closes every device this platform opened for the kernel and stops its threads. */
    @Override
    void close();
}
