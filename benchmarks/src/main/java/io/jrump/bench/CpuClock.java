package io.jrump.bench;

/**
 * CPU time spent by this JVM and, for a side served by another process (a daemon), by that
 * process too: each process's CPU clock ({@code clock_gettime} of {@code CLOCK_PROCESS_CPUTIME_ID}, and of the clock id
 * {@code clock_getcpuclockid(3)} gives for the daemon: {@code (~pid << 3) | CPUCLOCK_SCHED}
 * in Linux's {@code posix-timers.h}), which counts every thread, ended ones too, in
 * nanoseconds. The JDK's process CPU time counts in 10 ms clock ticks here, too coarse for a
 * case of a few hundred milliseconds.
 */
public final class CpuClock {
    private static final int CLOCK_PROCESS_CPUTIME_ID = 2;
    private static final int CPUCLOCK_SCHED = 2;
    private static volatile boolean registered;
    private final int clockId;

    /** @param daemonPid the daemon whose CPU counts too, or -1 */
    public CpuClock(long daemonPid) {
        this.clockId = daemonPid < 0 ? 0 : (int) ((~daemonPid << 3) | CPUCLOCK_SCHED);
        synchronized (CpuClock.class) {
            if (!registered) {
                com.sun.jna.Native.register(CpuClock.class, com.sun.jna.Platform.C_LIBRARY_NAME);
                registered = true;
            }
        }
    }

    private static native int clock_gettime(int clockId, long[] timespec);

    public long nanos() {
        return read(CLOCK_PROCESS_CPUTIME_ID) + daemonNanos();
    }

    /** The daemon's part of {@link #nanos}; 0 without a daemon. */
    public long daemonNanos() {
        return clockId == 0 ? 0 : read(clockId);
    }

    private static long read(int id) {
        long[] ts = new long[2];
        return clock_gettime(id, ts) == 0 ? ts[0] * 1_000_000_000L + ts[1] : 0;
    }
}
