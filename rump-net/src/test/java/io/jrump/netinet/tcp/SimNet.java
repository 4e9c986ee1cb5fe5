package io.jrump.netinet.tcp;

import io.jrump.api.spi.Platform;
import io.jrump.net.link.NetClock;
import io.jrump.netinet.Transport;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * A deterministic network for TCP tests: a virtual clock (a priority queue of timed events)
 * shared by every host, and links that deliver segments after a delay, with seeded loss,
 * duplication and reordering. Nothing happens unless a test runs the queue, so a seed
 * replays exactly. A background driver thread can run the queue for tests of blocking calls.
 */
final class SimNet implements NetClock {
    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private final Random random;
    private final Map<Integer, SimIp> hosts = new HashMap<>();
    private long now = 1_000_000_000L;
    private long seq;
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
    private Thread driver;
    private volatile boolean driving;

    SimNet(long seed) {
        random = new Random(seed);
    }

    SimIp host(int addr) {
        SimIp ip = new SimIp(this, addr);
        synchronized (this) {
            hosts.put(addr, ip);
        }
        return ip;
    }

    @Override
    public synchronized long nanos() {
        return now;
    }

    @Override
    public synchronized Platform.Timer schedule(long delayNanos, Runnable task) {
        Event e = new Event(now + Math.max(0, delayNanos), seq++, task);
        queue.add(e);
        notifyAll();
        return () -> {
            synchronized (SimNet.this) {
                boolean was = !e.cancelled && !e.fired;
                e.cancelled = true;
                return was;
            }
        };
    }

    @Override
    public synchronized void entropy(byte[] dst) {
        random.nextBytes(dst);
    }

    /**
     * A blocked socket call: without a driver thread, the caller runs the next event itself
     * (as jrump's own simulation does), or jumps to its deadline when nothing is due.
     */
    @Override
    public void await(Object monitor, long deadline) throws InterruptedException {
        if (!driving) {
            if (!step(deadline) && deadline != Long.MAX_VALUE) {
                synchronized (this) {
                    now = Math.max(now, deadline);
                }
            } else if (pending() == 0) {
                monitor.wait(1);
            }
            return;
        }
        monitor.wait(1);
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

    /** Runs one event; false when none is due before {@code limit}. */
    private boolean step(long limit) {
        Event e;
        synchronized (this) {
            e = queue.peek();
            while (e != null && e.cancelled) {
                queue.poll();
                e = queue.peek();
            }
            if (e == null || e.time > limit) {
                return false;
            }
            queue.poll();
            e.fired = true;
            now = Math.max(now, e.time);
        }
        e.task.run();
        return true;
    }

    /** Runs events until {@code done} holds; false when it still does not after {@code maxNanos} of virtual time. */
    boolean runUntil(BooleanSupplier done, long maxNanos) {
        long limit = nanos() + maxNanos;
        while (!done.getAsBoolean()) {
            if (!step(limit)) {
                synchronized (this) {
                    now = Math.max(now, limit);
                }
                return done.getAsBoolean();
            }
        }
        return true;
    }

    /** Runs every event in the next {@code nanos} of virtual time. */
    void runFor(long nanos) {
        long limit = nanos() + nanos;
        while (step(limit)) {
            // keep going
        }
        synchronized (this) {
            now = Math.max(now, limit);
        }
    }

    synchronized int pending() {
        int n = 0;
        for (Event e : queue) {
            if (!e.cancelled) {
                n++;
            }
        }
        return n;
    }

    /** Starts a thread that runs events as they come, for tests of blocking calls. */
    void startDriver() {
        driving = true;
        driver = new Thread(() -> {
            while (driving) {
                if (!step(Long.MAX_VALUE)) {
                    synchronized (this) {
                        try {
                            wait(1);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                } else {
                    // let blocked callers run between events: virtual time should not race ahead of them
                    Thread.yield();
                }
            }
        }, "simnet-driver");
        driver.setDaemon(true);
        driver.start();
    }

    void stopDriver() throws InterruptedException {
        driving = false;
        if (driver != null) {
            driver.join(5000);
        }
    }

    private static final class Event implements Comparable<Event> {
        final long time;
        final long order;
        final Runnable task;
        boolean cancelled;
        boolean fired;

        Event(long time, long order, Runnable task) {
            this.time = time;
            this.order = order;
            this.task = task;
        }

        @Override
        public int compareTo(Event o) {
            return time != o.time ? Long.compare(time, o.time) : Long.compare(order, o.order);
        }
    }
}
