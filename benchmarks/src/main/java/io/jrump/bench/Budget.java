package io.jrump.bench;

/**
 * How long the comparison runs: rounds (each measures jrump and its peer once, in alternating
 * order), the fleet size, and the JMH iterations per measurement.
 *
 * @param forks JMH forks per measurement; 0 runs in this JVM (only for the smoke test)
 */
record Budget(String name, int rounds, int fleet, int peerThreads, int forks,
              int warmupIterations, int warmupMillis, int iterations, int iterationMillis) {

    /** About three minutes: five rounds, 10,000 kernels. */
    static final Budget FULL = new Budget("full", 5, 10_000, 1_000, 1, 3, 500, 5, 500);
    /** Under a minute: three shorter rounds. */
    static final Budget QUICK = new Budget("quick", 3, 10_000, 1_000, 1, 2, 150, 3, 150);
    /** Seconds, in-process: checks that every case runs, for the build's tests. Its figures mean nothing. */
    static final Budget SMOKE = new Budget("smoke", 1, 100, 20, 0, 1, 10, 1, 10);

    Budget withFleet(int kernels) {
        return new Budget(name, rounds, kernels, Math.min(peerThreads, kernels), forks, warmupIterations, warmupMillis, iterations, iterationMillis);
    }

    Budget withRounds(int n) {
        return new Budget(name, n, fleet, peerThreads, forks, warmupIterations, warmupMillis, iterations, iterationMillis);
    }

    String describe() {
        return name + ": " + rounds + " round(s); JMH " + (forks == 0 ? "in-process" : forks + " fork(s)") + ", " + warmupIterations
                + " x " + warmupMillis + " ms warm-up, " + iterations + " x " + iterationMillis + " ms measured per side and round";
    }
}
