package io.jrump.dev.wait;

import java.util.function.BooleanSupplier;

/**
 * Whether a thread about to sleep until a device (or a peer across a shared ring) signals
 * should poll for the answer first, and for how long, as Linux's polling of fast block devices
 * decides: from how long recent answers took and how often recent polls saw theirs.
 *
 * <p>An answer seen within the poll saves a wake-up: two context switches and a system call
 * on each side, and, on a virtual machine, the exit that wakes a halted virtual CPU (there, a
 * notify that wakes a sleeping thread costs its sender 11-22 µs, measured with perf on
 * blkback's eventfd writes). Only short waits are worth it: none is polled for when the recent
 * answer time is above the gate's worth, where the CPU a poll burns (taken from the device, on
 * a machine with few cores) outweighs the wake-up it saves. A poll lasts twice the recent
 * answer time, but at least half the worth, so that an answer a little late (the other side's
 * own wake-up, when it slept) is still seen: on two CPUs a miss makes both sides sleep and
 * miss again. The recent answer time is a moving average of how long the waits took, polled or
 * slept, each counted as at most {@value #OUTLIER_WORTHS} worths, so that one long pause (a
 * device left idle) does not stop polling for long once answers are quick again.
 *
 * <p>Nor is polling worth it while it mostly misses: on a machine with more runnable threads
 * than cores the device's thread often does not run during the poll, which then only takes a
 * core from it (and the poller is preempted in the middle). Polling therefore stops while
 * fewer than {@value #HIT_WORTH}/256 of the recent polls saw their answer, but for one wait in
 * {@value #PROBE_EVERY}, whose outcome keeps the share current (and lets a quiet machine poll
 * again within a dozen waits after a burst of misses). (Measured with QD1 4 KiB reads
 * through qemu-storage-daemon on two cores at a load of 15-25: polls saw the answer in about
 * half the waits and were preempted about 0.6 times per request; without them the caller spent
 * 14-18 µs of CPU per request instead of 19-25, and did not wait longer.)
 *
 * <p>Used by one poller at a time (the figures are volatile, so the next leader sees them).
 */
public final class PollGate {
    /**
     * The worth for a caller waiting on a device process it cannot see into (virtio-blk's
     * backend): about twice what a wake-up costs in CPU (two context switches, an eventfd read
     * and a poll). A 1 MiB request there is all copy and is slept through.
     */
    public static final long SMALL_ANSWERS = 40_000;
    /** The share of polls that must see the answer for polling to go on, in 1/256: three in four. */
    static final int HIT_WORTH = 192;
    /** While polls mostly miss, one wait in this many polls anyway. */
    static final int PROBE_EVERY = 4;
    /** The most one wait counts for in the moving average, in worths. */
    static final int OUTLIER_WORTHS = 4;
    private static final int ALL = 256;

    private final long worthNanos;
    /** A moving average (weight 1/8) of how long the waits took. */
    private volatile long recentAnswerNanos;
    /** A moving average (weight 1/8) of the share of polls that saw the answer, in 1/256. */
    private volatile int hitRate = ALL;
    /** Waits not polled since the last poll. */
    private int unpolled;

    /**
     * @param worthNanos the longest recent answer time still polled for: the wait beyond which
     *        the wake-up a poll saves is small beside the CPU it burns
     */
    public PollGate(long worthNanos) {
        if (worthNanos <= 0) {
            throw new IllegalArgumentException("worth " + worthNanos + " ns");
        }
        this.worthNanos = worthNanos;
        this.recentAnswerNanos = worthNanos / 2;
    }

    /** How long to poll before sleeping, in nanoseconds; 0 for not at all. */
    public long pollNanos() {
        long expected = recentAnswerNanos;
        if (expected > worthNanos) {
            return 0;
        }
        if (hitRate < HIT_WORTH && ++unpolled < PROBE_EVERY) {
            return 0;
        }
        unpolled = 0;
        return Math.max(2 * expected, worthNanos / 2);
    }

    /** A poll ended: it saw the answer ({@code hit}) or gave up. */
    public void polled(boolean hit) {
        hitRate = hit ? (hitRate * 7 + ALL) / 8 : hitRate * 7 / 8;
    }

    /** The answer came {@code nanos} after the wait began. */
    public void answered(long nanos) {
        recentAnswerNanos = (recentAnswerNanos * 7 + Math.min(nanos, OUTLIER_WORTHS * worthNanos)) / 8;
    }

    /**
     * Polls {@code answered} from {@code start} until {@code limit} ns (from {@link #pollNanos})
     * have passed, and records the outcome.
     *
     * @return whether the answer came within the poll
     */
    public boolean spin(long start, long limit, BooleanSupplier answered) {
        for (long now = start; now - start < limit; now = System.nanoTime()) {
            if (answered.getAsBoolean()) {
                polled(true);
                return true;
            }
            Thread.onSpinWait();
        }
        polled(false);
        return false;
    }
}
