package io.jrump.virtio;

import io.jrump.api.ErrnoException;
import io.jrump.dev.wait.CallerWaits;
import io.jrump.dev.wait.PollGate;
import io.jrump.dev.wait.PollingSignal;
import java.util.function.IntSupplier;

/**
 * A virtqueue as the callers' shared waiting sees a device ({@link CallerWaits.Device}): answers
 * are the used ring's chains, the signal is the queue's interrupt, and the leader polls the used
 * ring before it sleeps when {@link PollGate} finds it worth it ({@link PollingSignal}), with
 * the device's interrupts disabled meanwhile.
 */
public final class QueueSignal extends PollingSignal {
    private final Transport transport;
    private final SplitQueue queue;
    private final IntSupplier reap;
    private final Object lock;

    /**
     * @param reap takes back every used chain (under the driver's lock), completes each, and
     *        re-enables interrupts; returns how many it took
     * @param lock the driver's queue lock
     */
    public QueueSignal(Transport transport, SplitQueue queue, IntSupplier reap, Object lock) {
        super(new PollGate(PollGate.SMALL_ANSWERS));
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
    protected boolean answerWaiting() {
        return queue.hasUsed();
    }

    @Override
    protected void suppressSignals() {
        synchronized (lock) {
            queue.disableInterrupts();
        }
    }

    @Override
    protected boolean requestSignals() {
        synchronized (lock) {
            return queue.enableInterrupts();
        }
    }

    @Override
    protected void sleep(long nanos) throws ErrnoException {
        transport.awaitInterrupt(queue, nanos);
    }
}
