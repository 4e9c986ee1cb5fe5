package io.jrump.virtio;

import io.jrump.api.ErrnoException;
import io.jrump.dev.wait.CallerWaits;
import java.util.function.IntSupplier;

/**
 * A virtqueue as the callers' shared waiting sees a device ({@link CallerWaits.Device}): answers
 * are the used ring's chains, the signal is the queue's interrupt. Before it sleeps, the leader
 * polls the used ring for a short while when {@link PollGate} finds it worth it: an answer that
 * comes within the poll is seen without a wake-up, and while it polls the device is asked not to
 * signal (saving its eventfd write, and a stale wake-up on this side).
 */
public final class QueueSignal implements CallerWaits.Device {
    private final Transport transport;
    private final SplitQueue queue;
    private final IntSupplier reap;
    private final Object lock;
    private final PollGate gate = new PollGate();

    /**
     * @param reap takes back every used chain (under the driver's lock), completes each, and
     *        re-enables interrupts; returns how many it took
     * @param lock the driver's queue lock
     */
    public QueueSignal(Transport transport, SplitQueue queue, IntSupplier reap, Object lock) {
        this.transport = transport;
        this.queue = queue;
        this.reap = reap;
        this.lock = lock;
    }

    @Override
    public int reap() {
        return reap.getAsInt();
    }

    @Override
    public void awaitSignal(long nanos) throws ErrnoException {
        long start = System.nanoTime();
        if (!spin(start)) {
            transport.awaitInterrupt(queue, nanos);
        }
        if (queue.hasUsed()) {
            gate.answered(System.nanoTime() - start);
        }
    }

    /** @return whether used chains arrived while polling */
    private boolean spin(long start) {
        long limit = gate.pollNanos();
        if (limit == 0) {
            return false;
        }
        synchronized (lock) {
            queue.disableInterrupts(); // the device need not signal what this poll sees
        }
        for (long now = start; now - start < limit; now = System.nanoTime()) {
            if (queue.hasUsed()) {
                gate.polled(true);
                return true; // the reap that follows asks for interrupts again
            }
            Thread.onSpinWait();
        }
        gate.polled(false);
        synchronized (lock) {
            return queue.enableInterrupts(); // before sleeping: a chain that came meanwhile is seen now, a later one signals
        }
    }
}
