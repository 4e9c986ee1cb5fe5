package io.jrump.netinet.tcp;

import io.jrump.api.Errno;
import io.jrump.net.link.NetClock;
import io.jrump.net.wire.TcpOptions;
import io.jrump.net.wire.TcpSegment;
import java.nio.ByteBuffer;

/**
 * What a connection does with an arriving segment (RFC 9293 3.10.7): the SYN_SENT steps, then
 * for synchronized states the sequence check, RST, PAWS and SYN handling hardened as RFC 5961
 * and RFC 7323 say, the ACK (handed to {@link LossRecovery}), the segment text into the
 * receive buffer with out-of-order ranges for SACK, the FIN, and when to acknowledge (RFC 5681
 * 4.2: at once out of order, else every second segment or after the delayed-ACK time).
 * Runs under the connection's lock.
 */
final class TcpInput {
    /**
     * The start of a connection's stream, in bytes, during which a segment holding two or more
     * full-sized ones is acknowledged at once. RFC 5681 4.2 asks for an ACK at least every second
     * full-sized segment, and Linux acknowledges each GRO frame at once; but acknowledging every
     * 64 KiB frame of a bulk stream instead of every second one cost 60% more ACKs (host calls on
     * a TAP) and measurably less throughput when the cores were busy, and a short timer for the
     * ACK cost as much in wake-ups of the timer thread. What waiting hurts is slow start, when
     * the sender's whole flight is one or two frames (Linux hands over its initial window of ten
     * segments as one) and the 40 ms delayed-ACK timer stalls it each round trip: so the first
     * bytes are acknowledged as they come, like Linux's quick-ACK mode at the start of a
     * connection, and later segments every second one.
     */
    static final int QUICK_ACK_BYTES = 256 << 10;
    /** RFC 7323 5.5: a TS.Recent older than 24 days is invalid for PAWS. */
    private static final long PAWS_IDLE_NANOS = 24L * 24 * 3600 * 1_000_000_000L;

    private final Tcb cb;
    private final SegmentBuilder out;
    private final LossRecovery recovery;
    private final TcpSender sender;
    private final TcpTimers timers;
    private final TcpHost host;
    private final TcpConfig config;
    private final TcpStats stats;
    private final NetClock clock;
    private final Lifecycle life;
    /** Paces ACKs that answer invalid segments, so no exchange ACKs itself forever (LAND, ACK loops). */
    private final InvalidAckLimiter invalidAcks;

    TcpInput(Tcb cb, SegmentBuilder out, LossRecovery recovery, TcpSender sender, TcpTimers timers, TcpHost host, Lifecycle life) {
        this.cb = cb;
        this.out = out;
        this.recovery = recovery;
        this.sender = sender;
        this.timers = timers;
        this.host = host;
        this.config = host.config();
        this.stats = host.stats();
        this.clock = host.clock();
        this.life = life;
        this.invalidAcks = new InvalidAckLimiter(config.invalidRateLimitNanos());
    }

    /**
     * A segment for this connection, lock held. Returns true when it is a SYN that may reopen a
     * TIME_WAIT connection (RFC 9293 3.10.7.4 note, RFC 6191). {@code keepable}: the receive
     * buffer may hold the payload by reference.
     */
    boolean process(TcpSegment seg, TcpOptions o, boolean keepable) {
        cb.lastHeard = clock.nanos();
        cb.keepProbes = 0;
        switch (cb.state) {
            case CLOSED:
                return false;
            case SYN_SENT:
                synSent(seg, o);
                return false;
            default:
                return synchronizedInput(seg, o, keepable);
        }
    }

    private void synSent(TcpSegment seg, TcpOptions o) {
        int f = seg.flags();
        boolean hasAck = (f & TcpSegment.ACK) != 0;
        if (hasAck && (Seq.le(seg.ack(), cb.iss) || Seq.gt(seg.ack(), cb.sndMax))) {
            if ((f & TcpSegment.RST) == 0) {
                host.sendReset(cb.tuple, seg.ack(), 0, false);
            }
            return;
        }
        if ((f & TcpSegment.RST) != 0) {
            if (hasAck) {
                stats.inResets.inc();
                stats.attemptFails.inc();
                life.closeDown(Errno.ECONNREFUSED);
            }
            return;
        }
        if ((f & TcpSegment.SYN) == 0) {
            return;
        }
        cb.irs = seg.seq();
        cb.rcvNxt = cb.irs + 1;
        cb.rcvAdv = cb.rcvNxt;
        cb.negotiate(seg, o, config);
        if (hasAck) {
            cb.sndUna = seg.ack();
            cb.sndWnd = seg.window(); // RFC 7323 2.2: the window of a SYN is never scaled
            cb.maxSndWnd = cb.sndWnd;
            cb.sndWl1 = seg.seq();
            cb.sndWl2 = seg.ack();
            recovery.handshakeAcked(o);
            life.established();
            out.sendAck();
            sender.output();
        } else {
            // simultaneous open (RFC 9293 3.10.7.3, fourth step)
            cb.state = TcpState.SYN_RECEIVED;
            cb.sndNxt = cb.iss;
            sender.sendSyn();
        }
    }

    private boolean synchronizedInput(TcpSegment seg, TcpOptions o, boolean keepable) {
        int f = seg.flags();
        int seq = seg.seq();
        int len = seg.sequenceLength();
        boolean rst = (f & TcpSegment.RST) != 0;
        TcpState state = cb.state;

        // (a SYN-ACK repeating the SYN's sequence number is the peer's only in a simultaneous
        // open; at a passive open it is our own SYN-ACK come back, checked below like any other)
        if (state == TcpState.SYN_RECEIVED && (f & TcpSegment.SYN) != 0 && seq == cb.irs && !rst
                && (!cb.passive || (f & TcpSegment.ACK) == 0)) {
            if ((f & TcpSegment.ACK) != 0 && !cb.passive && Seq.gt(seg.ack(), cb.sndUna) && Seq.le(seg.ack(), cb.sndMax)) {
                // simultaneous open: the peer's SYN-ACK repeats its SYN and acknowledges ours
                cb.sndWnd = seg.window();
                cb.maxSndWnd = Math.max(cb.maxSndWnd, cb.sndWnd);
                cb.sndWl1 = seq;
                cb.sndWl2 = seg.ack();
                cb.sndUna = seg.ack();
                life.established();
                sender.output();
                return false;
            }
            // a retransmitted SYN while we wait for the handshake's ACK: answer it again
            cb.sndNxt = cb.iss;
            sender.sendSyn();
            return false;
        }
        // TIME_WAIT and a new SYN beyond the old sequence space: the peer wants a new incarnation
        if (state == TcpState.TIME_WAIT && (f & TcpSegment.SYN) != 0 && (f & TcpSegment.ACK) == 0 && !rst
                && Seq.gt(seq, cb.rcvNxt) && (!cb.tsOk || !o.hasTimestamps() || Seq.gt(o.tsVal(), cb.tsRecent))) {
            life.closeDown(null);
            return true;
        }

        // PAWS (RFC 7323 5.3)
        if (cb.tsOk && o.hasTimestamps() && !rst && Seq.lt(o.tsVal(), cb.tsRecent)
                && clock.nanos() - cb.tsRecentAge < PAWS_IDLE_NANOS) {
            stats.pawsDrops.inc();
            if (invalidAckAllowed(seg)) {
                out.sendAck();
            }
            return false;
        }

        // first: sequence number acceptable? (RFC 9293 3.10.7.4)
        int rcvWnd = cb.receiveSpace();
        int rcvNxt = cb.rcvNxt;
        boolean acceptable;
        if (len == 0) {
            acceptable = rcvWnd == 0 ? seq == rcvNxt : Seq.inRange(seq, rcvNxt, rcvNxt + rcvWnd);
        } else {
            acceptable = rcvWnd != 0 && (Seq.inRange(seq, rcvNxt, rcvNxt + rcvWnd) || Seq.inRange(seq + len - 1, rcvNxt, rcvNxt + rcvWnd));
        }
        if (!acceptable) {
            // a zero-window probe lands here: its ACK tells the sender the window is still closed
            if (!rst) {
                stats.outOfWindow.inc();
                if (invalidAckAllowed(seg)) {
                    out.sendAck();
                }
            }
            return false;
        }

        // second: RST (RFC 5961 3.2)
        if (rst) {
            reset(seq);
            return false;
        }

        // timestamps: remember the peer's clock for echoing (RFC 7323 4.3)
        if (cb.tsOk && o.hasTimestamps() && Seq.ge(o.tsVal(), cb.tsRecent) && Seq.le(seq, cb.lastAckSent)) {
            cb.tsRecent = o.tsVal();
            cb.tsRecentAge = clock.nanos();
        }

        // fourth: SYN in a synchronized state (RFC 5961 4.2)
        if ((f & TcpSegment.SYN) != 0) {
            if (state == TcpState.SYN_RECEIVED && cb.passive) {
                life.closeDown(null);
                return false;
            }
            challengeAck();
            return false;
        }

        // fifth: ACK
        if ((f & TcpSegment.ACK) == 0) {
            return false;
        }
        int ack = seg.ack();
        if (state == TcpState.SYN_RECEIVED) {
            if (Seq.gt(ack, cb.sndUna) && Seq.le(ack, cb.sndMax)) {
                cb.sndWnd = seg.window() << cb.sndWscale;
                cb.maxSndWnd = Math.max(cb.maxSndWnd, cb.sndWnd);
                cb.sndWl1 = seq;
                cb.sndWl2 = ack;
                recovery.handshakeAcked(o);
                cb.sndUna = cb.iss + 1;
                life.established();
                if (cb.state != TcpState.ESTABLISHED) {
                    return false;
                }
            } else {
                host.sendReset(cb.tuple, ack, 0, false);
                return false;
            }
        }
        if (!processAck(seg, o, ack)) {
            return false;
        }
        if (cb.state == TcpState.CLOSED) {
            return false;
        }

        // seventh: segment text
        int dataLen = seg.payloadLength();
        boolean fin = (f & TcpSegment.FIN) != 0;
        boolean wasTimeWait = cb.state == TcpState.TIME_WAIT;
        if (dataLen > 0 || fin) {
            receive(seg, seq, dataLen, fin, keepable);
        }
        if (wasTimeWait && fin) {
            out.sendAck();
            timers.wait.arm(2 * config.mslNanos());
        }
        sender.output();
        return false;
    }

    /** An acceptable RST (RFC 9293 3.10.7.4 second step, RFC 5961 3.2, RFC 1337). */
    private void reset(int seq) {
        TcpState state = cb.state;
        if (state == TcpState.TIME_WAIT) {
            return; // RFC 1337: no TIME_WAIT assassination
        }
        if (seq != cb.rcvNxt) {
            challengeAck();
            return;
        }
        stats.inResets.inc();
        switch (state) {
            case SYN_RECEIVED -> {
                if (cb.passive) {
                    life.closeDown(null); // back to LISTEN: the listener simply forgets it
                } else {
                    stats.attemptFails.inc();
                    life.closeDown(Errno.ECONNREFUSED);
                }
            }
            case ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT -> {
                stats.estabResets.inc();
                cb.resetSeen = true;
                life.closeDown(Errno.ECONNRESET);
            }
            default -> life.closeDown(null);
        }
    }

    /** Step five for synchronized states; false when the segment is to be dropped. */
    private boolean processAck(TcpSegment seg, TcpOptions o, int ack) {
        if (Seq.gt(ack, cb.sndMax)) {
            challengeAck(); // RFC 5961 5.2 / RFC 9293: ACK of something not yet sent
            return false;
        }
        if (Seq.lt(ack, cb.sndUna - Math.max(cb.maxSndWnd, 1))) {
            challengeAck(); // RFC 5961 5.2: too old to be believable
            return false;
        }
        if (recovery.ackArrived(seg, o, ack)) {
            life.wake();
        }
        switch (cb.state) {
            case FIN_WAIT_1 -> {
                if (cb.finAcked()) {
                    cb.state = TcpState.FIN_WAIT_2;
                    if (cb.orphaned) {
                        timers.wait.arm(config.finTimeoutNanos());
                    }
                    life.wake();
                }
            }
            case CLOSING -> {
                if (cb.finAcked()) {
                    life.enterTimeWait();
                }
            }
            case LAST_ACK -> {
                if (cb.finAcked()) {
                    life.closeDown(null);
                    return false;
                }
            }
            default -> {
            }
        }
        return true;
    }

    private void receive(TcpSegment seg, int seq, int dataLen, boolean fin, boolean keepable) {
        if (!cb.state.receivesData()) {
            return; // CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT: the peer already sent its FIN
        }
        ByteBuffer b = seg.buffer();
        int off = seg.payloadOffset();
        // trim what we already have (left) and what does not fit (right)
        if (Seq.lt(seq, cb.rcvNxt)) {
            int cut = cb.rcvNxt - seq;
            if (cut >= dataLen) {
                dataLen = 0;
                off += cut; // nothing new except perhaps the FIN
            } else {
                off += cut;
                dataLen -= cut;
            }
            seq = cb.rcvNxt;
        }
        int space = cb.receiveSpace();
        int rel = seq - cb.rcvNxt;
        if (rel + dataLen > space) {
            dataLen = Math.max(0, space - rel);
            fin = false;
        }
        SeqRanges ooo = cb.ooo;
        boolean hadHoles = !ooo.isEmpty();
        if (dataLen > 0) {
            ByteBuffer src = b.duplicate();
            src.limit(off + dataLen).position(off);
            if (rel == 0) {
                if (cb.readShut) {
                    cb.rcvNxt += dataLen; // shut down for reading: acknowledge and discard
                } else {
                    // parked bytes count from the ring's in-order end, which a held segment would not move
                    if (cb.rcvBuf.append(src, keepable && ooo.isEmpty())) {
                        stats.heldSegs.inc();
                    }
                    cb.rcvNxt += dataLen;
                    ooo.dropBelow(cb.rcvNxt);
                    if (!ooo.isEmpty() && ooo.start(0) == cb.rcvNxt) {
                        int more = ooo.end(0) - cb.rcvNxt;
                        cb.rcvBuf.extend(more);
                        cb.rcvNxt += more;
                        ooo.dropBelow(cb.rcvNxt);
                    }
                    life.wake();
                }
            } else {
                if (ooo.add(seq, seq + dataLen) < 0) {
                    stats.oooDrops.inc();
                } else {
                    cb.rcvBuf.park(rel, src, dataLen);
                    int at = ooo.indexOf(seq);
                    cb.lastOooSeq = at >= 0 ? ooo.start(at) : seq;
                }
            }
        }
        if (fin) {
            cb.finPending = true;
            cb.finPendingSeq = seq + dataLen;
        }
        if (cb.finPending && cb.finPendingSeq == cb.rcvNxt) {
            cb.finPending = false;
            receiveFin();
            return;
        }
        // RFC 5681 4.2: ACK at once out of order or when a hole was filled; else every second
        // segment, and at once a large segment (a peer's TSO or GRO frame over a device with
        // segmentation offload, two or more full-sized segments) near the start of the stream
        // (QUICK_ACK_BYTES); at the latest when the delayed-ACK timer expires
        if (rel > 0 || hadHoles) {
            out.sendAck();
        } else if (dataLen > 0) {
            if (++cb.segsSinceAck >= 2 || (dataLen >= 2 * cb.smss && cb.rcvNxt - cb.irs <= QUICK_ACK_BYTES)) {
                out.sendAck();
            } else if (!timers.delack.armed()) {
                timers.delack.arm(config.delayedAckNanos());
            }
        }
    }

    /** Eighth step: the FIN is in order. */
    private void receiveFin() {
        cb.rcvNxt++;
        cb.finReceived = true;
        switch (cb.state) {
            case SYN_RECEIVED, ESTABLISHED -> cb.state = TcpState.CLOSE_WAIT;
            case FIN_WAIT_1 -> {
                if (cb.finAcked()) {
                    life.enterTimeWait();
                } else {
                    cb.state = TcpState.CLOSING;
                }
            }
            case FIN_WAIT_2 -> life.enterTimeWait();
            default -> {
            }
        }
        out.sendAck();
        life.wake();
    }

    /**
     * Whether an ACK may answer {@code seg}, an invalid segment (out of the window or failing
     * PAWS): always when it carries data or a FIN, else at most once per
     * {@code tcp.invalid_ratelimit} ({@link InvalidAckLimiter} tells why).
     */
    private boolean invalidAckAllowed(TcpSegment seg) {
        if (seg.sequenceLength() > 0 && (seg.flags() & TcpSegment.SYN) == 0) {
            return true;
        }
        if (invalidAcks.allow(clock.nanos())) {
            return true;
        }
        stats.acksSkipped.inc();
        return false;
    }

    /**
     * RFC 5961 7: a challenge ACK, rate-limited per connection ({@link InvalidAckLimiter}) and
     * then across the stack.
     */
    private void challengeAck() {
        if (!invalidAcks.allow(clock.nanos())) {
            stats.acksSkipped.inc();
            return;
        }
        if (host.allowChallengeAck()) {
            stats.challengeAcks.inc();
            out.sendAck();
        }
    }
}
