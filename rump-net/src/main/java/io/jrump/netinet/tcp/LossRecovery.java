package io.jrump.netinet.tcp;

import io.jrump.net.link.NetClock;
import io.jrump.net.wire.TcpOptions;
import io.jrump.net.wire.TcpSegment;

/**
 * What a connection knows about its data in flight and does when some of it is lost: the
 * round-trip estimate with Karn's rule (RFC 6298), the congestion window ({@link
 * CongestionControl}), the SACK scoreboard (RFC 2018), fast retransmit and recovery with SACK
 * (RFC 6675, with lost retransmissions found by {@link RetransmitMarks}) or without it (NewReno,
 * RFC 6582), limited transmit (RFC 3042), early retransmit (RFC 5827), the tail loss probe
 * (RFC 8985 section 7, without RACK's time-based marking), and the bookkeeping of every data
 * segment sent or sent again ({@link #sendRange}, {@link #retransmitFrom}).
 *
 * <p>Its state is its own; the rest of the connection asks through methods. Runs under the
 * connection's lock.
 */
final class LossRecovery {
    /** RFC 5681 3.2 and RFC 6675 section 2: DupThresh. */
    private static final int DUP_THRESH = 3;
    /** RFC 5827 3.1: early retransmit applies while fewer than four segments are outstanding. */
    private static final int EARLY_RETRANSMIT_SEGS = 4;
    /** RFC 8985 7.2: the probe timeout is at least 10 ms. */
    private static final long MIN_PTO_NANOS = 10_000_000L;

    private final Tcb cb;
    private final SegmentBuilder out;
    private final ConnectionTimer rtxTimer;
    private final ConnectionTimer probeTimer;
    private final TcpConfig config;
    private final TcpStats stats;
    private final NetClock clock;

    private final RttEstimator rtt;
    private boolean rttTiming;
    private int rttSeq;
    private long rttStart;
    private int retries;
    private CongestionControl cc;
    private int dupAcks;
    private boolean inRecovery;
    private int recover;
    private int highRxt;
    private final SeqRanges scoreboard = new SeqRanges(Tcb.MAX_RANGES);
    /** Holes retransmitted in the current SACK recovery, to find those whose retransmission was lost. */
    private final RetransmitMarks rexmits = new RetransmitMarks(Tcb.MAX_RANGES);
    /** A tail loss probe went out for the data outstanding: no other until SND.UNA advances. */
    private boolean probed;

    LossRecovery(Tcb cb, SegmentBuilder out, TcpTimers timers, TcpConfig config, TcpStats stats, NetClock clock) {
        this.cb = cb;
        this.out = out;
        this.rtxTimer = timers.rtx;
        this.probeTimer = timers.probe;
        this.config = config;
        this.stats = stats;
        this.clock = clock;
        this.rtt = new RttEstimator(config.minRtoNanos());
    }

    // ---- life cycle ----

    /** A new send sequence space starts at {@code seq}: nothing to recover below it. */
    void reset(int seq) {
        recover = seq;
        highRxt = seq;
    }

    /** The connection is established: congestion control starts with the agreed SMSS and segment size. */
    void established() {
        cc = CongestionControl.create(config.congestionControl(), cb.smss);
        cc.segmentBytes(cb.sendSize);
        retries = 0;
    }

    /** Whether congestion control runs (from ESTABLISHED on). */
    boolean started() {
        return cc != null;
    }

    /** The connection is gone. */
    void clear() {
        scoreboard.clear();
    }

    long rto() {
        return rtt.rto();
    }

    CongestionControl cc() {
        return cc;
    }

    // ---- the handshake ----

    /** A SYN goes out: time it unless it is a retransmission (Karn). */
    void synSent() {
        if (retries == 0) {
            rttStart = clock.nanos();
        }
    }

    /** The handshake's SYN was acknowledged: the first RTT sample. */
    void handshakeAcked(TcpOptions o) {
        if (cb.tsOk && o.hasTimestamps() && o.tsEcr() != 0) {
            rtt.sample(cb.tsDelta(o.tsEcr()));
        } else if (retries == 0) {
            rtt.sample(clock.nanos() - rttStart);
        }
    }

    /** The SYN timed out: false when it was sent often enough ({@code tcp.syn_retries}), else back off. */
    boolean synTimeout() {
        if (++retries > config.synRetries()) {
            return false;
        }
        stats.timeouts.inc();
        stats.retransSegs.inc();
        rtt.backOff();
        return true;
    }

    /** The accept queue refused the connection: retry the handshake's end after an RTO. */
    void retryHandshake() {
        rtxTimer.arm(rtt.rto());
    }

    // ---- timeouts ----

    /** A persist or SWS-override probe goes out: back off as a retransmission does. */
    void backOff() {
        rtt.backOff();
    }

    /**
     * The retransmission timer expired with data outstanding (RFC 6298 5.5-5.7, RFC 5681 3.1):
     * false when it did so too often ({@code tcp.retries2}); else recovery ends, the window
     * collapses and the estimate backs off, ready for go-back-N from SND.UNA.
     */
    boolean timeout() {
        if (++retries > config.retries()) {
            return false;
        }
        stats.timeouts.inc();
        probeTimer.cancel();
        rexmits.clear();
        if (cb.sndWnd == 0) {
            stats.windowProbes.inc();
        } else {
            cc.onTimeout(cb.sndMax - cb.sndUna, clock.nanos());
        }
        inRecovery = false;
        dupAcks = 0;
        recover = cb.sndMax;
        scoreboard.clear();
        highRxt = cb.sndUna;
        rttTiming = false;
        rtt.backOff();
        return true;
    }

    // ---- acknowledgments ----

    /**
     * The ACK field and window of an acceptable segment in a synchronized state (RFC 9293
     * 3.10.7.4 fifth step): the send window, SACK blocks, new data acknowledged or a duplicate.
     * True when new data was acknowledged (a blocked sender may go on).
     */
    boolean ackArrived(TcpSegment seg, TcpOptions o, int ack) {
        int wnd = seg.window() << cb.sndWscale;
        boolean newSack = cb.sackOk && o.sackBlocks() > 0 && takeSack(o);
        boolean windowChanged = wnd != cb.sndWnd;
        if (Seq.lt(cb.sndWl1, seg.seq()) || (cb.sndWl1 == seg.seq() && Seq.le(cb.sndWl2, ack))) {
            boolean opened = cb.sndWnd == 0 && wnd > 0;
            cb.sndWnd = wnd;
            cb.maxSndWnd = Math.max(cb.maxSndWnd, wnd);
            cb.sndWl1 = seg.seq();
            cb.sndWl2 = ack;
            if (opened && cb.sndUna == cb.sndMax) {
                rtxTimer.cancel(); // leave persist mode
                retries = 0;
            }
        }
        boolean advanced = Seq.gt(ack, cb.sndUna);
        if (advanced) {
            newAck(ack, o);
            if (newSack && cb.sackOk && cc != null && !inRecovery && Seq.ge(cb.sndUna, recover) && Seq.gt(lostBoundary(), cb.sndUna)) {
                // the SACKs show the new SND.UNA lost (a loss probe's answer acknowledges the
                // segments before the hole too): recover now rather than at the next duplicate
                enterRecovery();
            }
        } else if (ack == cb.sndUna && cb.sndMax != cb.sndUna) {
            if (cb.sndWnd == 0 && wnd == 0) {
                retries = 0; // a live peer answering window probes (RFC 1122 4.2.2.17)
            } else if (newSack || (seg.payloadLength() == 0 && (seg.flags() & (TcpSegment.SYN | TcpSegment.FIN)) == 0 && !windowChanged)) {
                dupAck();
            }
        }
        if (newSack && inRecovery && cb.sackOk && rexmits.count() > 0) {
            int lostAgain = rexmits.detect(cb.sndUna, scoreboard);
            if (lostAgain > 0) {
                stats.lostRetransmits.add(lostAgain); // sackRecoveryOutput sends them again
            }
        }
        return advanced;
    }

    private boolean takeSack(TcpOptions o) {
        boolean any = false;
        for (int i = 0; i < o.sackBlocks(); i++) {
            int l = o.sackLeft(i);
            int r = o.sackRight(i);
            if (!Seq.lt(l, r) || !Seq.gt(r, cb.sndUna) || Seq.gt(r, cb.sndMax)) {
                continue; // D-SACK or nonsense: ignore (RFC 2883 is not implemented)
            }
            if (scoreboard.add(Seq.max(l, cb.sndUna), r) > 0) {
                any = true;
            }
        }
        return any;
    }

    /** New data acknowledged: RFC 9293 3.10.7.4 fifth step, RFC 6298 5.2/5.3, RFC 6582 3.2. */
    private void newAck(int ack, TcpOptions o) {
        int acked = ack - cb.sndUna;
        int dataAck = Seq.min(ack, cb.dataEnd());
        if (Seq.gt(dataAck, cb.sndBufSeq)) {
            cb.sndBuf.skip(dataAck - cb.sndBufSeq);
            cb.sndBufSeq = dataAck;
        }
        cb.sndUna = ack;
        if (Seq.lt(cb.sndNxt, cb.sndUna)) {
            cb.sndNxt = cb.sndUna;
        }
        if (Seq.lt(highRxt, cb.sndUna)) {
            highRxt = cb.sndUna;
        }
        scoreboard.dropBelow(cb.sndUna);
        long now = clock.nanos();
        if (cb.tsOk && o.hasTimestamps() && o.tsEcr() != 0) {
            rtt.sample(cb.tsDelta(o.tsEcr()));
        } else if (rttTiming && Seq.ge(ack, rttSeq)) {
            rtt.sample(now - rttStart);
            rttTiming = false;
        }
        retries = 0;
        probed = false;
        if (cc != null) {
            int flight = cb.sndMax - cb.sndUna;
            int smss = cb.smss;
            if (inRecovery) {
                if (Seq.ge(ack, recover)) {
                    inRecovery = false;
                    dupAcks = 0;
                    rexmits.clear();
                    // RFC 6582 3.2 step 3 (full acknowledgment), RFC 6675 section 5
                    cc.cwnd(cb.sackOk ? cc.ssthresh() : Math.min(cc.ssthresh(), Math.max(flight, smss) + smss));
                } else if (!cb.sackOk) {
                    // partial acknowledgment: retransmit the next hole, deflate (RFC 6582 3.2 step 4)
                    retransmitFrom(cb.sndUna, smss);
                    cc.cwnd(cc.cwnd() - acked + smss);
                    rtxTimer.arm(rtt.rto());
                }
            } else {
                dupAcks = 0;
                cc.onAck(acked, now, rtt.srtt());
            }
        }
        if (cb.sndUna == cb.sndMax) {
            rtxTimer.cancel();
            probeTimer.cancel();
        } else {
            rtxTimer.arm(rtt.rto());
            armProbe(now);
        }
    }

    private void dupAck() {
        if (cc == null) {
            return;
        }
        dupAcks++;
        if (inRecovery) {
            if (!cb.sackOk) {
                cc.cwnd(cc.cwnd() + cb.smss); // RFC 5681 3.2 step 4: inflate
            }
            return;
        }
        boolean lost = dupAcks >= dupThresh() || (cb.sackOk && Seq.gt(lostBoundary(), cb.sndUna));
        if (lost && Seq.ge(cb.sndUna, recover)) {
            enterRecovery();
        } else if (cb.sackOk && dupAcks < DUP_THRESH) {
            limitedTransmit();
        }
    }

    /**
     * Limited transmit (RFC 3042): on the first two duplicate ACKs one new segment goes out if
     * the peer's window takes it and the flight stays within cwnd + 2 * SMSS. A small cwnd
     * otherwise leaves too few segments behind a loss to draw DupThresh duplicate ACKs; early
     * retransmit does not cover that case, as new data could be sent. Only with SACK, so
     * recovery without it is unchanged.
     */
    private void limitedTransmit() {
        int smss = cb.smss;
        int avail = cb.dataEnd() - cb.sndNxt;
        int len = Math.min(smss, avail);
        if (len <= 0 || cb.sndNxt != cb.sndMax || (len < smss && !cb.opts.noDelay && !cb.finQueued)) {
            return; // nothing new, go-back-N after a timeout in progress, or Nagle holds a short tail
        }
        if ((cb.sndUna + cb.sndWnd) - cb.sndNxt < len || (long) (cb.sndMax - cb.sndUna) + len > (long) cc.cwnd() + 2L * smss) {
            return;
        }
        sendRange(cb.sndNxt, len);
    }

    /** RFC 5681 3.2 steps 2-3, RFC 6582 3.2 step 2, RFC 6675 section 5 step 4. */
    private void enterRecovery() {
        int flight = cb.sndMax - cb.sndUna;
        cc.onLoss(flight, clock.nanos());
        inRecovery = true;
        recover = cb.sndMax;
        highRxt = cb.sndUna;
        rttTiming = false;
        probeTimer.cancel();
        rexmits.clear();
        stats.fastRetransmits.inc();
        int smss = cb.smss;
        if (cb.sackOk) {
            cc.cwnd(cc.ssthresh());
            int len = Math.min(smss, holeEnd(cb.sndUna) - cb.sndUna);
            retransmitHole(cb.sndUna, len);
            highRxt = Seq.max(highRxt, cb.sndUna + len);
        } else {
            retransmitFrom(cb.sndUna, smss);
            cc.cwnd(cc.ssthresh() + DUP_THRESH * smss);
        }
        rtxTimer.arm(rtt.rto());
    }

    /**
     * DupThresh, lowered by early retransmit (RFC 5827 3.2) to one less than the outstanding
     * segments when fewer than four are outstanding and no new segment can be sent: a short
     * flight with a loss, or the tail loss probe of one, gets too few duplicate ACKs otherwise.
     * Only with SACK, so recovery without it is unchanged.
     */
    private int dupThresh() {
        if (!cb.sackOk) {
            return DUP_THRESH;
        }
        int flight = cb.sndMax - cb.sndUna - (cb.finQueued && Seq.gt(cb.sndMax, cb.dataEnd()) ? 1 : 0);
        int oseg = (int) (((long) flight + cb.smss - 1) / cb.smss);
        if (oseg < 2 || oseg >= EARLY_RETRANSMIT_SEGS || cb.canSendNew()) {
            return DUP_THRESH;
        }
        return oseg - 1;
    }

    /**
     * RFC 6675 IsLost as a boundary: every un-SACKed sequence number below it is lost, since
     * DupThresh discontiguous SACKed ranges or more than (DupThresh - 1) * SMSS SACKed bytes
     * lie above it.
     */
    private int lostBoundary() {
        int n = scoreboard.count();
        if (n == 0) {
            return cb.sndUna;
        }
        int thresh = dupThresh();
        long cum = 0;
        for (int i = n - 1; i >= 0; i--) {
            cum += scoreboard.end(i) - scoreboard.start(i);
            if (cum > (long) (thresh - 1) * cb.smss || n - i >= thresh) {
                return scoreboard.start(i);
            }
        }
        return cb.sndUna;
    }

    /** End of the un-SACKed hole that begins at {@code seq}. */
    private int holeEnd(int seq) {
        for (int i = 0; i < scoreboard.count(); i++) {
            if (Seq.gt(scoreboard.start(i), seq)) {
                return scoreboard.start(i);
            }
        }
        return cb.sndMax;
    }

    /** RFC 6675 SetPipe: bytes believed in the network; a retransmission found lost is not. */
    private long pipe() {
        int lost = lostBoundary();
        int sndUna = cb.sndUna;
        int sndMax = cb.sndMax;
        long pipe = 0;
        int cursor = sndUna;
        for (int i = 0; i <= scoreboard.count(); i++) {
            int holeEnd = i < scoreboard.count() ? scoreboard.start(i) : sndMax;
            if (Seq.lt(cursor, holeEnd)) {
                pipe += span(cursor, holeEnd, lost, sndMax); // not lost: still in flight
                pipe += span(cursor, holeEnd, sndUna, Seq.min(lost, highRxt)); // lost but retransmitted
            }
            if (i < scoreboard.count()) {
                cursor = Seq.max(cursor, scoreboard.end(i));
            }
        }
        return Math.max(0, pipe - rexmits.lostBytes(sndUna));
    }

    private static long span(int a, int b, int lo, int hi) {
        int s = Seq.max(a, lo);
        int e = Seq.min(b, hi);
        return Seq.lt(s, e) ? e - s : 0;
    }

    // ---- sending in recovery ----

    /** The congestion window; only once {@link #started()}. */
    int cwnd() {
        return cc.cwnd();
    }

    /** Whether SACK recovery decides what goes out ({@link #sackRecoveryOutput}) instead of the normal send loop. */
    boolean inSackRecovery() {
        return inRecovery && cb.sackOk;
    }

    /**
     * RFC 6675 section 5 steps (C): send while cwnd - pipe allows a segment. Retransmissions
     * found lost ({@link RetransmitMarks}) go first, as they hold up the cumulative ACK.
     */
    void sackRecoveryOutput() {
        int guard = 0;
        int smss = cb.smss;
        while (cc.cwnd() - pipe() >= smss && guard++ < 1000) {
            int again = rexmits.firstLost();
            if (again >= 0) {
                int s = Seq.max(rexmits.start(again), cb.sndUna);
                int at = scoreboard.indexOf(s);
                if (at >= 0) {
                    s = scoreboard.end(at);
                }
                int e = Seq.min(rexmits.end(again), holeEnd(s));
                rexmits.remove(again);
                if (Seq.lt(s, e)) {
                    retransmitHole(s, e - s);
                }
                continue;
            }
            int lost = lostBoundary();
            int cursor = Seq.max(highRxt, cb.sndUna);
            int idx = scoreboard.indexOf(cursor);
            if (idx >= 0) {
                cursor = scoreboard.end(idx);
            }
            if (Seq.lt(cursor, lost) && Seq.lt(cursor, cb.sndMax)) {
                int len = Math.min(smss, holeEnd(cursor) - cursor);
                retransmitHole(cursor, len);
                highRxt = cursor + len;
                continue;
            }
            int dataEnd = cb.dataEnd();
            int avail = dataEnd - cb.sndNxt;
            int usable = (cb.sndUna + cb.sndWnd) - cb.sndNxt;
            int len = Math.min(Math.max(avail, 0), Math.min(smss, usable));
            if (len > 0) {
                sendRange(cb.sndNxt, len);
            } else if (avail <= 0 && cb.finQueued && Seq.le(cb.sndNxt, dataEnd)) {
                sendRange(cb.sndNxt, 0);
            } else {
                break;
            }
        }
    }

    /**
     * Sends {@code len} data bytes at SND.NXT (plus the FIN when they reach the end of a
     * closed stream) and advances SND.NXT.
     */
    void sendRange(int seq, int len) {
        int dataEnd = cb.dataEnd();
        boolean fin = cb.finQueued && seq + len == dataEnd;
        boolean retransmit = Seq.lt(seq, cb.sndMax);
        int flags = TcpSegment.ACK | (fin ? TcpSegment.FIN : 0) | (len > 0 && seq + len == dataEnd ? TcpSegment.PSH : 0);
        out.emit(seq, flags, len, false);
        int end = seq + len + (fin ? 1 : 0);
        if (retransmit) {
            stats.retransSegs.inc();
            if (rttTiming && Seq.lt(seq, rttSeq)) {
                rttTiming = false; // Karn: never time a retransmitted segment
            }
        } else if (!rttTiming && !cb.tsOk) {
            rttTiming = true;
            rttSeq = end;
            rttStart = clock.nanos();
        }
        cb.sndNxt = end;
        cb.sndMax = Seq.max(cb.sndMax, end);
        if (!rtxTimer.armed() || cb.sndWnd == 0) {
            rtxTimer.arm(rtt.rto());
        }
    }

    /** Retransmits a hole in SACK recovery, remembering SND.MAX to tell later whether it was lost. */
    private void retransmitHole(int seq, int len) {
        retransmitFrom(seq, len);
        if (len > 0) {
            rexmits.add(seq, seq + len, cb.sndMax);
        }
    }

    /** Retransmits up to {@code len} sequence numbers from {@code seq} without moving SND.NXT. */
    private void retransmitFrom(int seq, int len) {
        int dataEnd = cb.dataEnd();
        int dataLen = Math.max(0, Math.min(len, dataEnd - seq));
        boolean fin = cb.finQueued && seq + dataLen == dataEnd && Seq.lt(dataEnd, cb.sndMax);
        if (dataLen == 0 && !fin) {
            return;
        }
        out.emit(seq, TcpSegment.ACK | (fin ? TcpSegment.FIN : 0), dataLen, false);
        stats.retransSegs.inc();
        if (rttTiming) {
            rttTiming = false;
        }
    }

    // ---- tail loss probe ----

    /**
     * Arms the tail loss probe (RFC 8985 section 7.2) while data is outstanding outside
     * recovery: PTO = max(2 * SRTT, 10 ms), plus the delayed-ACK time when one segment is
     * outstanding (its ACK may be delayed), and only when it comes before the RTO. A loss at
     * the tail of a flight otherwise gets too few duplicate ACKs for fast retransmit.
     */
    void armProbe(long now) {
        if (!probeAllowed()) {
            probeTimer.cancel();
            return;
        }
        long pto = Math.max(2 * rtt.srtt(), MIN_PTO_NANOS);
        if (cb.sndMax - cb.sndUna <= cb.smss) {
            pto += config.delayedAckNanos();
        }
        if (now + pto - rtxTimer.deadline < 0) {
            probeTimer.armAt(now + pto);
        } else {
            probeTimer.cancel();
        }
    }

    /**
     * A probe needs SACK (its answer is a SACK), an open window (persist probes a closed one),
     * no recovery or go-back-N after a timeout in progress, and one probe per flight.
     */
    private boolean probeAllowed() {
        return cb.sackOk && cc != null && !inRecovery && !probed && cb.sndWnd > 0 && cb.sndNxt == cb.sndMax && cb.sndUna != cb.sndMax
                && rtt.srtt() >= 0 && rtxTimer.armed() && cb.state.synchronized_() && cb.state != TcpState.TIME_WAIT;
    }

    /**
     * RFC 8985 7.3, without RACK's time-based marking: a new segment if the peer's window takes
     * one, else the last segment sent again. Either draws a SACK that reaches DupThresh, early
     * retransmit's lowered one, or the cumulative ACK; the RTO stays armed.
     */
    void onProbeTimer() {
        if (!probeAllowed()) {
            return;
        }
        probed = true;
        stats.lossProbes.inc();
        int dataEnd = cb.dataEnd();
        if (cb.canSendNew()) {
            // one new segment as output sends them (canSendNew: the peer's window takes it)
            int room = (cb.sndUna + cb.sndWnd) - cb.sndNxt;
            sendRange(cb.sndNxt, Math.min(Math.min(cb.sendSize, dataEnd - cb.sndNxt), Math.min(room, chunkRun())));
        } else {
            int from = Seq.max(cb.sndUna, Seq.min(cb.sndMax, dataEnd) - cb.smss);
            retransmitFrom(from, cb.sndMax - from);
        }
    }

    /**
     * Bytes from SND.NXT to the end of its send-buffer chunk: new segments end there, so the
     * next one starts a chunk and can go out in its memory.
     */
    int chunkRun() {
        return Math.max(1, cb.sndBuf.runFrom(cb.sndNxt - cb.sndBufSeq));
    }
}
