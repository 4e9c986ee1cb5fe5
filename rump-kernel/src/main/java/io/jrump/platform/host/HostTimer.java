package io.jrump.platform.host;

import io.jrump.api.spi.Platform;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One timer of one kernel. Its state moves once, from pending to fired or to cancelled, so a
 * timer whose cancel races with its firing either runs or reports that it was stopped, never
 * both; and a cancel that comes before the scheduler has handed back its future still holds.
 */
final class HostTimer implements Platform.Timer, Runnable {
    private static final int PENDING = 0;
    private static final int FIRED = 1;
    private static final int CANCELLED = 2;

    private final KernelTimers owner;
    private final Runnable task;
    private final AtomicInteger state;
    private volatile ScheduledFuture<?> future;

    HostTimer(KernelTimers owner, Runnable task) {
        this(owner, task, PENDING);
    }

    private HostTimer(KernelTimers owner, Runnable task, int state) {
        this.owner = owner;
        this.task = task;
        this.state = new AtomicInteger(state);
    }

    /** A timer that never fires, for a kernel that closed before asking. */
    static HostTimer inert(KernelTimers owner, Runnable task) {
        return new HostTimer(owner, task, CANCELLED);
    }

    /** Called once the scheduler has queued this timer. */
    void armed(ScheduledFuture<?> queued) {
        future = queued;
        if (state.get() == CANCELLED) {
            queued.cancel(false);
        }
    }

    @Override
    public void run() {
        if (!state.compareAndSet(PENDING, FIRED)) {
            return;
        }
        owner.forget(this);
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            // Thrown into the executor it would vanish into a future nobody reads.
            owner.taskFailed(task, e);
        }
    }

    @Override
    public boolean cancel() {
        if (!state.compareAndSet(PENDING, CANCELLED)) {
            return false;
        }
        owner.forget(this);
        ScheduledFuture<?> queued = future;
        if (queued != null) {
            queued.cancel(false);
        }
        return true;
    }
}
