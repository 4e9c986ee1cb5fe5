package io.jrump.api;

/**
 * What a kernel has cost so far, the figures a host bills by (the "summoned just in time, billed
 * for the CPU it used" idea of Jitsu): a snapshot, so adding two gives the cost of a service
 * over several of its kernels.
 *
 * @param cpuNanos time threads spent working for the kernel: its system calls, its stack's
 *        processing of received frames (on device threads, or on the sender's thread for
 *        in-memory devices) and its timers; time spent blocked inside it (accept, read, poll
 *        waiting) is not counted. How it is measured is the kernel's choice (see the
 *        implementation); 0 when accounting is off
 * @param syscalls system calls made
 * @param requests connections accepted
 * @param bytesIn bytes received through sockets by system calls ({@code read}, {@code recv}...)
 * @param bytesOut bytes sent through sockets by system calls ({@code write}, {@code send}...)
 * @param boots kernels this snapshot covers (1 for one kernel)
 * @param aliveNanos time from boot to now, or to close for a closed kernel
 */
public record KernelAccounting(long cpuNanos, long syscalls, long requests, long bytesIn, long bytesOut, long boots, long aliveNanos) {

    /** Nothing used: the start of a sum. */
    public static final KernelAccounting ZERO = new KernelAccounting(0, 0, 0, 0, 0, 0, 0);

    /** The cost of this and {@code other} together, as for a service summoned twice. */
    public KernelAccounting plus(KernelAccounting other) {
        return new KernelAccounting(cpuNanos + other.cpuNanos, syscalls + other.syscalls, requests + other.requests,
                bytesIn + other.bytesIn, bytesOut + other.bytesOut, boots + other.boots, aliveNanos + other.aliveNanos);
    }

    /** One line for logs and reports: "cpu 1.234 ms, 12 syscalls, 1 request, 10 B in, 120 B out, 1 boot, alive 2.001 s". */
    @Override
    public String toString() {
        return "cpu " + millis(cpuNanos) + " ms, " + plural(syscalls, "syscall") + ", " + plural(requests, "request") + ", "
                + bytesIn + " B in, " + bytesOut + " B out, " + plural(boots, "boot") + ", alive " + millis(aliveNanos / 1000) + " s";
    }

    private static String millis(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.3f", nanos / 1e6);
    }

    private static String plural(long n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
