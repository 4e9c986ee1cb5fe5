package io.jrump.dev.wait;

import io.jrump.api.ErrnoException;
import java.util.function.BooleanSupplier;

/**
 * A device whose answers a waiting leader can also see by looking (a used ring, a response
 * ring's producer index), so that before it sleeps on the device's signal it may poll for a
 * short while, when its {@link PollGate} finds it worth it. An answer that comes within the poll
 * is seen without a wake-up, and while it polls the device is asked not to signal (saving the
 * device's notify, and a stale wake-up on this side); before it sleeps the leader asks for the
 * signal again and looks once more, so an answer that came meanwhile is not slept through.
 */
public abstract class PollingSignal implements CallerWaits.Device {
    private final PollGate gate;
    private final BooleanSupplier look = this::answerWaiting;

    /** @param gate the gate of every wait, unless {@link #gate()} says otherwise */
    protected PollingSignal(PollGate gate) {
        this.gate = gate;
    }

    /**
     * The gate of the leader's wait now. A driver whose requests differ widely in how long they
     * take (a 1 MiB write against a 4 KiB read) keeps a gate per kind, as Linux keeps its poll
     * statistics per size and direction, so that one kind's answer times do not decide the
     * polling for another's.
     */
    protected PollGate gate() {
        return gate;
    }

    /** Whether an answer is waiting to be reaped: a look, safe without the driver's lock. */
    protected abstract boolean answerWaiting();

    /** Asks the device not to signal answers (under the driver's lock, which this takes). */
    protected abstract void suppressSignals();

    /**
     * Asks the device to signal the next answer again, and looks once more (under the driver's
     * lock, which this takes).
     *
     * @return whether an answer came before the request to signal took effect
     */
    protected abstract boolean requestSignals();

    /** Sleeps on the device's signal for at most {@code nanos}. */
    protected abstract void sleep(long nanos) throws ErrnoException;

    @Override
    public final void awaitSignal(long nanos) throws ErrnoException {
        PollGate gate = gate();
        long start = System.nanoTime();
        if (!poll(gate, start)) {
            sleep(nanos);
        }
        if (answerWaiting()) {
            gate.answered(System.nanoTime() - start);
        }
    }

    /** @return whether an answer arrived while polling */
    private boolean poll(PollGate gate, long start) {
        long limit = gate.pollNanos();
        if (limit == 0) {
            return false;
        }
        suppressSignals();
        if (gate.spin(start, limit, look)) {
            return true; // the reap that follows asks for signals again
        }
        return requestSignals();
    }
}
