package io.jrump.net.dev;

import io.jrump.api.spi.Platform;
import io.jrump.net.link.NetClock;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * A discrete-event simulation that gives kernels a virtual clock: frame deliveries and timers
 * are events in one queue ordered by (time, order of scheduling), and time jumps to the next
 * event only when it is run. Nothing runs by itself: events run when a thread blocks in a
 * socket call of a simulated kernel ({@link NetClock#await}), or when the driver calls
 * {@link #step()}, {@link #runUntilIdle()} or {@link #runFor(long)}. Driven from one thread,
 * a run is a pure function of its inputs and the seed: the same program gives the same frames
 * at the same virtual times, so pcap files compare byte for byte.
 *
 * <p>Kernels join a simulation through a simulated {@link EthernetBus}: each port carries a
 * clock of this simulation ({@link ClockedDevice}), and the stack of a kernel that creates an
 * interface on such a port switches to it. Each port's clock has its own seeded random stream,
 * so the entropy a kernel sees does not depend on what other kernels drew.
 *
 * <p>Only one thread runs events at a time. A thread that wants to run events while another
 * does waits briefly on its own monitor instead, so no thread holds a socket lock while
 * waiting for the simulation (which could deadlock with an event delivering to that socket).
 */
public final class Simulation {
    /** Safety net for {@link #runUntilIdle()}: a periodic timer would otherwise run forever. */
    public static final int MAX_EVENTS_PER_RUN = 50_000_000;

    private final long seed;
    private final ReentrantLock running = new ReentrantLock();
    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private long seq;
    private int cancelled;
    private volatile long now;

    public Simulation(long seed) {
        this.seed = seed;
    }

    public long seed() {
        return seed;
    }

    /** Virtual time in nanoseconds since the simulation started. */
    public long nanos() {
        return now;
    }

    /** Events waiting, cancelled ones excluded. */
    public synchronized int pending() {
        return queue.size() - cancelled;
    }

    /** A clock of this simulation whose random numbers come from stream {@code stream} of the seed. */
    public NetClock clock(long stream) {
        return new SimClock(new SplittableRandom(seed * 0x9E3779B97F4A7C15L + stream * 0xBF58476D1CE4E5B9L + stream));
    }

    /** Runs {@code task} at virtual time {@code now() + delayNanos}. Safe from any thread. */
    public Platform.Timer schedule(long delayNanos, Runnable task) {
        synchronized (this) {
            Event e = new Event(now + Math.max(0, delayNanos), seq++, task);
            queue.add(e);
            return e;
        }
    }

    /** Runs the next event, jumping time to it; false when there is none. */
    public boolean step() {
        running.lock();
        try {
            return runNext(Long.MAX_VALUE);
        } finally {
            running.unlock();
        }
    }

    /** Runs events until none is left; returns how many ran. */
    public int runUntilIdle() {
        int n = 0;
        while (step()) {
            if (++n >= MAX_EVENTS_PER_RUN) {
                throw new IllegalStateException("simulation not idle after " + n + " events");
            }
        }
        return n;
    }

    /** Runs every event due within {@code nanos} of now, then sets the time to now + nanos. */
    public void runFor(long nanos) {
        running.lock();
        try {
            long end = now + nanos;
            while (runNext(end)) {
                // keep going
            }
            advanceTo(end);
        } finally {
            running.unlock();
        }
    }

    /**
     * Runs events until {@code done} holds, looking after every event; at most those due within
     * {@code nanos} of now. False when it still does not hold then, with the time set to now +
     * nanos. {@code done} is asked between events, so it may make socket calls.
     */
    public boolean runUntil(BooleanSupplier done, long nanos) {
        long end = now + nanos;
        while (!done.getAsBoolean()) {
            boolean ran;
            running.lock();
            try {
                ran = runNext(end);
            } finally {
                running.unlock();
            }
            if (!ran) {
                advanceTo(end);
                return done.getAsBoolean();
            }
        }
        return true;
    }

    /** With {@link #running} held: pops and runs the first live event due by {@code deadline}. */
    private boolean runNext(long deadline) {
        Event e;
        synchronized (this) {
            while (true) {
                e = queue.peek();
                if (e == null || e.at > deadline) {
                    return false;
                }
                queue.poll();
                if (!e.cancelled) {
                    e.fired = true;
                    break;
                }
                cancelled--;
            }
            if (e.at > now) {
                now = e.at;
            }
        }
        e.task.run();
        return true;
    }

    private synchronized void advanceTo(long t) {
        if (t > now) {
            now = t;
        }
    }

    private synchronized boolean cancel(Event e) {
        if (e.fired || e.cancelled) {
            return false;
        }
        e.cancelled = true;
        cancelled++;
        if (cancelled > 1024 && cancelled > queue.size() / 2) {
            queue.removeIf(x -> x.cancelled);
            cancelled = 0;
        }
        return true;
    }

    /** Waits for {@link NetClock#await}: runs one event when no other thread is running them. */
    private void await(Object monitor, long deadline) throws InterruptedException {
        if (running.tryLock()) {
            try {
                if (runNext(deadline)) {
                    return;
                }
                if (deadline != Long.MAX_VALUE) {
                    advanceTo(deadline);
                    return;
                }
            } finally {
                running.unlock();
            }
        }
        // Another thread is running events, or nothing is scheduled at all: only another
        // thread can change anything, so let it take our monitor for a moment.
        monitor.wait(1);
    }

    private final class Event implements Platform.Timer, Comparable<Event> {
        final long at;
        final long order;
        final Runnable task;
        boolean cancelled;
        boolean fired;

        Event(long at, long order, Runnable task) {
            this.at = at;
            this.order = order;
            this.task = task;
        }

        @Override
        public boolean cancel() {
            return Simulation.this.cancel(this);
        }

        @Override
        public int compareTo(Event o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    /** One kernel's view of the simulation: shared time and queue, private random stream. */
    private final class SimClock implements NetClock {
        private final SplittableRandom random;

        SimClock(SplittableRandom random) {
            this.random = random;
        }

        @Override
        public long nanos() {
            return now;
        }

        @Override
        public Platform.Timer schedule(long delayNanos, Runnable task) {
            return Simulation.this.schedule(delayNanos, task);
        }

        @Override
        public void entropy(byte[] dst) {
            synchronized (random) {
                for (int i = 0; i < dst.length; i++) {
                    dst[i] = (byte) random.nextInt(256);
                }
            }
        }

        @Override
        public void await(Object monitor, long deadlineNanos) throws InterruptedException {
            Simulation.this.await(monitor, deadlineNanos);
        }

        /** Clocks of one simulation are interchangeable for the stack's "same time line" check. */
        Simulation simulation() {
            return Simulation.this;
        }

        @Override
        public boolean sharesTimeline(NetClock other) {
            return other instanceof SimClock c && c.simulation() == Simulation.this;
        }
    }

    /** The simulation a clock belongs to, or {@code null} for clocks of real time. */
    public static Simulation of(NetClock clock) {
        return clock instanceof SimClock c ? c.simulation() : null;
    }
}
