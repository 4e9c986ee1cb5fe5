package io.jrump.xen.blk;

import io.jrump.api.ErrnoException;
import io.jrump.dev.wait.CallerWaits;
import io.jrump.dev.wait.PollGate;
import io.jrump.dev.wait.PollingSignal;
import io.jrump.xen.hv.EventChannel;
import io.jrump.xen.ring.FrontRing;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * blkfront's response ring as the callers' shared waiting sees a device ({@link CallerWaits}):
 * answers are responses, the signal is the event channel, and the leader polls the ring before
 * it sleeps when its {@link PollGate} finds it worth it ({@link PollingSignal}), with the
 * backend's notifies suppressed meanwhile ({@link FrontRing#suppressResponseEvents}).
 *
 * <p>A gate per kind of request (small and large reads, small and large writes: flushes and
 * discards count as small writes), as Linux keeps its poll statistics per size and direction:
 * 1 MiB writes answered in about a millisecond must not stop the polling for 4 KiB reads
 * answered in ten microseconds. The leader polls with the gate of its own request
 * ({@link #waitingFor}).
 */
final class ResponseSignal extends PollingSignal {
    /**
     * The longest recent answer time a leading caller polls for, for a large request: a 1 MiB
     * request served from the page cache (about 60 µs through the emulated blkback), whose two
     * wake-ups would otherwise cost more than half of it on a virtual machine (an eventfd write
     * that wakes a thread on an idle virtual CPU costs its writer 11-22 µs there).
     */
    static final long POLL_WORTH_NANOS = 200_000;
    /**
     * The same for a small request: about 10 µs through the emulated blkback when both sides
     * poll, 30 µs when they sleep. A backend whose small answers take longer (QEMU's, about
     * 100 µs) needs the CPU a poll would burn more than the poller saves.
     */
    static final long SMALL_POLL_WORTH_NANOS = 60_000;
    /** The largest request polled for as a small one: what fits a request without indirect segments. */
    static final int SMALL_REQUEST_BYTES = Blkif.MAX_SEGMENTS_PER_REQUEST * Blkif.PAGE_SIZE;
    /** The longest a leading caller sleeps on the event channel before it looks for a disconnect. */
    static final long LEADER_SLICE_NANOS = 50_000_000;

    private final FrontRing<BlkRequest, BlkResponse> ring;
    private final Object lock;
    private final EventChannel channel;
    private final IntSupplier reap;
    private final Consumer<String> lost;
    /** Small and large reads, small and large writes. */
    private final PollGate[] gates;
    /** The gate of the request the calling thread waits for, should it lead. */
    private final ThreadLocal<PollGate> leaderGate = new ThreadLocal<>();

    /**
     * @param lock the driver's lock, under which the ring's consumer side changes
     * @param reap takes back every response (under the lock) and completes each; returns how many it took
     * @param lost what a failed event channel does to the device (disconnects it, failing every request in flight)
     */
    ResponseSignal(FrontRing<BlkRequest, BlkResponse> ring, Object lock, EventChannel channel, IntSupplier reap, Consumer<String> lost) {
        this(new PollGate[] {
            new PollGate(SMALL_POLL_WORTH_NANOS), new PollGate(POLL_WORTH_NANOS), new PollGate(SMALL_POLL_WORTH_NANOS), new PollGate(POLL_WORTH_NANOS)},
                ring, lock, channel, reap, lost);
    }

    private ResponseSignal(PollGate[] gates, FrontRing<BlkRequest, BlkResponse> ring, Object lock, EventChannel channel, IntSupplier reap,
            Consumer<String> lost) {
        super(gates[0]); // a thread that never said what it waits for (a submitter waiting for room) polls as a small read
        this.gates = gates;
        this.ring = ring;
        this.lock = lock;
        this.channel = channel;
        this.reap = reap;
        this.lost = lost;
    }

    /** The calling thread is about to wait for a request of {@code operation} carrying {@code bytes}: its gate, should it lead. */
    void waitingFor(int operation, int bytes) {
        leaderGate.set(gates[(operation == Blkif.OP_READ ? 0 : 2) + (bytes > SMALL_REQUEST_BYTES ? 1 : 0)]);
    }

    @Override
    public int reap() {
        return reap.getAsInt();
    }

    @Override
    protected PollGate gate() {
        PollGate g = leaderGate.get();
        return g == null ? super.gate() : g;
    }

    @Override
    protected boolean answerWaiting() {
        return ring.responsesWaiting();
    }

    @Override
    protected void suppressSignals() {
        synchronized (lock) {
            ring.suppressResponseEvents();
        }
    }

    @Override
    protected boolean requestSignals() {
        synchronized (lock) {
            try {
                return ring.finalCheckForResponses();
            } catch (ErrnoException e) {
                return true; // the reap that follows finds the same and disconnects
            }
        }
    }

    @Override
    protected void sleep(long nanos) {
        try {
            channel.await(Math.min(nanos, LEADER_SLICE_NANOS)); // in slices: a disconnect is seen soon
        } catch (ErrnoException e) {
            lost.accept("event channel: " + e.getMessage());
        }
    }
}
