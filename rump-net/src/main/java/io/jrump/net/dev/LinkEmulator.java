package io.jrump.net.dev;

import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.net.link.NetClock;
import io.jrump.net.wire.PartialChecksum;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Wraps any {@link NetDevice} and impairs the frames it transmits, with a seeded random
 * source: loss, duplication, reordering, fixed delay, a rate limit with a bounded queue, and
 * corruption (one flipped bit). Received frames pass untouched; to impair both directions,
 * wrap the device at each end. With the same seed and the same frames, the same frames are
 * lost, duplicated and corrupted.
 *
 * <p>Timing follows the wrapped device's virtual clock when it has one ({@link ClockedDevice}),
 * so delays in a {@link Simulation} are events. In real time, delayed frames go out from a
 * timer thread that this emulator starts on first need and that ends after a second idle.
 *
 * <p>Offloads: the emulator models a wire of the wrapped device's MTU, so it never offers
 * {@code SEGMENTATION} (a lost 64 KiB segment would be dozens of frames lost at once). Loss,
 * duplication, reordering, delay and rate change no byte, so the wrapped device's checksum
 * offloads pass through. While corruption is configured the emulator offers no
 * {@code TX_CHECKSUM}, so the stack sends real checksums for the receiver to catch the flipped
 * bit with, and a frame it damages anyway with a partial checksum (sent just before corruption
 * was switched on) is completed first ({@link PartialChecksum#completeForDamage}): a damaged
 * frame never carries the partial mark, which is the only checksum a receiver with
 * {@code RX_CHECKSUM} trusts unverified. {@code RX_CHECKSUM} passes through even then: received
 * frames are never impaired here (damage happens on the sender's side and is caught by the
 * receiving stack's verification of the real checksum).
 */
public final class LinkEmulator extends DeviceWrapper {

    /** What to do to frames; probabilities are in [0, 1]. */
    public record Impairments(double loss, double duplicate, double reorder, double corrupt, long delayNanos,
            long reorderDelayNanos, long rateBitsPerSecond, int queueLimit) {

        public Impairments {
            for (double p : new double[] {loss, duplicate, reorder, corrupt}) {
                if (!(p >= 0 && p <= 1)) {
                    throw new IllegalArgumentException("probability " + p + " outside [0, 1]");
                }
            }
            if (delayNanos < 0 || reorderDelayNanos < 0 || rateBitsPerSecond < 0 || queueLimit < 1) {
                throw new IllegalArgumentException("negative delay or rate, or queue limit below 1");
            }
        }

        /** A perfect link: nothing lost, nothing delayed. */
        public static Impairments none() {
            return new Impairments(0, 0, 0, 0, 0, 1_000_000, 0, 1000);
        }

        public Impairments withLoss(double p) {
            return new Impairments(p, duplicate, reorder, corrupt, delayNanos, reorderDelayNanos, rateBitsPerSecond, queueLimit);
        }

        public Impairments withDuplicate(double p) {
            return new Impairments(loss, p, reorder, corrupt, delayNanos, reorderDelayNanos, rateBitsPerSecond, queueLimit);
        }

        /** A reordered frame is held back by {@code reorderDelayNanos} beyond the normal delay, so later frames overtake it. */
        public Impairments withReorder(double p, long reorderDelay) {
            return new Impairments(loss, duplicate, p, corrupt, delayNanos, reorderDelay, rateBitsPerSecond, queueLimit);
        }

        public Impairments withCorrupt(double p) {
            return new Impairments(loss, duplicate, reorder, p, delayNanos, reorderDelayNanos, rateBitsPerSecond, queueLimit);
        }

        public Impairments withDelay(long nanos) {
            return new Impairments(loss, duplicate, reorder, corrupt, nanos, reorderDelayNanos, rateBitsPerSecond, queueLimit);
        }

        /** Serialises frames at {@code bitsPerSecond}; at most {@code limit} frames wait, the rest are dropped (tail drop). */
        public Impairments withRate(long bitsPerSecond, int limit) {
            return new Impairments(loss, duplicate, reorder, corrupt, delayNanos, reorderDelayNanos, bitsPerSecond, limit);
        }
    }

    private final SplittableRandom random;
    private volatile Impairments impairments;
    private ScheduledThreadPoolExecutor timer;
    private long linkFreeAt;
    private int queued;
    private long lost;
    private long duplicated;
    private long reordered;
    private long corrupted;
    private long queueDrops;
    private boolean closed;

    public LinkEmulator(NetDevice inner, long seed, Impairments impairments) {
        super(inner);
        this.random = new SplittableRandom(seed);
        this.impairments = impairments;
    }

    /** Changes the impairments from now on. */
    public void impairments(Impairments next) {
        impairments = next;
    }

    /** "lost=3 duplicated=1 ...": what the emulator did so far. */
    public synchronized String stats() {
        return "lost=" + lost + " duplicated=" + duplicated + " reordered=" + reordered + " corrupted=" + corrupted + " queue_drops=" + queueDrops;
    }

    public synchronized long lost() {
        return lost;
    }

    @Override
    public void receiver(Receiver receiver) {
        inner.receiver(receiver);
    }

    @Override
    public Set<Offload> offloads() {
        Set<Offload> o = inner.offloads();
        if (!o.contains(Offload.SEGMENTATION) && (impairments.corrupt() == 0 || !o.contains(Offload.TX_CHECKSUM))) {
            return o;
        }
        EnumSet<Offload> less = EnumSet.copyOf(o);
        // loss, rate and delay apply to frames of the MTU, as on the wire being modelled
        less.remove(Offload.SEGMENTATION);
        if (impairments.corrupt() != 0) {
            less.remove(Offload.TX_CHECKSUM);
        }
        return less;
    }

    private long now() {
        return virtualClock != null ? virtualClock.nanos() : System.nanoTime();
    }

    @Override
    public void transmit(ByteBuffer frame) throws ErrnoException {
        Impairments im = impairments;
        ByteBuffer copy = MemoryDevice.copy(frame);
        long[] delays;
        synchronized (this) {
            if (closed) {
                return;
            }
            if (random.nextDouble() < im.loss()) {
                lost++;
                return;
            }
            if (random.nextDouble() < im.corrupt() && copy.capacity() > 0) {
                PartialChecksum.completeForDamage(copy);
                int bit = random.nextInt(copy.capacity() * 8);
                copy.put(bit >>> 3, (byte) (copy.get(bit >>> 3) ^ (1 << (bit & 7))));
                corrupted++;
            }
            int copies = 1;
            if (random.nextDouble() < im.duplicate()) {
                copies = 2;
                duplicated++;
            }
            long extra = 0;
            if (random.nextDouble() < im.reorder()) {
                extra = im.reorderDelayNanos();
                reordered++;
            }
            long now = now();
            long depart = now;
            if (im.rateBitsPerSecond() > 0) {
                if (queued >= im.queueLimit()) {
                    queueDrops++;
                    return;
                }
                depart = Math.max(now, linkFreeAt);
                linkFreeAt = depart + copy.capacity() * 8L * 1_000_000_000L / im.rateBitsPerSecond();
            }
            delays = new long[copies];
            for (int i = 0; i < copies; i++) {
                delays[i] = depart - now + im.delayNanos() + extra;
            }
            if (delays[0] > 0) {
                queued += copies;
            }
        }
        for (long d : delays) {
            ByteBuffer f = copy.duplicate();
            if (d <= 0) {
                inner.transmit(f);
            } else {
                later(d, () -> {
                    synchronized (this) {
                        queued--;
                        if (closed) {
                            return;
                        }
                    }
                    try {
                        inner.transmit(f);
                    } catch (ErrnoException e) {
                        // the link went away while the frame was in flight: it is lost
                    }
                });
            }
        }
    }

    private void later(long delayNanos, Runnable task) {
        if (virtualClock != null) {
            virtualClock.schedule(delayNanos, task);
            return;
        }
        ScheduledThreadPoolExecutor t;
        synchronized (this) {
            if (timer == null) {
                timer = new ScheduledThreadPoolExecutor(1, r -> {
                    Thread th = new Thread(r, "jrump-link-emulator");
                    th.setDaemon(true);
                    return th;
                });
                timer.setKeepAliveTime(1, TimeUnit.SECONDS);
                timer.allowCoreThreadTimeOut(true);
            }
            t = timer;
        }
        t.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Drops frames still in flight and closes the wrapped device. */
    @Override
    public void close() {
        ScheduledThreadPoolExecutor t;
        synchronized (this) {
            closed = true;
            t = timer;
            timer = null;
        }
        if (t != null) {
            t.shutdownNow();
        }
        inner.close();
    }
}
