package io.jrump.platform.host;

import io.jrump.api.spi.Platform;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The pending timers of one kernel on the shared {@link TimerScheduler}, kept so that closing
 * the kernel cancels them: a closed kernel's callout must not run against freed state. Made on
 * a kernel's first timer; a kernel that never sets one never pays for the set.
 */
final class KernelTimers {
    private final TimerScheduler scheduler;
    private final System.Logger logger;
    /** Guarded by this. */
    private final Set<HostTimer> pending = new HashSet<>();
    private boolean closed;

    KernelTimers(TimerScheduler scheduler, System.Logger logger) {
        this.scheduler = scheduler;
        this.logger = logger;
    }

    /** Schedules {@code task}; after {@link #close()} the timer is returned but never fires. */
    Platform.Timer schedule(long delayNanos, Runnable task) {
        HostTimer timer;
        synchronized (this) {
            if (closed) {
                return HostTimer.inert(this, task);
            }
            timer = new HostTimer(this, task);
            pending.add(timer);
        }
        timer.armed(scheduler.schedule(timer, delayNanos));
        return timer;
    }

    synchronized int pendingCount() {
        return pending.size();
    }

    /** Cancels every pending timer; later ones never fire. */
    void close() {
        List<HostTimer> cancel;
        synchronized (this) {
            closed = true;
            cancel = new ArrayList<>(pending);
            pending.clear();
        }
        for (HostTimer t : cancel) {
            t.cancel();
        }
    }

    synchronized void forget(HostTimer timer) {
        pending.remove(timer);
    }

    void taskFailed(Runnable task, Throwable failure) {
        logger.log(System.Logger.Level.ERROR, "timer task " + task + " failed", failure);
    }
}
