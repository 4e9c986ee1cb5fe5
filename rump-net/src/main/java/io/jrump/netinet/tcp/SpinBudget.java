package io.jrump.netinet.tcp;

/**
 * How long a connection's blocked calls spin before they park, adapted to how their waits end,
 * as HotSpot adapts its monitors' spinning. A spin that ends in the wake-up it waited for saved
 * a park and an unpark, so the next spin may be longer (up to the maximum); a wait that had to
 * park after spinning wasted the spin, and on a machine with fewer free cores than busy threads
 * it also kept the waker, whose work ends the wait, off a core: the next spin is halved. A wait
 * that parked but ended within the longest spin earns a short spin again, so a budget that fell
 * to nothing comes back once waits turn short. Touched under the connection's lock.
 */
final class SpinBudget {
    /** What a short wait earns back: enough for a wake-up from a busy core nearby. */
    static final long STEP_NANOS = 2_000L;

    private final long max;
    private long budget;

    /** A budget of at most {@code maxNanos} (0 never spins), starting at the maximum. */
    SpinBudget(long maxNanos) {
        this.max = Math.max(0, maxNanos);
        this.budget = this.max;
    }

    /** How long the next wait may spin. */
    long budget() {
        return budget;
    }

    /** A wait given {@link #budget()} ended after {@code nanos} (spin and park together). */
    void waited(long nanos) {
        long spun = budget;
        if (nanos <= spun) {
            budget = Math.min(max, 2 * spun + STEP_NANOS);
        } else if (nanos <= max) {
            budget = Math.min(max, spun + STEP_NANOS);
        } else {
            budget = spun / 2;
        }
    }
}
