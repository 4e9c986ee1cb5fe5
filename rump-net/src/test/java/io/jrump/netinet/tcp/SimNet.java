package io.jrump.netinet.tcp;

import io.jrump.api.spi.Platform;
import io.jrump.net.dev.Simulation;
import io.jrump.net.link.NetClock;
import io.jrump.netinet.Transport;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Faulty links between {@link SimIp} hosts for TCP tests, on jrump's own {@link Simulation}:
 * segments are delivered as events after a delay, with seeded loss, duplication and
 * reordering. Time, timers and blocked calls are the simulation's, so nothing happens unless a
 * test runs it, and a seed replays exactly. One random stream (the seed's) draws both the
 * hosts' entropy and the links' faults, so a test's seed picks both.
 */
final class SimNet implements NetClock {
    /** The virtual time the tests start at: a stack never sees a clock of zero. */
    private static final long START_NANOS = 1_000_000_000L;

    private final Simulation sim;
    private final NetClock clock;
    private final Random random;
    private final Map<Integer, SimIp> hosts = new HashMap<>();
    double loss;
    double duplication;
    double reordering;
    long delayNanos = 100_000;
    long reorderExtraNanos = 3_000_000;
    /**
     * Delivers segments with {@link Transport#KEEPABLE}, as a host on an in-memory device gets
     * them: each delivery is a fresh copy that nothing writes again.
     */
    boolean keepable;
    /** Optional filter: return false to drop a segment (tests that need a specific loss). */
    volatile Predicate<ByteBuffer> filter;
    long delivered;

    SimNet(long seed) {
        sim = new Simulation(seed);
        clock = sim.clock(0);
        random = new Random(seed);
        sim.runFor(START_NANOS);
    }

    SimIp host(int addr) {
        SimIp ip = new SimIp(this, addr);
        synchronized (this) {
            hosts.put(addr, ip);
        }
        return ip;
    }

    @Override
    public long nanos() {
        return sim.nanos();
    }

    @Override
    public Platform.Timer schedule(long delayNanos, Runnable task) {
        return sim.schedule(delayNanos, task);
    }

    @Override
    public synchronized void entropy(byte[] dst) {
        random.nextBytes(dst);
    }

    @Override
    public void await(Object monitor, long deadline) throws InterruptedException {
        clock.await(monitor, deadline);
    }

    /** Sends a copy of {@code payload} from {@code src} to {@code dst} through the faulty link. */
    void deliver(int src, int dst, ByteBuffer payload) {
        byte[] copy = new byte[payload.remaining()];
        payload.duplicate().get(copy);
        Predicate<ByteBuffer> f = filter;
        if (f != null && !f.test(ByteBuffer.wrap(copy))) {
            return;
        }
        int copies;
        long extra;
        synchronized (this) {
            if (random.nextDouble() < loss) {
                return;
            }
            copies = random.nextDouble() < duplication ? 2 : 1;
            extra = random.nextDouble() < reordering ? (long) (random.nextDouble() * reorderExtraNanos) : 0;
        }
        for (int i = 0; i < copies; i++) {
            schedule(delayNanos + extra + i * 1000L, () -> {
                SimIp to;
                synchronized (SimNet.this) {
                    to = hosts.get(dst);
                    delivered++;
                }
                if (to != null && to.transport != null) {
                    to.transport.input(src, dst, ByteBuffer.wrap(copy.clone()), keepable ? Transport.KEEPABLE : 0);
                }
            });
        }
    }

    /** Runs events until {@code done} holds; false when it still does not after {@code maxNanos} of virtual time. */
    boolean runUntil(BooleanSupplier done, long maxNanos) {
        return sim.runUntil(done, maxNanos);
    }

    /** Runs every event in the next {@code nanos} of virtual time. */
    void runFor(long nanos) {
        sim.runFor(nanos);
    }
}
