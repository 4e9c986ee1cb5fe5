package io.jrump.net.dev;

import io.jrump.api.ErrnoException;
import io.jrump.api.FrameLease;
import io.jrump.api.LeasedArrays;
import io.jrump.api.NetDevice;
import io.jrump.net.link.FrameTaker;
import io.jrump.net.link.NetClock;
import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.PartialChecksum;
import java.nio.ByteBuffer;
import java.util.Collections;
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
 *
 * <p>Frames the sender gives up ({@link FrameTaker#transmitTaken}) and that leave at once
 * unchanged go on to a wrapped bus port as they are, as a NIC would DMA the sender's buffer;
 * only a frame to be damaged, delayed or queued is copied. A copy that leaves at once undamaged
 * is made into memory kept for reuse and lent to the wrapped device under its
 * {@link FrameLease} ({@link LeasedArrays}), so passing frames on to a bus port costs a copy but
 * no allocation (and no zeroing) per frame; a delayed or damaged frame gets a copy of its own,
 * which simply becomes garbage once delivered.
 */
public final class LinkEmulator extends DeviceWrapper implements FrameTaker {

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

    /** Bound on recycled frame memory per emulator: {@link #MAX_SLOTS} frames of at most {@link #MAX_SLOT_BYTES}. */
    private static final int MAX_SLOTS = 128;
    private static final int MAX_SLOT_BYTES = 9018;

    private final SplittableRandom random;
    /** The wrapped device when it takes frames without copying them, else null. */
    private final FrameTaker taker;
    /** Memory for copies passed on at once to {@link #taker} (a frame of the wrapped device's MTU each); null without a taker. */
    private final LeasedArrays frameMemory;
    /** The impairments with what follows from them, replaced whole when they change. */
    private volatile Plan plan;
    private volatile Offered offered;
    private ScheduledThreadPoolExecutor timer;
    private long linkFreeAt;
    private int queued;
    private long lost;
    private long duplicated;
    private long reordered;
    private long corrupted;
    private long queueDrops;
    private volatile boolean closed;

    public LinkEmulator(NetDevice inner, long seed, Impairments impairments) {
        super(inner);
        this.taker = inner instanceof FrameTaker t ? t : null;
        this.frameMemory = taker == null ? null : new LeasedArrays(Math.min(inner.mtu() + EthernetFrame.HEADER_LEN, MAX_SLOT_BYTES), MAX_SLOTS);
        this.random = new SplittableRandom(seed);
        this.plan = new Plan(impairments);
    }

    /** Changes the impairments from now on. */
    public void impairments(Impairments next) {
        plan = new Plan(next);
    }

    /**
     * Impairments and what every frame asks of them, worked out once per change rather than
     * per frame: whether frames leave at once unchanged (at most lost or duplicated), and
     * whether any random choice is made at all. A link with all probabilities zero draws no
     * random numbers: there is nothing to choose, and frames sent over it do not shift which
     * frames a seed picks once impairments are switched on.
     */
    private static final class Plan {
        final Impairments im;
        final boolean atOnce;
        final boolean draws;

        Plan(Impairments im) {
            this.im = im;
            this.atOnce = im.corrupt() == 0 && im.reorder() == 0 && im.delayNanos() == 0 && im.rateBitsPerSecond() == 0;
            this.draws = im.loss() != 0 || im.corrupt() != 0 || im.duplicate() != 0 || im.reorder() != 0;
        }
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

    /**
     * The stack asks for offloads several times per frame, so the answer is kept for as long as
     * the wrapped device's answer (by identity) and whether corruption is on stay the same.
     */
    @Override
    public Set<Offload> offloads() {
        Set<Offload> o = inner.offloads();
        boolean corrupt = plan.im.corrupt() != 0;
        Offered last = offered;
        if (last != null && last.inner == o && last.corrupt == corrupt) {
            return last.result;
        }
        Set<Offload> result = o;
        if (o.contains(Offload.SEGMENTATION) || (corrupt && o.contains(Offload.TX_CHECKSUM))) {
            EnumSet<Offload> less = EnumSet.copyOf(o);
            // loss, rate and delay apply to frames of the MTU, as on the wire being modelled
            less.remove(Offload.SEGMENTATION);
            if (corrupt) {
                less.remove(Offload.TX_CHECKSUM);
            }
            result = Collections.unmodifiableSet(less);
        }
        offered = new Offered(o, corrupt, result);
        return result;
    }

    /** What {@link #offloads()} answered for the wrapped device's set {@code inner}. */
    private record Offered(Set<Offload> inner, boolean corrupt, Set<Offload> result) {
    }

    private long now() {
        return virtualClock != null ? virtualClock.nanos() : System.nanoTime();
    }

    /**
     * A frame given up by the sender ({@link FrameTaker}): one that would leave at once and
     * unchanged (no corruption, delay, reordering or rate configured) is passed on to a wrapped
     * device that takes frames as it is, without the copy {@link #transmit} makes; loss and
     * duplication apply as there, with the same random draws in the same order (none on a
     * link without impairments), so a seed picks the same frames on either path. Anything else
     * is copied as {@link #transmit} does.
     */
    @Override
    public void transmitTaken(ByteBuffer frame) throws ErrnoException {
        transmitTaken(frame, frame.hasArray() ? FrameLease.of(frame.array()) : null);
    }

    /** Like {@link #transmitTaken(ByteBuffer)}, for a frame lent under {@code lease} (null: not lent), which goes on with the frame. */
    @Override
    public void transmitTaken(ByteBuffer frame, FrameLease lease) throws ErrnoException {
        Plan p = plan;
        if (taker == null || !p.atOnce) {
            transmit(frame);
            return;
        }
        if (closed) {
            return;
        }
        if (!p.draws) {
            taker.transmitTaken(frame, lease);
            return;
        }
        Impairments im = p.im;
        int copies = 1;
        synchronized (this) {
            if (random.nextDouble() < im.loss()) {
                lost++;
                return;
            }
            random.nextDouble(); // corruption's draw (never below 0)
            if (random.nextDouble() < im.duplicate()) {
                copies = 2;
                duplicated++;
            }
            random.nextDouble(); // reordering's draw (never below 0)
        }
        for (int i = 0; i < copies; i++) {
            taker.transmitTaken(i == copies - 1 ? frame : frame.duplicate(), lease);
        }
    }

    /**
     * A burst of frames given up by the sender: on a link that passes frames on at once and
     * unchanged with no random choice to make, the wrapped device takes the burst as it is
     * (its receiver may merge the frames again, as a NIC's GRO would); otherwise each frame
     * goes through {@link #transmitTaken(ByteBuffer, FrameLease)} on its own, so loss,
     * duplication and the random draws apply per frame exactly as for frames sent one by one.
     */
    @Override
    public void transmitBurst(ByteBuffer[] frames, int count, FrameLease lease) throws ErrnoException {
        Plan p = plan;
        if (taker != null && p.atOnce && !p.draws) {
            if (!closed) {
                taker.transmitBurst(frames, count, lease);
            }
            return;
        }
        for (int i = 0; i < count; i++) {
            transmitTaken(frames[i], lease);
        }
    }

    /**
     * Whether frames this emulator delivers stay valid: received frames pass untouched, but the
     * emulator does not promise what its wrapped device does not, and a receiver holding views
     * of them would keep the wrapped device's memory, so receivers copy.
     */
    @Override
    public boolean deliversStableFrames() {
        return false;
    }

    /**
     * Decides the frame's fate first (the random draws in the same order as always: loss,
     * corruption with the bit to flip, duplication, reordering), then copies it: a lost or
     * tail-dropped frame is never copied, and only a frame that leaves at once undamaged is
     * copied into kept memory, since a delayed one would hold it for its whole delay.
     */
    @Override
    public void transmit(ByteBuffer frame) throws ErrnoException {
        Plan p = plan;
        Impairments im = p.im;
        int n = frame.remaining();
        int damage = -1; // the bit to flip, if any
        long[] delays;
        synchronized (this) {
            if (closed) {
                return;
            }
            int copies = 1;
            long extra = 0;
            if (p.draws) {
                if (random.nextDouble() < im.loss()) {
                    lost++;
                    return;
                }
                if (random.nextDouble() < im.corrupt() && n > 0) {
                    damage = random.nextInt(n * 8);
                    corrupted++;
                }
                if (random.nextDouble() < im.duplicate()) {
                    copies = 2;
                    duplicated++;
                }
                if (random.nextDouble() < im.reorder()) {
                    extra = im.reorderDelayNanos();
                    reordered++;
                }
            }
            long now = now();
            long depart = now;
            if (im.rateBitsPerSecond() > 0) {
                if (queued >= im.queueLimit()) {
                    queueDrops++;
                    return;
                }
                depart = Math.max(now, linkFreeAt);
                linkFreeAt = depart + n * 8L * 1_000_000_000L / im.rateBitsPerSecond();
            }
            delays = new long[copies];
            for (int i = 0; i < copies; i++) {
                delays[i] = depart - now + im.delayNanos() + extra;
            }
            if (delays[0] > 0) {
                queued += copies;
            }
        }
        if (taker != null && damage < 0 && delays[0] <= 0) {
            passNow(frame, n, delays.length);
            return;
        }
        ByteBuffer copy = MemoryDevice.copy(frame);
        if (damage >= 0) {
            PartialChecksum.completeForDamage(copy);
            copy.put(damage >>> 3, (byte) (copy.get(damage >>> 3) ^ (1 << (damage & 7))));
        }
        for (long d : delays) {
            ByteBuffer f = copy.duplicate();
            if (d <= 0) {
                pass(f);
            } else {
                later(d, () -> {
                    synchronized (this) {
                        queued--;
                        if (closed) {
                            return;
                        }
                    }
                    try {
                        pass(f);
                    } catch (ErrnoException e) {
                        // the link went away while the frame was in flight: it is lost
                    }
                });
            }
        }
    }

    /**
     * Copies the {@code n} bytes of {@code frame} into kept memory and passes {@code copies}
     * views of it on at once, lending the memory for as long as the wrapped device and its
     * receivers use it; past the bound, the copy is an array of its own, not lent.
     */
    private void passNow(ByteBuffer frame, int n, int copies) throws ErrnoException {
        LeasedArrays.Taken memory = frameMemory.take(n);
        ByteBuffer copy = ByteBuffer.wrap(memory.array(), 0, n);
        copy.put(0, frame, frame.position(), n);
        try {
            for (int i = 0; i < copies; i++) {
                taker.transmitTaken(i == copies - 1 ? copy : copy.duplicate(), memory.lease());
            }
        } finally {
            memory.release();
        }
    }

    /**
     * Passes on a frame of this emulator's own copy: a wrapped device that can take frames
     * ({@link FrameTaker}, a bus port) gets it without a second copy, since nobody writes the
     * copy once it is passed on (damage is done before, and a duplicate is the same bytes).
     */
    private void pass(ByteBuffer frame) throws ErrnoException {
        if (taker != null) {
            taker.transmitTaken(frame, null); // the emulator's own memory, not lent
        } else {
            inner.transmit(frame);
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
