package io.jrump.bench;

/**
 * How long the network comparison runs.
 *
 * @param rounds measured rounds, each running every case once on jrump and on the peer
 * @param warmUp whether an unrecorded round runs first, so that the JIT has compiled both stacks
 * @param millis how long each throughput, round-trip and connection figure is measured for
 * @param idleConnections connections held open for the heap-per-connection figure
 * @param summons cold and warm summons measured per round
 */
record NetBudget(String name, int rounds, boolean warmUp, long millis, int idleConnections, int summons) {

    /** About three minutes: a warm-up round, then five rounds of 2 s per figure. */
    static final NetBudget FULL = new NetBudget("full", 5, true, 2000, 1000, 20);
    /** About a minute: a warm-up round, then three rounds of 0.7 s per figure. */
    static final NetBudget QUICK = new NetBudget("quick", 3, true, 700, 1000, 10);
    /** Seconds: one round of 0.1 s per figure; checks that every case runs, its figures mean nothing. */
    static final NetBudget SMOKE = new NetBudget("smoke", 1, false, 100, 50, 2);

    NetBudget withRounds(int n) {
        return new NetBudget(name, n, warmUp, millis, idleConnections, summons);
    }

    String describe() {
        return name + ": " + (warmUp ? "one warm-up round, then " : "") + rounds + " round(s) of " + millis
                + " ms per figure and side, in this JVM";
    }
}
