package io.jrump.netinet.tcp;

import io.jrump.api.Errno;
import io.jrump.net.link.NetClock;
import io.jrump.net.wire.TcpSegment;

/**
 * Decides what a connection sends (RFC 9293 3.8.6, RFC 5681): the SYN, and new data as far as
 * the peer's window, the congestion window, Nagle's algorithm and sender SWS avoidance allow,
 * with segmentation offload's deferral of a short segment. In SACK recovery {@link LossRecovery}
 * decides instead. The retransmission timer lands here too: a SYN sent again, a zero-window
 * probe, the SWS override, or go-back-N from SND.UNA after a timeout.
 */
final class TcpSender {
    private final Tcb cb;
    private final SegmentBuilder out;
    private final LossRecovery recovery;
    private final ConnectionTimer rtxTimer;
    private final ConnectionTimer probeTimer;
    private final TcpStats stats;
    private final NetClock clock;
    private final Lifecycle life;

    TcpSender(Tcb cb, SegmentBuilder out, LossRecovery recovery, TcpTimers timers, TcpStats stats, NetClock clock, Lifecycle life) {
        this.cb = cb;
        this.out = out;
        this.recovery = recovery;
        this.rtxTimer = timers.rtx;
        this.probeTimer = timers.probe;
        this.stats = stats;
        this.clock = clock;
        this.life = life;
    }

    /** The SYN (SYN-ACK in SYN_RECEIVED) with our options; SND.NXT moves past it. */
    void sendSyn() {
        recovery.synSent();
        int flags = TcpSegment.SYN | (cb.state == TcpState.SYN_RECEIVED ? TcpSegment.ACK : 0);
        out.emit(cb.iss, flags, 0, true);
        if (Seq.lt(cb.sndNxt, cb.iss + 1)) {
            cb.sndNxt = cb.iss + 1;
        }
        cb.sndMax = Seq.max(cb.sndMax, cb.sndNxt);
        if (!rtxTimer.armed()) {
            rtxTimer.arm(recovery.rto());
        }
    }

    /** Sends what the windows, Nagle and SWS avoidance allow. Lock held. */
    void output() {
        if (!recovery.started() || !cb.state.synchronized_()) {
            return;
        }
        if (recovery.inSackRecovery()) {
            recovery.sackRecoveryOutput();
            return;
        }
        int sentTo = cb.sndMax;
        int smss = cb.smss;
        int sendSize = cb.sendSize;
        while (true) {
            int dataEnd = cb.dataEnd();
            int avail = dataEnd - cb.sndNxt;
            boolean finToSend = cb.finQueued && Seq.le(cb.sndNxt, dataEnd);
            if (avail <= 0 && !finToSend) {
                break;
            }
            int wnd = Math.min(cb.sndWnd, recovery.cwnd());
            int usable = (cb.sndUna + wnd) - cb.sndNxt;
            int len = Math.min(Math.max(avail, 0), Math.min(sendSize, usable));
            if (len <= 0) {
                if (avail <= 0 && finToSend) {
                    recovery.sendRange(cb.sndNxt, 0);
                    continue;
                }
                if (cb.sndWnd == 0 && cb.sndUna == cb.sndMax && !rtxTimer.armed()) {
                    rtxTimer.arm(recovery.rto()); // persist: probe when it fires
                }
                break;
            }
            int maxSndWnd = cb.maxSndWnd;
            if (len < smss && len < avail && !(len >= maxSndWnd / 2 && maxSndWnd > 0)) {
                // sender SWS avoidance: wait for a bigger window, with the override timeout
                // of RFC 9293 3.8.6.2.1 (the retransmission timer) when nothing is in flight
                if (cb.sndUna == cb.sndMax && !rtxTimer.armed()) {
                    rtxTimer.arm(recovery.rto());
                }
                break;
            }
            int run = recovery.chunkRun();
            int whole = Math.min(Math.min(avail, sendSize), run);
            if (len < whole && whole > smss && Seq.lt(cb.sndUna, cb.sndNxt) && len < maxSndWnd / 2) {
                // an offloaded segment the window cuts short waits for the ACK in flight to open
                // the window (Linux's TSO deferral): cut, it would go out as two short segments,
                // the second copied because it no longer starts its chunk
                break;
            }
            if (len < sendSize && len == avail && !cb.opts.noDelay && Seq.lt(cb.sndUna, cb.sndNxt) && !cb.finQueued) {
                // Nagle (RFC 9293 3.7.4): one small segment in flight at a time. With segmentation
                // offload "small" means under one offloaded segment, as Linux defers TSO segments:
                // the tail of a write waits for the next write or an ACK instead of going out as a
                // short segment that splits its chunk
                break;
            }
            recovery.sendRange(cb.sndNxt, Math.min(len, run));
        }
        if (cb.sndMax != sentTo && !probeTimer.armed()) {
            recovery.armProbe(clock.nanos()); // while ACKs come, newAck keeps it armed
        }
    }

    /** The retransmission timer expired (RFC 6298 5.4-5.7, RFC 9293 3.8.6.1 and 3.8.6.2.1). */
    void onRetransmitTimer() {
        switch (cb.state) {
            case SYN_SENT, SYN_RECEIVED -> {
                if (!recovery.synTimeout()) {
                    stats.attemptFails.inc();
                    life.closeDown(cb.passive ? null : Errno.ETIMEDOUT);
                    return;
                }
                cb.sndNxt = cb.iss;
                sendSyn();
                rtxTimer.arm(recovery.rto());
                return;
            }
            case CLOSED, TIME_WAIT -> {
                return;
            }
            default -> {
            }
        }
        int dataEnd = cb.dataEnd();
        boolean unsent = Seq.lt(cb.sndNxt, dataEnd) || (cb.finQueued && Seq.le(cb.sndNxt, dataEnd));
        if (cb.sndUna == cb.sndMax) {
            if (unsent && cb.sndWnd == 0) {
                // persist timer: probe the zero window with one byte (RFC 9293 3.8.6.1)
                stats.windowProbes.inc();
                recovery.backOff();
                recovery.sendRange(cb.sndNxt, Math.min(1, dataEnd - cb.sndNxt));
                rtxTimer.arm(recovery.rto());
            } else if (unsent) {
                // SWS override timeout: send what the small window allows
                int usable = (cb.sndUna + cb.sndWnd) - cb.sndNxt;
                recovery.sendRange(cb.sndNxt, Math.max(0, Math.min(cb.smss, Math.min(usable, dataEnd - cb.sndNxt))));
            }
            return;
        }
        if (!recovery.timeout()) {
            life.closeDown(Errno.ETIMEDOUT);
            return;
        }
        // go back to SND.UNA (RFC 5681 3.1, RFC 6298 5.4): the first segment ignores the windows
        cb.sndNxt = cb.sndUna;
        recovery.sendRange(cb.sndUna, Math.max(0, Math.min(cb.smss, dataEnd - cb.sndUna)));
        rtxTimer.arm(recovery.rto());
        output();
    }
}
