package io.jrump.netinet.tcp;

import io.jrump.net.link.NetClock;
import java.util.function.Consumer;

/**
 * The five timers of a connection (RFC 9293 3.8.1, RFC 1122 4.2.3): retransmission (which is
 * also the persist and SWS-override timer), delayed ACK, keepalive, TIME_WAIT / FIN_WAIT_2,
 * and the tail loss probe (RFC 8985 7). What each does on expiry belongs to the part that arms
 * it and is wired in by {@link TcpConnection}; this class keeps them together so the life-cycle
 * changes (TIME_WAIT, CLOSED) reach all of them, and runs keepalive, which has no other home.
 */
final class TcpTimers {
    final ConnectionTimer rtx;
    final ConnectionTimer delack;
    final ConnectionTimer keep;
    final ConnectionTimer wait;
    final ConnectionTimer probe;
    private final Tcb cb;
    private final NetClock clock;

    TcpTimers(NetClock clock, Tcb cb, Consumer<Runnable> underLock) {
        this.clock = clock;
        this.cb = cb;
        this.rtx = new ConnectionTimer(clock, cb, underLock);
        this.delack = new ConnectionTimer(clock, cb, underLock);
        this.keep = new ConnectionTimer(clock, cb, underLock);
        this.wait = new ConnectionTimer(clock, cb, underLock);
        this.probe = new ConnectionTimer(clock, cb, underLock);
    }

    /** Arms keepalive after SO_KEEPALIVE or the connection's state changed. */
    void armKeepalive() {
        if (cb.opts.keepAlive && cb.state.synchronized_()) {
            keep.arm(cb.opts.keepIdleNanos);
        } else {
            keep.cancel();
        }
    }

    /**
     * RFC 1122 4.2.3.6: probes an idle connection ({@code probe} sends SEG.SEQ = SND.NXT - 1 and
     * no data) and gives up ({@code giveUp}) after TCP_KEEPCNT unanswered probes.
     */
    void onKeepalive(Runnable sendProbe, Runnable giveUp) {
        if (!cb.opts.keepAlive || !cb.state.synchronized_() || cb.state == TcpState.TIME_WAIT) {
            return;
        }
        long idle = clock.nanos() - cb.lastHeard;
        if (idle < cb.opts.keepIdleNanos && cb.keepProbes == 0) {
            keep.arm(cb.opts.keepIdleNanos - idle);
            return;
        }
        if (cb.keepProbes >= cb.opts.keepCnt) {
            giveUp.run();
            return;
        }
        cb.keepProbes++;
        sendProbe.run();
        keep.arm(cb.opts.keepIntvlNanos);
    }

    /** TIME_WAIT: only the 2 MSL timer stays. */
    void timeWait(long twoMsl) {
        rtx.cancel();
        probe.cancel();
        keep.cancel();
        delack.cancel();
        wait.arm(twoMsl);
    }

    /** CLOSED: every clock task is cancelled. */
    void stopAll() {
        rtx.stop();
        delack.stop();
        keep.stop();
        wait.stop();
        probe.stop();
    }
}
