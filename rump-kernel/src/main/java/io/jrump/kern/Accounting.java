package io.jrump.kern;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.KernelAccounting;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one kernel has cost: CPU time, system calls, requests, socket bytes. The system call
 * layer, the stack's receive path and its timers charge it through a {@link CpuMeter}, the
 * per-thread record of which kernel the thread is working for.
 *
 * <p>The kernel option {@code accounting} picks the clock:
 * <ul>
 * <li>{@code on} (default): the monotonic clock ({@link System#nanoTime}, a vDSO read of about
 * 30 ns), with the time a thread spends blocked inside the kernel left out ({@link CpuMeter#pause}
 * at every place a call waits). Time the host takes the CPU away from a thread inside the
 * kernel (preemption) is counted, which the next clock avoids.
 * <li>{@code cpu}: the thread's CPU clock ({@link ThreadMXBean#getCurrentThreadCpuTime}), exact
 * but a host system call per read: about 1.4 µs on the machines this was measured on, against
 * system calls of the kernel that take a few hundred nanoseconds, so it is for checking the
 * default, not for production.
 * <li>{@code off}: nothing is counted but boots and time alive; the system call layer runs
 * without the meter.
 * </ul>
 *
 * <p>Registered as a service of the kernel's {@link io.jrump.api.spi.ComponentContext}, so
 * components find it with {@code lookup(Accounting.class)}.
 */
public final class Accounting {
    /** The values of the {@code accounting} option. */
    public enum Mode {
        ON,
        CPU,
        OFF
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Mode mode;
    private final boolean threadCpu;
    private final long bootNanos;
    private volatile long closeNanos;
    private final LongAdder cpu = new LongAdder();
    private final LongAdder syscalls = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();

    /** The counters of a kernel booted at {@code bootNanos} (the platform's monotonic clock) with the option {@code accounting=mode}. */
    public Accounting(Mode mode, long bootNanos) {
        this.mode = mode;
        this.threadCpu = mode == Mode.CPU;
        this.bootNanos = bootNanos;
    }

    /** Parses the {@code accounting} option; EINVAL names the bad value. */
    public static Mode mode(String value) throws ErrnoException {
        try {
            return Mode.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ErrnoException(Errno.EINVAL, "option accounting=" + value + ": expected on, cpu or off");
        }
    }

    public Mode mode() {
        return mode;
    }

    /** Whether CPU, calls and bytes are counted. */
    public boolean enabled() {
        return mode != Mode.OFF;
    }

    /**
     * Starts charging the calling thread's time to this kernel until {@link CpuMeter#close}: call
     * it around work done for the kernel on any thread (a frame received, a timer fired), with
     * the close in a {@code finally} or a try-with-resources. Nested work for another kernel on the same thread is
     * charged to that kernel only.
     */
    public CpuMeter enter() {
        return CpuMeter.enter(this);
    }

    /** Counts an accepted connection. */
    public void request() {
        requests.increment();
    }

    /** Counts a system call (the system call layer's). */
    public void syscall() {
        syscalls.increment();
    }

    /** Counts bytes received through a socket (the system call layer's). */
    public void bytesIn(long n) {
        bytesIn.add(n);
    }

    /** Counts bytes sent through a socket (the system call layer's). */
    public void bytesOut(long n) {
        bytesOut.add(n);
    }

    /** The clock the meter reads for this kernel. */
    long now() {
        return threadCpu ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    void charge(long nanos) {
        if (nanos > 0) {
            cpu.add(nanos);
        }
    }

    /** Stops the time alive at {@code nanos}, when the kernel closes. */
    public void closed(long nanos) {
        closeNanos = nanos;
    }

    /** The figures now; {@code nowNanos} on the platform's monotonic clock. */
    public KernelAccounting snapshot(long nowNanos) {
        long end = closeNanos != 0 ? closeNanos : nowNanos;
        return new KernelAccounting(cpu.sum(), syscalls.sum(), requests.sum(), bytesIn.sum(), bytesOut.sum(), 1, Math.max(0, end - bootNanos));
    }
}
