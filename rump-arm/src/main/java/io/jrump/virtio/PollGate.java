package io.jrump.virtio;

/**
 * Whether a leader waiting for its device polls the used ring before it sleeps, and for how
 * long, as Linux's polling of fast block devices decides: from how long the device's recent
 * answers took and how often recent polls saw theirs.
 *
 * <p>An answer seen within the poll saves a wake-up (two context switches and a system call
 * each way, the largest cost of a small request served from the page cache). Only short waits
 * are worth it: a poll lasts at most twice the recent answer time, and none happens when that
 * is above {@value #WORTH_NANOS} ns, where the CPU a poll burns (taken from the device, on a
 * machine with few cores) outweighs the wake-up it saves (a 1 MiB request is all copy and is
 * slept through). The recent answer time is a moving average of how long the waits took,
 * polled or slept, so a device that speeds up is polled again.
 *
 * <p>Nor is polling worth it while it mostly misses: on a machine with more runnable threads
 * than cores the device's thread often does not run during the poll, which then only takes a
 * core from it (and the poller is preempted in the middle). Polling therefore stops while
 * fewer than {@value #HIT_WORTH}/256 of the recent polls saw their answer, but for one wait in
 * {@value #PROBE_EVERY}, whose outcome keeps the share current. (Measured with QD1 4 KiB reads
 * through qemu-storage-daemon on two cores at a load of 15-25: polls saw the answer in about
 * half the waits and were preempted about 0.6 times per request; without them the caller spent
 * 14-18 µs of CPU per request instead of 19-25, and did not wait longer.)
 *
 * <p>Used by one leader at a time (the figures are volatile, so the next leader sees them).
 */
final class PollGate {
    /** About twice what a wake-up costs in CPU (two context switches, an eventfd read and a poll). */
    static final long WORTH_NANOS = 40_000;
    /** The share of polls that must see the answer for polling to go on, in 1/256: three in four. */
    static final int HIT_WORTH = 192;
    /** While polls mostly miss, one wait in this many polls anyway. */
    static final int PROBE_EVERY = 16;
    private static final int ALL = 256;

    /** A moving average (weight 1/8) of how long the waits for the device took. */
    private volatile long recentAnswerNanos = WORTH_NANOS / 2;
    /** A moving average (weight 1/8) of the share of polls that saw the answer, in 1/256. */
    private volatile int hitRate = ALL;
    /** Waits not polled since the last poll. */
    private int unpolled;

    /** How long to poll before sleeping, in nanoseconds; 0 for not at all. */
    long pollNanos() {
        long expected = recentAnswerNanos;
        if (expected > WORTH_NANOS) {
            return 0;
        }
        if (hitRate < HIT_WORTH && ++unpolled < PROBE_EVERY) {
            return 0;
        }
        unpolled = 0;
        return 2 * expected;
    }

    /** A poll ended: it saw the answer ({@code hit}) or gave up. */
    void polled(boolean hit) {
        hitRate = hit ? (hitRate * 7 + ALL) / 8 : hitRate * 7 / 8;
    }

    /** The device answered {@code nanos} after the wait began. */
    void answered(long nanos) {
        recentAnswerNanos = (recentAnswerNanos * 7 + nanos) / 8;
    }
}
