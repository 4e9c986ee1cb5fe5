package io.jrump.netinet.tcp;

import io.jrump.api.spi.Platform;
import io.jrump.net.link.NetClock;
import java.util.function.Consumer;

/**
 * One connection timer on the stack clock. Arming is cheap and frequent (every ACK moves the
 * retransmission deadline), so the deadline is kept here and the clock task is only
 * rescheduled when it would fire too late; a task that fires early re-arms itself. All methods
 * but the clock task's run with the connection's lock held; the task takes it through
 * {@code underLock} and does nothing once the connection is CLOSED.
 */
final class ConnectionTimer {
    private final NetClock clock;
    private final Tcb cb;
    private final Consumer<Runnable> underLock;
    private Runnable action;
    /** Stack-clock time the timer is due, or -1 when it is not armed. */
    long deadline = -1;
    private Platform.Timer handle;
    private long handleAt;
    private final Runnable task = () -> underLockTask();

    ConnectionTimer(NetClock clock, Tcb cb, Consumer<Runnable> underLock) {
        this.clock = clock;
        this.cb = cb;
        this.underLock = underLock;
    }

    /** What the timer does when it expires; set once, when the connection's parts exist. */
    void onExpiry(Runnable a) {
        this.action = a;
    }

    boolean armed() {
        return deadline >= 0;
    }

    /** Arms for the stack-clock time {@code at}, which the caller has read the clock for. */
    void armAt(long at) {
        deadline = at;
        if (handle == null || handleAt - at > 0) {
            if (handle != null) {
                handle.cancel();
            }
            schedule(Math.max(0, at - clock.nanos()));
        }
    }

    void arm(long delayNanos) {
        long now = clock.nanos();
        deadline = now + Math.max(delayNanos, 0);
        if (handle == null || handleAt - deadline > 0) {
            if (handle != null) {
                handle.cancel();
            }
            schedule(deadline - now);
        }
    }

    private void schedule(long delay) {
        handleAt = clock.nanos() + delay;
        handle = clock.schedule(delay, task);
    }

    void cancel() {
        deadline = -1;
    }

    /** Cancels the clock task too: the connection is gone. */
    void stop() {
        deadline = -1;
        if (handle != null) {
            handle.cancel();
            handle = null;
        }
    }

    private void underLockTask() {
        underLock.accept(this::fire);
    }

    /** The clock task, with the connection's lock held. */
    private void fire() {
        handle = null;
        if (deadline < 0 || cb.state == TcpState.CLOSED) {
            return;
        }
        long left = deadline - clock.nanos();
        if (left > 0) {
            schedule(left);
            return;
        }
        deadline = -1;
        action.run();
    }
}
