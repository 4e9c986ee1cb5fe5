package io.jrump.netinet.tcp;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.SocketConstants;
import io.jrump.api.spi.Platform;
import io.jrump.kern.WaitSet;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.net.wire.TcpOptions;
import io.jrump.net.wire.TcpSegment;
import io.jrump.netinet.IpLayer;
import io.jrump.net.link.NetClock;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One TCP connection: the transmission control block and its state machine (RFC 9293
 * section 3.10), the send and receive buffers, timers, loss recovery and the blocking calls
 * its socket makes.
 *
 * <p>Design note. Everything runs under one lock per connection: input on device threads,
 * timers on timer threads, send/recv on caller threads. Segments are built under the lock
 * into an outbox and handed to the IP layer only after the lock is released
 * ({@link #unlockAndFlush}), because an in-memory bus may deliver synchronously into the
 * peer kernel, which may answer synchronously into this one. For the same reason blocked
 * callers are notified only after the lock is released: on a virtual clock a blocked caller
 * runs simulation events itself ({@link NetClock#await}) while holding its monitor.
 * Several threads flush one connection; a {@link SendQueue} keeps their segments in order.
 *
 * <p>What it implements, by document: the state machine with simultaneous open and close
 * and half-close (RFC 9293); RST, SYN and ACK hardening with challenge ACKs (RFC 5961);
 * MSS (RFC 9293 3.7.1, 6691); window scaling, timestamps, RTTM and PAWS (RFC 7323); SACK
 * on receive (RFC 2018) and SACK-based loss recovery on send (RFC 6675) that also finds lost
 * retransmissions ({@link RetransmitMarks}), NewReno recovery without SACK (RFC 6582); fast
 * retransmit (RFC 5681), limited transmit (RFC 3042), early retransmit (RFC 5827) and tail loss
 * probes (RFC 8985 section 7, without RACK's time-based marking) with SACK; RTO with Karn's
 * rule and backoff (RFC 6298); delayed ACKs, Nagle and receiver/sender SWS avoidance (RFC
 * 9293 3.8.6, RFC 1122 4.2.3); zero-window probes; keepalive (RFC 1122 4.2.3.6); TIME_WAIT
 * of 2 MSL.
 */
final class TcpConnection {
    /** RFC 5681 3.2 and RFC 6675 section 2: DupThresh. */
    private static final int DUP_THRESH = 3;
    /** Default send MSS without an MSS option (RFC 9293 3.7.1). */
    private static final int DEFAULT_MSS = 536;
    /** IPv4 plus TCP fixed headers. */
    private static final int HEADERS = 40;
    /** Timestamp option with its two NOPs. */
    private static final int TS_OPTION_BYTES = 12;
    /** RFC 7323 5.5: a TS.Recent older than 24 days is invalid for PAWS. */
    private static final long PAWS_IDLE_NANOS = 24L * 24 * 3600 * 1_000_000_000L;
    /** Bound on out-of-order ranges held and on the SACK scoreboard. */
    private static final int MAX_RANGES = 64;
    /** RFC 5827 3.1: early retransmit applies while fewer than four segments are outstanding. */
    private static final int EARLY_RETRANSMIT_SEGS = 4;
    /** RFC 8985 7.2: the probe timeout is at least 10 ms. */
    private static final long MIN_PTO_NANOS = 10_000_000L;

    final TcpTransport t;
    final Tuple tuple;
    final ReentrantLock lock = new ReentrantLock();
    /** Blocked callers wait here, through {@link NetClock#await}; notified after the lock is released. */
    private final Object monitor = new Object();
    private boolean notifyPending;
    /** Changed (under the lock) before every notification of {@link #monitor}: blocked callers spin on it before they wait. */
    private volatile int wakeups;
    final WaitSet waiters;
    final SockOpts opts;
    private final NetClock clock;
    private final TcpStats stats;
    private final List<ByteBuffer> outbox = new ArrayList<>(4);
    /** Segments taken from the outbox under the lock, in that order, waiting to be transmitted. */
    private final SendQueue sendQueue = new SendQueue();
    private final Consumer<ByteBuffer> transmitter;

    private volatile TcpState state = TcpState.CLOSED;
    /** Listener this connection came from, until it is accepted (or null for an active open). */
    Listener parent;
    private boolean passive;
    /** The socket was closed: nobody reads, the connection finishes on its own. */
    private boolean orphaned;
    Binding binding;

    // ---- send sequence space (RFC 9293 3.3.1) ----
    private int iss;
    private int sndUna;
    private int sndNxt;
    /** Highest sequence number sent plus one; SND.NXT falls back below it after a timeout. */
    private int sndMax;
    private int sndWnd;
    private int sndWl1;
    private int sndWl2;
    private int maxSndWnd;
    private int sndWscale;
    private final SendBuffer sndBuf;
    /** Sequence number of the first byte in {@link #sndBuf}. */
    private int sndBufSeq;
    /** The user will send no more: a FIN follows the last queued byte. */
    private boolean finQueued;

    // ---- receive sequence space ----
    private int irs;
    private int rcvNxt;
    /** Right edge of the window last advertised. */
    private int rcvAdv;
    private int rcvWscale;
    private final ReceiveBuffer rcvBuf;
    private final SeqRanges ooo = new SeqRanges(MAX_RANGES);
    /** Start of the out-of-order range that the latest segment went into: the first SACK block. */
    private int lastOooSeq;
    private boolean finPending;
    private int finPendingSeq;
    private boolean finReceived;
    private boolean readShut;

    // ---- options ----
    private int smss = DEFAULT_MSS;
    /** MSS as the option carries it: payload bound with no TCP options. */
    private int segBase = DEFAULT_MSS;
    /**
     * Payload bytes per segment built: SMSS, or with segmentation offload the largest multiple
     * of it that fits one datagram, so a bulk transfer over memory costs one segment per 64 KiB.
     */
    private int sendSize = DEFAULT_MSS;
    private boolean offerWscale;
    private boolean tsOk;
    private boolean sackOk;
    private int tsRecent;
    private long tsRecentAge;
    private int lastAckSent;
    private final int tsOffset;

    // ---- RTT, retransmission, congestion ----
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
    private final SeqRanges scoreboard = new SeqRanges(MAX_RANGES);
    /** Holes retransmitted in the current SACK recovery, to find those whose retransmission was lost. */
    private final RetransmitMarks rexmits = new RetransmitMarks(MAX_RANGES);
    /** A tail loss probe went out for the data outstanding: no other until SND.UNA advances. */
    private boolean probed;

    // ---- acknowledgment, keepalive, errors ----
    private int segsSinceAck;
    private long lastHeard;
    private int keepProbes;
    private Errno error;
    private boolean connectedOnce;
    private boolean resetSeen;
    /** Paces ACKs that answer invalid segments, so no exchange ACKs itself forever (LAND, ACK loops). */
    private final InvalidAckLimiter invalidAcks;

    private final Timer rtxTimer = new Timer(this::onRetransmitTimer);
    private final Timer delackTimer = new Timer(this::onDelayedAck);
    private final Timer keepTimer = new Timer(this::onKeepalive);
    private final Timer waitTimer = new Timer(this::onWaitTimer);
    private final Timer probeTimer = new Timer(this::onProbeTimer);

    TcpConnection(TcpTransport t, Tuple tuple, SockOpts opts, WaitSet waiters) {
        this.t = t;
        this.tuple = tuple;
        this.opts = opts;
        this.waiters = waiters;
        this.clock = t.clock;
        this.stats = t.stats;
        this.sndBuf = new SendBuffer(opts.sndBuf, IpLayer.HEADROOM + TcpSegment.MAX_HEADER_LENGTH);
        this.rcvBuf = new ReceiveBuffer(opts.rcvBuf);
        this.rtt = new RttEstimator(t.config.minRtoNanos());
        this.tsOffset = t.secrets.random();
        this.rcvWscale = 0;
        int shift = 0;
        while (shift < TcpOptions.MAX_WSCALE && (65535L << shift) < opts.rcvBuf) {
            shift++;
        }
        this.offerWscale = t.config.windowScaling();
        this.rcvWscale = offerWscale ? shift : 0;
        this.lastHeard = clock.nanos();
        this.invalidAcks = new InvalidAckLimiter(t.config.invalidRateLimitNanos());
        this.transmitter = b -> t.transmit(tuple, b);
    }

    TcpState state() {
        return state;
    }

    // =====================================================================================
    // opening
    // =====================================================================================

    /** Active open (RFC 9293 3.10.1): sends the SYN. Call with the lock held. */
    void activeOpen() {
        initLocal();
        tsOk = t.config.timestamps();
        sackOk = t.config.sack();
        state = TcpState.SYN_SENT;
        stats.activeOpens.inc();
        sendSyn();
    }

    private void initLocal() {
        iss = t.secrets.isn(tuple.laddr(), tuple.lport(), tuple.raddr(), tuple.rport());
        sndUna = iss;
        sndNxt = iss;
        sndMax = iss;
        sndBufSeq = iss + 1;
        recover = iss;
        highRxt = iss;
        segBase = ourMss();
        smss = segBase;
    }

    private int ourMss() {
        int mss;
        try {
            mss = t.ip.mtuFor(tuple.raddr()) - HEADERS;
        } catch (ErrnoException e) {
            mss = DEFAULT_MSS;
        }
        int user = opts.maxSeg;
        if (user > 0) {
            mss = Math.min(mss, user);
        }
        return Math.max(mss, 64);
    }

    /** {@link #sendSize} for the route to the peer; SMSS unless its device offers segmentation offload. */
    private int offloadedSegmentSize() {
        int whole;
        try {
            whole = t.ip.wholeDatagramFor(tuple.raddr(), Ipv4Packet.PROTO_TCP) - HEADERS - (tsOk ? TS_OPTION_BYTES : 0);
        } catch (ErrnoException e) {
            return smss;
        }
        return whole <= smss ? smss : whole / smss * smss;
    }

    /** Passive open from a SYN that reached a listener (RFC 9293 3.10.7.2). Lock held. */
    void passiveOpen(Listener from, TcpSegment syn, TcpOptions o) {
        parent = from;
        passive = true;
        initLocal();
        irs = syn.seq();
        rcvNxt = irs + 1;
        rcvAdv = rcvNxt;
        negotiate(syn, o);
        state = TcpState.SYN_RECEIVED;
        stats.passiveOpens.inc();
        sendSyn();
    }

    /**
     * A connection made from a validated SYN cookie: the handshake is complete, and nothing
     * but the MSS was remembered (so no window scaling, timestamps or SACK). Lock held.
     */
    void cookieOpen(Listener from, TcpSegment ack, int mss) {
        parent = from;
        passive = true;
        iss = ack.ack() - 1;
        irs = ack.seq() - 1;
        sndUna = iss + 1;
        sndNxt = sndUna;
        sndMax = sndUna;
        sndBufSeq = sndUna;
        recover = sndUna;
        highRxt = sndUna;
        rcvNxt = ack.seq();
        rcvAdv = rcvNxt;
        offerWscale = false;
        rcvWscale = 0;
        sndWscale = 0;
        tsOk = false;
        sackOk = false;
        segBase = Math.min(ourMss(), mss);
        smss = segBase;
        sndWnd = ack.window();
        maxSndWnd = sndWnd;
        sndWl1 = ack.seq();
        sndWl2 = ack.ack();
        stats.passiveOpens.inc();
        established();
    }

    /** Takes the peer's SYN options: what both sides offered is on (RFC 7323 1.3, RFC 2018 2). */
    private void negotiate(TcpSegment syn, TcpOptions o) {
        if (o.mss() > 0) {
            segBase = Math.min(segBase, Math.max(o.mss(), 64));
        } else {
            segBase = Math.min(segBase, DEFAULT_MSS);
        }
        if (offerWscale && o.wscale() >= 0) {
            sndWscale = o.wscale();
        } else {
            offerWscale = false;
            sndWscale = 0;
            rcvWscale = 0;
        }
        tsOk = t.config.timestamps() && o.hasTimestamps();
        if (tsOk) {
            tsRecent = o.tsVal();
            tsRecentAge = clock.nanos();
        }
        sackOk = t.config.sack() && o.sackPermitted();
        smss = segBase - (tsOk ? TS_OPTION_BYTES : 0);
        // RFC 7323 2.2: the window in a SYN is never scaled
        sndWnd = syn.window();
        maxSndWnd = sndWnd;
        sndWl1 = syn.seq();
    }

    private void sendSyn() {
        if (retries == 0) {
            rttStart = clock.nanos();
        }
        int flags = TcpSegment.SYN | (state == TcpState.SYN_RECEIVED ? TcpSegment.ACK : 0);
        emit(iss, flags, 0, true);
        if (Seq.lt(sndNxt, iss + 1)) {
            sndNxt = iss + 1;
        }
        sndMax = Seq.max(sndMax, sndNxt);
        if (!rtxTimer.armed()) {
            rtxTimer.arm(rtt.rto());
        }
    }

    private void established() {
        state = TcpState.ESTABLISHED;
        connectedOnce = true;
        cc = CongestionControl.create(t.config.congestionControl(), smss);
        sendSize = offloadedSegmentSize();
        cc.segmentBytes(sendSize);
        sndBuf.segmentBytes(sendSize);
        retries = 0;
        rtxTimer.cancel();
        lastHeard = clock.nanos();
        armKeepalive();
        if (parent != null) {
            Listener l = parent;
            if (!l.established(this)) {
                // accept queue full: behave as if the ACK was lost (Linux's default), retry later
                state = TcpState.SYN_RECEIVED;
                connectedOnce = false;
                rtxTimer.arm(rtt.rto());
                return;
            }
        }
        wake();
    }

    // =====================================================================================
    // input (RFC 9293 3.10.7)
    // =====================================================================================

    /**
     * A segment for this connection. Returns true when it is a SYN that may reopen a
     * TIME_WAIT connection (RFC 9293 3.10.7.4 note, RFC 6191): the caller hands it to a listener.
     * {@code keepable} when the segment's bytes never change
     * ({@link io.jrump.netinet.Transport#KEEPABLE}): the receive buffer may hold its payload.
     */
    boolean input(TcpSegment seg, TcpOptions o, boolean keepable) {
        lock.lock();
        boolean reopen;
        try {
            reopen = process(seg, o, keepable);
        } finally {
            unlockAndFlush();
        }
        return reopen;
    }

    private boolean process(TcpSegment seg, TcpOptions o, boolean keepable) {
        lastHeard = clock.nanos();
        keepProbes = 0;
        switch (state) {
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
        if (hasAck && (Seq.le(seg.ack(), iss) || Seq.gt(seg.ack(), sndMax))) {
            if ((f & TcpSegment.RST) == 0) {
                t.sendReset(tuple, seg.ack(), 0, false);
            }
            return;
        }
        if ((f & TcpSegment.RST) != 0) {
            if (hasAck) {
                stats.inResets.inc();
                stats.attemptFails.inc();
                closeDown(Errno.ECONNREFUSED);
            }
            return;
        }
        if ((f & TcpSegment.SYN) == 0) {
            return;
        }
        irs = seg.seq();
        rcvNxt = irs + 1;
        rcvAdv = rcvNxt;
        negotiate(seg, o);
        if (hasAck) {
            sndUna = seg.ack();
            sndWnd = seg.window(); // RFC 7323 2.2: the window of a SYN is never scaled
            maxSndWnd = sndWnd;
            sndWl1 = seg.seq();
            sndWl2 = seg.ack();
            if (tsOk && o.hasTimestamps() && o.tsEcr() != 0) {
                rtt.sample(tsDelta(o.tsEcr()));
            } else if (retries == 0) {
                rtt.sample(clock.nanos() - rttStart);
            }
            established();
            sendAck();
            output();
        } else {
            // simultaneous open (RFC 9293 3.10.7.3, fourth step)
            state = TcpState.SYN_RECEIVED;
            sndNxt = iss;
            sendSyn();
        }
    }

    private boolean synchronizedInput(TcpSegment seg, TcpOptions o, boolean keepable) {
        int f = seg.flags();
        int seq = seg.seq();
        int len = seg.sequenceLength();
        boolean rst = (f & TcpSegment.RST) != 0;

        // (a SYN-ACK repeating the SYN's sequence number is the peer's only in a simultaneous
        // open; at a passive open it is our own SYN-ACK come back, checked below like any other)
        if (state == TcpState.SYN_RECEIVED && (f & TcpSegment.SYN) != 0 && seq == irs && !rst
                && (!passive || (f & TcpSegment.ACK) == 0)) {
            if ((f & TcpSegment.ACK) != 0 && !passive && Seq.gt(seg.ack(), sndUna) && Seq.le(seg.ack(), sndMax)) {
                // simultaneous open: the peer's SYN-ACK repeats its SYN and acknowledges ours
                sndWnd = seg.window();
                maxSndWnd = Math.max(maxSndWnd, sndWnd);
                sndWl1 = seq;
                sndWl2 = seg.ack();
                sndUna = seg.ack();
                established();
                output();
                return false;
            }
            // a retransmitted SYN while we wait for the handshake's ACK: answer it again
            sndNxt = iss;
            sendSyn();
            return false;
        }
        // TIME_WAIT and a new SYN beyond the old sequence space: the peer wants a new incarnation
        if (state == TcpState.TIME_WAIT && (f & TcpSegment.SYN) != 0 && (f & TcpSegment.ACK) == 0 && !rst
                && Seq.gt(seq, rcvNxt) && (!tsOk || !o.hasTimestamps() || Seq.gt(o.tsVal(), tsRecent))) {
            closeDown(null);
            return true;
        }

        // PAWS (RFC 7323 5.3)
        if (tsOk && o.hasTimestamps() && !rst && Seq.lt(o.tsVal(), tsRecent)
                && clock.nanos() - tsRecentAge < PAWS_IDLE_NANOS) {
            stats.pawsDrops.inc();
            if (invalidAckAllowed(seg)) {
                sendAck();
            }
            return false;
        }

        // first: sequence number acceptable? (RFC 9293 3.10.7.4)
        int rcvWnd = receiveSpace();
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
                    sendAck();
                }
            }
            return false;
        }

        // second: RST (RFC 5961 3.2)
        if (rst) {
            if (state == TcpState.TIME_WAIT) {
                return false; // RFC 1337: no TIME_WAIT assassination
            }
            if (seq != rcvNxt) {
                challengeAck();
                return false;
            }
            stats.inResets.inc();
            switch (state) {
                case SYN_RECEIVED -> {
                    if (passive) {
                        closeDown(null); // back to LISTEN: the listener simply forgets it
                    } else {
                        stats.attemptFails.inc();
                        closeDown(Errno.ECONNREFUSED);
                    }
                }
                case ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT -> {
                    stats.estabResets.inc();
                    resetSeen = true;
                    closeDown(Errno.ECONNRESET);
                }
                default -> closeDown(null);
            }
            return false;
        }

        // timestamps: remember the peer's clock for echoing (RFC 7323 4.3)
        if (tsOk && o.hasTimestamps() && Seq.ge(o.tsVal(), tsRecent) && Seq.le(seq, lastAckSent)) {
            tsRecent = o.tsVal();
            tsRecentAge = clock.nanos();
        }

        // fourth: SYN in a synchronized state (RFC 5961 4.2)
        if ((f & TcpSegment.SYN) != 0) {
            if (state == TcpState.SYN_RECEIVED && passive) {
                closeDown(null);
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
            if (Seq.gt(ack, sndUna) && Seq.le(ack, sndMax)) {
                sndWnd = seg.window() << sndWscale;
                maxSndWnd = Math.max(maxSndWnd, sndWnd);
                sndWl1 = seq;
                sndWl2 = ack;
                if (tsOk && o.hasTimestamps() && o.tsEcr() != 0) {
                    rtt.sample(tsDelta(o.tsEcr()));
                } else if (retries == 0) {
                    rtt.sample(clock.nanos() - rttStart);
                }
                sndUna = iss + 1;
                established();
                if (state != TcpState.ESTABLISHED) {
                    return false;
                }
            } else {
                t.sendReset(tuple, ack, 0, false);
                return false;
            }
        }
        if (!processAck(seg, o, ack)) {
            return false;
        }
        if (state == TcpState.CLOSED) {
            return false;
        }

        // seventh: segment text
        int dataLen = seg.payloadLength();
        boolean fin = (f & TcpSegment.FIN) != 0;
        boolean wasTimeWait = state == TcpState.TIME_WAIT;
        if (dataLen > 0 || fin) {
            receive(seg, seq, dataLen, fin, keepable);
        }
        if (wasTimeWait && fin) {
            sendAck();
            waitTimer.arm(2 * t.config.mslNanos());
        }
        output();
        return false;
    }

    /** Step five for synchronized states; false when the segment is to be dropped. */
    private boolean processAck(TcpSegment seg, TcpOptions o, int ack) {
        if (Seq.gt(ack, sndMax)) {
            challengeAck(); // RFC 5961 5.2 / RFC 9293: ACK of something not yet sent
            return false;
        }
        if (Seq.lt(ack, sndUna - Math.max(maxSndWnd, 1))) {
            challengeAck(); // RFC 5961 5.2: too old to be believable
            return false;
        }
        int wnd = seg.window() << sndWscale;
        boolean newSack = sackOk && o.sackBlocks() > 0 && takeSack(o);
        boolean windowChanged = wnd != sndWnd;
        if (Seq.lt(sndWl1, seg.seq()) || (sndWl1 == seg.seq() && Seq.le(sndWl2, ack))) {
            boolean opened = sndWnd == 0 && wnd > 0;
            sndWnd = wnd;
            maxSndWnd = Math.max(maxSndWnd, wnd);
            sndWl1 = seg.seq();
            sndWl2 = ack;
            if (opened && sndUna == sndMax) {
                rtxTimer.cancel(); // leave persist mode
                retries = 0;
            }
        }
        if (Seq.gt(ack, sndUna)) {
            newAck(ack, o);
            if (newSack && sackOk && cc != null && !inRecovery && Seq.ge(sndUna, recover) && Seq.gt(lostBoundary(), sndUna)) {
                // the SACKs show the new SND.UNA lost (a loss probe's answer acknowledges the
                // segments before the hole too): recover now rather than at the next duplicate
                enterRecovery();
            }
        } else if (ack == sndUna && sndMax != sndUna) {
            if (sndWnd == 0 && wnd == 0) {
                retries = 0; // a live peer answering window probes (RFC 1122 4.2.2.17)
            } else if (newSack || (seg.payloadLength() == 0 && (seg.flags() & (TcpSegment.SYN | TcpSegment.FIN)) == 0 && !windowChanged)) {
                dupAck();
            }
        }
        if (newSack && inRecovery && sackOk && rexmits.count() > 0) {
            int lostAgain = rexmits.detect(sndUna, scoreboard);
            if (lostAgain > 0) {
                stats.lostRetransmits.add(lostAgain); // sackRecoveryOutput sends them again
            }
        }
        switch (state) {
            case FIN_WAIT_1 -> {
                if (finAcked()) {
                    state = TcpState.FIN_WAIT_2;
                    if (orphaned) {
                        waitTimer.arm(t.config.finTimeoutNanos());
                    }
                    wake();
                }
            }
            case CLOSING -> {
                if (finAcked()) {
                    enterTimeWait();
                }
            }
            case LAST_ACK -> {
                if (finAcked()) {
                    closeDown(null);
                    return false;
                }
            }
            default -> {
            }
        }
        return true;
    }

    private boolean finAcked() {
        return finQueued && sndUna == dataEnd() + 1;
    }

    private boolean takeSack(TcpOptions o) {
        boolean any = false;
        for (int i = 0; i < o.sackBlocks(); i++) {
            int l = o.sackLeft(i);
            int r = o.sackRight(i);
            if (!Seq.lt(l, r) || !Seq.gt(r, sndUna) || Seq.gt(r, sndMax)) {
                continue; // D-SACK or nonsense: ignore (RFC 2883 is not implemented)
            }
            if (scoreboard.add(Seq.max(l, sndUna), r) > 0) {
                any = true;
            }
        }
        return any;
    }

    /** New data acknowledged: RFC 9293 3.10.7.4 fifth step, RFC 6298 5.2/5.3, RFC 6582 3.2. */
    private void newAck(int ack, TcpOptions o) {
        int acked = ack - sndUna;
        int dataEnd = dataEnd();
        int dataAck = Seq.min(ack, dataEnd);
        if (Seq.gt(dataAck, sndBufSeq)) {
            sndBuf.skip(dataAck - sndBufSeq);
            sndBufSeq = dataAck;
        }
        sndUna = ack;
        if (Seq.lt(sndNxt, sndUna)) {
            sndNxt = sndUna;
        }
        if (Seq.lt(highRxt, sndUna)) {
            highRxt = sndUna;
        }
        scoreboard.dropBelow(sndUna);
        long now = clock.nanos();
        if (tsOk && o.hasTimestamps() && o.tsEcr() != 0) {
            rtt.sample(tsDelta(o.tsEcr()));
        } else if (rttTiming && Seq.ge(ack, rttSeq)) {
            rtt.sample(now - rttStart);
            rttTiming = false;
        }
        retries = 0;
        probed = false;
        if (cc != null) {
            int flight = sndMax - sndUna;
            if (inRecovery) {
                if (Seq.ge(ack, recover)) {
                    inRecovery = false;
                    dupAcks = 0;
                    rexmits.clear();
                    // RFC 6582 3.2 step 3 (full acknowledgment), RFC 6675 section 5
                    cc.cwnd(sackOk ? cc.ssthresh() : Math.min(cc.ssthresh(), Math.max(flight, smss) + smss));
                } else if (!sackOk) {
                    // partial acknowledgment: retransmit the next hole, deflate (RFC 6582 3.2 step 4)
                    retransmitFrom(sndUna, smss);
                    cc.cwnd(cc.cwnd() - acked + smss);
                    rtxTimer.arm(rtt.rto());
                }
            } else {
                dupAcks = 0;
                cc.onAck(acked, now, rtt.srtt());
            }
        }
        if (sndUna == sndMax) {
            rtxTimer.cancel();
            probeTimer.cancel();
        } else {
            rtxTimer.arm(rtt.rto());
            armProbe(now);
        }
        wake();
    }

    private void dupAck() {
        if (cc == null) {
            return;
        }
        dupAcks++;
        if (inRecovery) {
            if (!sackOk) {
                cc.cwnd(cc.cwnd() + smss); // RFC 5681 3.2 step 4: inflate
            }
            return;
        }
        boolean lost = dupAcks >= dupThresh() || (sackOk && Seq.gt(lostBoundary(), sndUna));
        if (lost && Seq.ge(sndUna, recover)) {
            enterRecovery();
        } else if (sackOk && dupAcks < DUP_THRESH) {
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
        int avail = dataEnd() - sndNxt;
        int len = Math.min(smss, avail);
        if (len <= 0 || sndNxt != sndMax || (len < smss && !opts.noDelay && !finQueued)) {
            return; // nothing new, go-back-N after a timeout in progress, or Nagle holds a short tail
        }
        if ((sndUna + sndWnd) - sndNxt < len || (long) (sndMax - sndUna) + len > (long) cc.cwnd() + 2L * smss) {
            return;
        }
        sendRange(sndNxt, len);
    }

    /** RFC 5681 3.2 steps 2-3, RFC 6582 3.2 step 2, RFC 6675 section 5 step 4. */
    private void enterRecovery() {
        int flight = sndMax - sndUna;
        cc.onLoss(flight, clock.nanos());
        inRecovery = true;
        recover = sndMax;
        highRxt = sndUna;
        rttTiming = false;
        probeTimer.cancel();
        rexmits.clear();
        stats.fastRetransmits.inc();
        if (sackOk) {
            cc.cwnd(cc.ssthresh());
            int len = Math.min(smss, holeEnd(sndUna) - sndUna);
            retransmitHole(sndUna, len);
            highRxt = Seq.max(highRxt, sndUna + len);
        } else {
            retransmitFrom(sndUna, smss);
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
        if (!sackOk) {
            return DUP_THRESH;
        }
        int flight = sndMax - sndUna - (finQueued && Seq.gt(sndMax, dataEnd()) ? 1 : 0);
        int oseg = (int) (((long) flight + smss - 1) / smss);
        if (oseg < 2 || oseg >= EARLY_RETRANSMIT_SEGS || canSendNew()) {
            return DUP_THRESH;
        }
        return oseg - 1;
    }

    /** RFC 5827 3.1's condition: unsent data exists and the peer's window takes a segment of it. */
    private boolean canSendNew() {
        int avail = dataEnd() - sndNxt;
        return avail > 0 && (sndUna + sndWnd) - sndNxt >= Math.min(avail, smss);
    }

    /**
     * RFC 6675 IsLost as a boundary: every un-SACKed sequence number below it is lost, since
     * DupThresh discontiguous SACKed ranges or more than (DupThresh - 1) * SMSS SACKed bytes
     * lie above it.
     */
    private int lostBoundary() {
        int n = scoreboard.count();
        if (n == 0) {
            return sndUna;
        }
        int thresh = dupThresh();
        long cum = 0;
        for (int i = n - 1; i >= 0; i--) {
            cum += scoreboard.end(i) - scoreboard.start(i);
            if (cum > (long) (thresh - 1) * smss || n - i >= thresh) {
                return scoreboard.start(i);
            }
        }
        return sndUna;
    }

    /** End of the un-SACKed hole that begins at {@code seq}. */
    private int holeEnd(int seq) {
        for (int i = 0; i < scoreboard.count(); i++) {
            if (Seq.gt(scoreboard.start(i), seq)) {
                return scoreboard.start(i);
            }
        }
        return sndMax;
    }

    /** RFC 6675 SetPipe: bytes believed in the network; a retransmission found lost is not. */
    private long pipe() {
        int lost = lostBoundary();
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

    // =====================================================================================
    // receiving data
    // =====================================================================================

    /** Space from RCV.NXT that the receive buffer can still take. */
    private int receiveSpace() {
        return rcvBuf.free();
    }

    private void receive(TcpSegment seg, int seq, int dataLen, boolean fin, boolean keepable) {
        if (!state.receivesData()) {
            return; // CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT: the peer already sent its FIN
        }
        ByteBuffer b = seg.buffer();
        int off = seg.payloadOffset();
        // trim what we already have (left) and what does not fit (right)
        if (Seq.lt(seq, rcvNxt)) {
            int cut = rcvNxt - seq;
            if (cut >= dataLen) {
                dataLen = 0;
                off += cut; // nothing new except perhaps the FIN
            } else {
                off += cut;
                dataLen -= cut;
            }
            seq = rcvNxt;
        }
        int space = receiveSpace();
        int rel = seq - rcvNxt;
        if (rel + dataLen > space) {
            dataLen = Math.max(0, space - rel);
            fin = false;
        }
        boolean hadHoles = !ooo.isEmpty();
        if (dataLen > 0) {
            ByteBuffer src = b.duplicate();
            src.limit(off + dataLen).position(off);
            if (rel == 0) {
                if (readShut) {
                    rcvNxt += dataLen; // shut down for reading: acknowledge and discard
                } else {
                    // parked bytes count from the ring's in-order end, which a held segment would not move
                    if (rcvBuf.append(src, keepable && ooo.isEmpty())) {
                        stats.heldSegs.inc();
                    }
                    rcvNxt += dataLen;
                    ooo.dropBelow(rcvNxt);
                    if (!ooo.isEmpty() && ooo.start(0) == rcvNxt) {
                        int more = ooo.end(0) - rcvNxt;
                        rcvBuf.extend(more);
                        rcvNxt += more;
                        ooo.dropBelow(rcvNxt);
                    }
                    wake();
                }
            } else {
                if (ooo.add(seq, seq + dataLen) < 0) {
                    stats.oooDrops.inc();
                } else {
                    rcvBuf.park(rel, src, dataLen);
                    int at = ooo.indexOf(seq);
                    lastOooSeq = at >= 0 ? ooo.start(at) : seq;
                }
            }
        }
        if (fin) {
            finPending = true;
            finPendingSeq = seq + dataLen;
        }
        if (finPending && finPendingSeq == rcvNxt) {
            finPending = false;
            receiveFin();
            return;
        }
        // RFC 5681 4.2: ACK at once out of order or when a hole was filled; else every second segment
        if (rel > 0 || hadHoles) {
            sendAck();
        } else if (dataLen > 0) {
            if (++segsSinceAck >= 2) {
                sendAck();
            } else if (!delackTimer.armed()) {
                delackTimer.arm(t.config.delayedAckNanos());
            }
        }
    }

    /** Eighth step: the FIN is in order. */
    private void receiveFin() {
        rcvNxt++;
        finReceived = true;
        switch (state) {
            case SYN_RECEIVED, ESTABLISHED -> state = TcpState.CLOSE_WAIT;
            case FIN_WAIT_1 -> {
                if (finAcked()) {
                    enterTimeWait();
                } else {
                    state = TcpState.CLOSING;
                }
            }
            case FIN_WAIT_2 -> enterTimeWait();
            default -> {
            }
        }
        sendAck();
        wake();
    }

    // =====================================================================================
    // sending
    // =====================================================================================

    private int dataEnd() {
        return sndBufSeq + sndBuf.size();
    }

    /** Sends what the windows, Nagle and SWS avoidance allow. Lock held. */
    private void output() {
        if (cc == null || !state.synchronized_()) {
            return;
        }
        if (inRecovery && sackOk) {
            sackRecoveryOutput();
            return;
        }
        int sentTo = sndMax;
        while (true) {
            int dataEnd = dataEnd();
            int avail = dataEnd - sndNxt;
            boolean finToSend = finQueued && Seq.le(sndNxt, dataEnd);
            if (avail <= 0 && !finToSend) {
                break;
            }
            int wnd = Math.min(sndWnd, cc.cwnd());
            int usable = (sndUna + wnd) - sndNxt;
            int len = Math.min(Math.max(avail, 0), Math.min(sendSize, usable));
            if (len <= 0) {
                if (avail <= 0 && finToSend) {
                    sendRange(sndNxt, 0);
                    continue;
                }
                if (sndWnd == 0 && sndUna == sndMax && !rtxTimer.armed()) {
                    rtxTimer.arm(rtt.rto()); // persist: probe when it fires
                }
                break;
            }
            if (len < smss && len < avail && !(len >= maxSndWnd / 2 && maxSndWnd > 0)) {
                // sender SWS avoidance: wait for a bigger window, with the override timeout
                // of RFC 9293 3.8.6.2.1 (the retransmission timer) when nothing is in flight
                if (sndUna == sndMax && !rtxTimer.armed()) {
                    rtxTimer.arm(rtt.rto());
                }
                break;
            }
            int run = chunkRun();
            int whole = Math.min(Math.min(avail, sendSize), run);
            if (len < whole && whole > smss && Seq.lt(sndUna, sndNxt) && len < maxSndWnd / 2) {
                // an offloaded segment the window cuts short waits for the ACK in flight to open
                // the window (Linux's TSO deferral): cut, it would go out as two short segments,
                // the second copied because it no longer starts its chunk
                break;
            }
            if (len < sendSize && len == avail && !opts.noDelay && Seq.lt(sndUna, sndNxt) && !finQueued) {
                // Nagle (RFC 9293 3.7.4): one small segment in flight at a time. With segmentation
                // offload "small" means under one offloaded segment, as Linux defers TSO segments:
                // the tail of a write waits for the next write or an ACK instead of going out as a
                // short segment that splits its chunk
                break;
            }
            sendRange(sndNxt, Math.min(len, run));
        }
        if (sndMax != sentTo && !probeTimer.armed()) {
            armProbe(clock.nanos()); // while ACKs come, newAck keeps it armed
        }
    }

    /**
     * Bytes from SND.NXT to the end of its send-buffer chunk: new segments end there, so the
     * next one starts a chunk and can go out in its memory.
     */
    private int chunkRun() {
        return Math.max(1, sndBuf.runFrom(sndNxt - sndBufSeq));
    }

    /**
     * RFC 6675 section 5 steps (C): send while cwnd - pipe allows a segment. Retransmissions
     * found lost ({@link RetransmitMarks}) go first, as they hold up the cumulative ACK.
     */
    private void sackRecoveryOutput() {
        int guard = 0;
        while (cc.cwnd() - pipe() >= smss && guard++ < 1000) {
            int again = rexmits.firstLost();
            if (again >= 0) {
                int s = Seq.max(rexmits.start(again), sndUna);
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
            int cursor = Seq.max(highRxt, sndUna);
            int idx = scoreboard.indexOf(cursor);
            if (idx >= 0) {
                cursor = scoreboard.end(idx);
            }
            if (Seq.lt(cursor, lost) && Seq.lt(cursor, sndMax)) {
                int len = Math.min(smss, holeEnd(cursor) - cursor);
                retransmitHole(cursor, len);
                highRxt = cursor + len;
                continue;
            }
            int dataEnd = dataEnd();
            int avail = dataEnd - sndNxt;
            int usable = (sndUna + sndWnd) - sndNxt;
            int len = Math.min(Math.max(avail, 0), Math.min(smss, usable));
            if (len > 0) {
                sendRange(sndNxt, len);
            } else if (avail <= 0 && finQueued && Seq.le(sndNxt, dataEnd)) {
                sendRange(sndNxt, 0);
            } else {
                break;
            }
        }
    }

    /**
     * Sends {@code len} data bytes at SND.NXT (plus the FIN when they reach the end of a
     * closed stream) and advances SND.NXT.
     */
    private void sendRange(int seq, int len) {
        int dataEnd = dataEnd();
        boolean fin = finQueued && seq + len == dataEnd;
        boolean retransmit = Seq.lt(seq, sndMax);
        int flags = TcpSegment.ACK | (fin ? TcpSegment.FIN : 0) | (len > 0 && seq + len == dataEnd ? TcpSegment.PSH : 0);
        emit(seq, flags, len, false);
        int end = seq + len + (fin ? 1 : 0);
        if (retransmit) {
            stats.retransSegs.inc();
            if (rttTiming && Seq.lt(seq, rttSeq)) {
                rttTiming = false; // Karn: never time a retransmitted segment
            }
        } else if (!rttTiming && !tsOk) {
            rttTiming = true;
            rttSeq = end;
            rttStart = clock.nanos();
        }
        sndNxt = end;
        sndMax = Seq.max(sndMax, end);
        if (!rtxTimer.armed() || sndWnd == 0) {
            rtxTimer.arm(rtt.rto());
        }
    }

    /** Retransmits a hole in SACK recovery, remembering SND.MAX to tell later whether it was lost. */
    private void retransmitHole(int seq, int len) {
        retransmitFrom(seq, len);
        if (len > 0) {
            rexmits.add(seq, seq + len, sndMax);
        }
    }

    /** Retransmits up to {@code len} sequence numbers from {@code seq} without moving SND.NXT. */
    private void retransmitFrom(int seq, int len) {
        int dataEnd = dataEnd();
        int dataLen = Math.max(0, Math.min(len, dataEnd - seq));
        boolean fin = finQueued && seq + dataLen == dataEnd && Seq.lt(dataEnd, sndMax);
        if (dataLen == 0 && !fin) {
            return;
        }
        emit(seq, TcpSegment.ACK | (fin ? TcpSegment.FIN : 0), dataLen, false);
        stats.retransSegs.inc();
        if (rttTiming) {
            rttTiming = false;
        }
    }

    private void sendAck() {
        emit(sndNxt, TcpSegment.ACK, 0, false);
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
        if (t.allowChallengeAck()) {
            stats.challengeAcks.inc();
            sendAck();
        }
    }

    /** Builds one segment into the outbox. */
    private void emit(int seq, int flags, int dataLen, boolean syn) {
        TcpOptions o = new TcpOptions();
        if (syn) {
            o.mss(segBase);
            if (offerWscale) {
                o.wscale(rcvWscale);
            }
            if (state == TcpState.SYN_SENT ? t.config.sack() : sackOk) {
                o.sackPermitted(true);
            }
            if (state == TcpState.SYN_SENT ? t.config.timestamps() : tsOk) {
                o.timestamps(tsNow(), state == TcpState.SYN_SENT ? 0 : tsRecent);
            }
        } else {
            if (tsOk) {
                o.timestamps(tsNow(), tsRecent);
            }
            if (sackOk && !ooo.isEmpty() && (flags & TcpSegment.ACK) != 0) {
                addSackBlocks(o, dataLen);
            }
        }
        int hl = TcpSegment.HEADER_LENGTH + o.length();
        int off = seq - sndBufSeq;
        // one buffer for the whole frame: IPv4 and Ethernet write their headers in front; a
        // first transmission from the start of a send buffer chunk goes out in the chunk itself
        boolean inPlace = dataLen > 0 && sndBuf.lendable(off) >= dataLen;
        ByteBuffer buf = inPlace ? sndBuf.lend(off, dataLen, hl)
                : ByteBuffer.allocate(IpLayer.HEADROOM + hl + dataLen).position(IpLayer.HEADROOM);
        int base = buf.position();
        TcpSegment s = new TcpSegment(buf);
        s.setSrcPort(tuple.lport()).setDstPort(tuple.rport()).setSeq(seq).setHeaderLength(hl).setFlags(flags);
        if ((flags & TcpSegment.ACK) != 0) {
            s.setAck(rcvNxt);
            lastAckSent = rcvNxt;
            segsSinceAck = 0;
            delackTimer.cancel();
        }
        s.setWindow(advertise(syn));
        o.write(buf, base + TcpSegment.HEADER_LENGTH);
        if (dataLen > 0 && !inPlace) {
            buf.position(base + hl);
            sndBuf.copyOut(off, buf, dataLen);
            buf.position(base);
        }
        // the checksum is left partial: the IP layer fills it unless the device offloads it
        outbox.add(buf);
        stats.outSegs.inc();
    }

    /** RFC 2018 4: the block holding the latest arrival first, then the others, as many as fit. */
    private void addSackBlocks(TcpOptions o, int dataLen) {
        int room = 40 - (tsOk ? TS_OPTION_BYTES : 0) - 4;
        int max = Math.min(TcpOptions.MAX_SACK_BLOCKS, room / 8);
        if (dataLen > 0) {
            int spare = segBase - (tsOk ? TS_OPTION_BYTES : 0) - dataLen - 4;
            max = Math.min(max, Math.max(0, spare / 8));
        }
        int first = ooo.indexOf(lastOooSeq);
        int added = 0;
        if (first >= 0 && max > 0) {
            o.addSack(ooo.start(first), ooo.end(first));
            added++;
        }
        for (int i = 0; i < ooo.count() && added < max; i++) {
            if (i != first) {
                o.addSack(ooo.start(i), ooo.end(i));
                added++;
            }
        }
    }

    /** The window field to send; remembers the right edge so it never moves left (RFC 9293 3.8.6.2.2). */
    private int advertise(boolean syn) {
        int space = receiveSpace();
        if (syn) {
            int w = Math.min(space, 65535);
            rcvAdv = rcvNxt + w;
            return w;
        }
        int field = Math.min(space >>> rcvWscale, 65535);
        // receiver SWS avoidance: do not advertise a small increase of the window
        int edge = rcvNxt + (field << rcvWscale);
        if (Seq.gt(edge, rcvAdv) && (edge - rcvAdv) < Math.min(rcvBuf.capacity() / 2, segBase) && Seq.gt(rcvAdv, rcvNxt)) {
            field = (rcvAdv - rcvNxt) >>> rcvWscale;
            edge = rcvNxt + (field << rcvWscale);
        }
        if (Seq.gt(edge, rcvAdv)) {
            rcvAdv = edge;
        }
        return field;
    }

    private int tsNow() {
        return (int) (clock.nanos() / 1_000_000L) + tsOffset;
    }

    private long tsDelta(int tsEcr) {
        return (long) (tsNow() - tsEcr) * 1_000_000L;
    }

    // =====================================================================================
    // timers
    // =====================================================================================

    private void onRetransmitTimer() {
        switch (state) {
            case SYN_SENT, SYN_RECEIVED -> {
                if (++retries > t.config.synRetries()) {
                    stats.attemptFails.inc();
                    closeDown(passive ? null : Errno.ETIMEDOUT);
                    return;
                }
                stats.timeouts.inc();
                stats.retransSegs.inc();
                rtt.backOff();
                sndNxt = iss;
                sendSyn();
                rtxTimer.arm(rtt.rto());
                return;
            }
            case CLOSED, TIME_WAIT -> {
                return;
            }
            default -> {
            }
        }
        int dataEnd = dataEnd();
        boolean unsent = Seq.lt(sndNxt, dataEnd) || (finQueued && Seq.le(sndNxt, dataEnd));
        if (sndUna == sndMax) {
            if (unsent && sndWnd == 0) {
                // persist timer: probe the zero window with one byte (RFC 9293 3.8.6.1)
                stats.windowProbes.inc();
                rtt.backOff();
                sendRange(sndNxt, Math.min(1, dataEnd - sndNxt));
                rtxTimer.arm(rtt.rto());
            } else if (unsent) {
                // SWS override timeout: send what the small window allows
                int usable = (sndUna + sndWnd) - sndNxt;
                sendRange(sndNxt, Math.max(0, Math.min(smss, Math.min(usable, dataEnd - sndNxt))));
            }
            return;
        }
        if (++retries > t.config.retries()) {
            closeDown(Errno.ETIMEDOUT);
            return;
        }
        stats.timeouts.inc();
        probeTimer.cancel();
        rexmits.clear();
        if (sndWnd == 0) {
            stats.windowProbes.inc();
        } else {
            cc.onTimeout(sndMax - sndUna, clock.nanos());
        }
        inRecovery = false;
        dupAcks = 0;
        recover = sndMax;
        scoreboard.clear();
        highRxt = sndUna;
        rttTiming = false;
        rtt.backOff();
        // go back to SND.UNA (RFC 5681 3.1, RFC 6298 5.4): the first segment ignores the windows
        sndNxt = sndUna;
        sendRange(sndUna, Math.max(0, Math.min(smss, dataEnd - sndUna)));
        rtxTimer.arm(rtt.rto());
        output();
    }

    /**
     * Arms the tail loss probe (RFC 8985 section 7.2) while data is outstanding outside
     * recovery: PTO = max(2 * SRTT, 10 ms), plus the delayed-ACK time when one segment is
     * outstanding (its ACK may be delayed), and only when it comes before the RTO. A loss at
     * the tail of a flight otherwise gets too few duplicate ACKs for fast retransmit.
     */
    private void armProbe(long now) {
        if (!probeAllowed()) {
            probeTimer.cancel();
            return;
        }
        long pto = Math.max(2 * rtt.srtt(), MIN_PTO_NANOS);
        if (sndMax - sndUna <= smss) {
            pto += t.config.delayedAckNanos();
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
        return sackOk && cc != null && !inRecovery && !probed && sndWnd > 0 && sndNxt == sndMax && sndUna != sndMax
                && rtt.srtt() >= 0 && rtxTimer.armed() && state.synchronized_() && state != TcpState.TIME_WAIT;
    }

    /**
     * RFC 8985 7.3, without RACK's time-based marking: a new segment if the peer's window takes
     * one, else the last segment sent again. Either draws a SACK that reaches DupThresh, early
     * retransmit's lowered one, or the cumulative ACK; the RTO stays armed.
     */
    private void onProbeTimer() {
        if (!probeAllowed()) {
            return;
        }
        probed = true;
        stats.lossProbes.inc();
        int dataEnd = dataEnd();
        if (canSendNew()) {
            // one new segment as output sends them (canSendNew: the peer's window takes it)
            int room = (sndUna + sndWnd) - sndNxt;
            sendRange(sndNxt, Math.min(Math.min(sendSize, dataEnd - sndNxt), Math.min(room, chunkRun())));
        } else {
            int from = Seq.max(sndUna, Seq.min(sndMax, dataEnd) - smss);
            retransmitFrom(from, sndMax - from);
        }
    }

    private void onDelayedAck() {
        if (state.synchronized_() && state != TcpState.TIME_WAIT) {
            stats.delayedAcks.inc();
            sendAck();
        }
    }

    private void armKeepalive() {
        if (opts.keepAlive && state.synchronized_()) {
            keepTimer.arm(opts.keepIdleNanos);
        } else {
            keepTimer.cancel();
        }
    }

    /** RFC 1122 4.2.3.6: probe an idle connection with SEG.SEQ = SND.NXT - 1 and no data. */
    private void onKeepalive() {
        if (!opts.keepAlive || !state.synchronized_() || state == TcpState.TIME_WAIT) {
            return;
        }
        long idle = clock.nanos() - lastHeard;
        if (idle < opts.keepIdleNanos && keepProbes == 0) {
            keepTimer.arm(opts.keepIdleNanos - idle);
            return;
        }
        if (keepProbes >= opts.keepCnt) {
            closeDown(Errno.ETIMEDOUT);
            return;
        }
        keepProbes++;
        stats.keepaliveProbes.inc();
        emit(sndUna - 1, TcpSegment.ACK, 0, false);
        keepTimer.arm(opts.keepIntvlNanos);
    }

    private void onWaitTimer() {
        if (state == TcpState.TIME_WAIT || state == TcpState.FIN_WAIT_2) {
            closeDown(null);
        }
    }

    private void enterTimeWait() {
        state = TcpState.TIME_WAIT;
        rtxTimer.cancel();
        probeTimer.cancel();
        keepTimer.cancel();
        delackTimer.cancel();
        sndBuf.release();
        waitTimer.arm(2 * t.config.mslNanos());
        wake();
    }

    // =====================================================================================
    // calls from the socket (caller threads)
    // =====================================================================================

    /** Appends to the send buffer; blocks per {@code nonBlocking} and the send timeout. */
    int send(ByteBuffer src, boolean nonBlocking) throws ErrnoException {
        lock.lock();
        try {
            long deadline = deadline(opts.sndTimeoNanos);
            int written = 0;
            while (true) {
                if (error != null) {
                    throw takeError();
                }
                if (finQueued || state == TcpState.CLOSED || (!state.sendsData() && connectedOnce)) {
                    if (written > 0) {
                        return written;
                    }
                    throw new ErrnoException(Errno.EPIPE);
                }
                if (state.sendsData()) {
                    written += sndBuf.append(src);
                    output();
                    if (!src.hasRemaining()) {
                        return written;
                    }
                }
                if (nonBlocking || expired(deadline)) {
                    if (written > 0) {
                        return written;
                    }
                    throw new ErrnoException(Errno.EAGAIN);
                }
                await(deadline);
            }
        } finally {
            unlockAndFlush();
        }
    }

    /** Reads in order data; 0 at end of stream. */
    int recv(ByteBuffer dst, int flags, boolean nonBlocking) throws ErrnoException {
        boolean peek = (flags & SocketConstants.MSG_PEEK) != 0;
        boolean waitAll = (flags & SocketConstants.MSG_WAITALL) != 0 && !peek;
        lock.lock();
        try {
            long deadline = deadline(opts.rcvTimeoNanos);
            int got = 0;
            while (true) {
                if (rcvBuf.size() > 0 && dst.hasRemaining()) {
                    int before = receiveSpace();
                    got += rcvBuf.read(dst, peek);
                    if (!peek) {
                        windowUpdate(before);
                    }
                    if (!waitAll || !dst.hasRemaining()) {
                        return got;
                    }
                    continue;
                }
                if (!dst.hasRemaining()) {
                    return got;
                }
                if (error != null) {
                    if (got > 0) {
                        return got;
                    }
                    throw takeError();
                }
                if (finReceived || readShut || state == TcpState.CLOSED) {
                    return got;
                }
                if (nonBlocking || expired(deadline)) {
                    if (got > 0) {
                        return got;
                    }
                    throw new ErrnoException(Errno.EAGAIN);
                }
                await(deadline);
            }
        } finally {
            unlockAndFlush();
        }
    }

    /** After a read: tell the peer when the window grew enough to matter (or reopened from zero). */
    private void windowUpdate(int spaceBefore) {
        if (!state.synchronized_() || finReceived) {
            return;
        }
        int grown = (rcvNxt + receiveSpace()) - rcvAdv;
        if (grown >= Math.min(rcvBuf.capacity() / 2, 2 * segBase) || (spaceBefore < segBase && receiveSpace() >= segBase)) {
            sendAck();
        }
    }

    /** SHUT_RD / SHUT_WR. */
    void shutdown(boolean read, boolean write) {
        lock.lock();
        try {
            if (read) {
                readShut = true;
                rcvBuf.discard();
                wake();
            }
            if (write) {
                closeSending();
            }
        } finally {
            unlockAndFlush();
        }
    }

    /** RFC 9293 3.10.4 CLOSE for the sending direction. Lock held. */
    private void closeSending() {
        switch (state) {
            case SYN_SENT -> closeDown(null);
            case SYN_RECEIVED, ESTABLISHED -> {
                if (!finQueued) {
                    finQueued = true;
                    state = TcpState.FIN_WAIT_1;
                    output();
                }
            }
            case CLOSE_WAIT -> {
                if (!finQueued) {
                    finQueued = true;
                    state = TcpState.LAST_ACK;
                    output();
                }
            }
            default -> {
            }
        }
        wake();
    }

    /**
     * The socket's last descriptor went away. Unread data or SO_LINGER 0 aborts with RST
     * (RFC 9293 3.10.5; RFC 2525 2.17); otherwise the FIN is queued and the connection
     * finishes on its own. With SO_LINGER on and a blocking socket, waits for the data to be
     * acknowledged up to the linger time.
     */
    void close(boolean nonBlocking) {
        lock.lock();
        try {
            orphaned = true;
            int linger = opts.lingerSecs;
            if (linger == 0 || (rcvBuf.size() > 0 && !readShut)) {
                abortLocked();
                return;
            }
            closeSending();
            if (state == TcpState.FIN_WAIT_2) {
                waitTimer.arm(t.config.finTimeoutNanos());
            }
            if (linger > 0 && !nonBlocking) {
                long deadline = clock.nanos() + linger * 1_000_000_000L;
                while (state != TcpState.CLOSED && sndUna != sndMax && !expired(deadline)) {
                    unlockAndFlushKeepLock();
                    try {
                        await(deadline);
                    } catch (ErrnoException e) {
                        return;
                    }
                }
            }
        } finally {
            unlockAndFlush();
        }
    }

    /** ABORT (RFC 9293 3.10.5): RST to the peer in synchronized states, then gone. */
    void abort() {
        lock.lock();
        try {
            abortLocked();
        } finally {
            unlockAndFlush();
        }
    }

    private void abortLocked() {
        if (state == TcpState.SYN_RECEIVED || (state.synchronized_() && state != TcpState.TIME_WAIT)) {
            emit(sndNxt, TcpSegment.RST | TcpSegment.ACK, 0, false);
            stats.outResets.inc();
        }
        closeDown(null);
    }

    /** The connect call's view: null while in progress, otherwise done (or the error). */
    ErrnoException connectResult() {
        if (error != null) {
            return takeError();
        }
        if (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED) {
            return null;
        }
        return connectedOnce ? null : new ErrnoException(Errno.ECONNREFUSED);
    }

    boolean connecting() {
        return state == TcpState.SYN_SENT || (state == TcpState.SYN_RECEIVED && !passive);
    }

    boolean connected() {
        return connectedOnce;
    }

    /** Waits for the handshake to finish or fail. */
    void awaitConnected(boolean nonBlocking) throws ErrnoException {
        lock.lock();
        try {
            long deadline = deadline(opts.sndTimeoNanos);
            while (connecting()) {
                if (nonBlocking) {
                    throw new ErrnoException(Errno.EINPROGRESS);
                }
                if (expired(deadline)) {
                    throw new ErrnoException(Errno.EINPROGRESS, "timed out");
                }
                await(deadline);
            }
            if (error != null) {
                throw takeError();
            }
            if (!connectedOnce) {
                throw new ErrnoException(Errno.ECONNREFUSED);
            }
        } finally {
            unlockAndFlush();
        }
    }

    /** SO_ERROR: the pending error, cleared. */
    int takeSoError() {
        lock.lock();
        try {
            Errno e = error;
            error = null;
            return e == null ? 0 : e.number();
        } finally {
            lock.unlock();
        }
    }

    private ErrnoException takeError() {
        Errno e = error;
        error = null;
        return new ErrnoException(e);
    }

    /** Readiness for poll (PollFd bits). */
    int pollBits() {
        lock.lock();
        try {
            int r = 0;
            if (rcvBuf.size() > 0 || finReceived || readShut || error != null || (state == TcpState.CLOSED && connectedOnce)) {
                r |= io.jrump.api.PollFd.POLLIN | io.jrump.api.PollFd.POLLRDNORM;
            }
            if (state.sendsData() && sndBuf.free() > 0 && !finQueued) {
                r |= io.jrump.api.PollFd.POLLOUT | io.jrump.api.PollFd.POLLWRNORM;
            }
            if (error != null) {
                r |= io.jrump.api.PollFd.POLLERR;
            }
            boolean sendShut = finQueued || state == TcpState.CLOSED;
            if (state == TcpState.CLOSED && (connectedOnce || error != null || resetSeen) || (finReceived && sendShut)) {
                r |= io.jrump.api.PollFd.POLLHUP;
            }
            if (state == TcpState.CLOSED && !connectedOnce) {
                r |= io.jrump.api.PollFd.POLLOUT | io.jrump.api.PollFd.POLLHUP; // failed connect, like Linux
            }
            return r;
        } finally {
            lock.unlock();
        }
    }

    void optionsChanged() {
        lock.lock();
        try {
            armKeepalive();
            output(); // TCP_NODELAY on pushes out what Nagle held
        } finally {
            unlockAndFlush();
        }
    }

    // =====================================================================================
    // teardown and plumbing
    // =====================================================================================

    /** Enters CLOSED: timers off, buffers freed (unread data kept unless reset), port released. */
    private void closeDown(Errno err) {
        if (state == TcpState.CLOSED) {
            return;
        }
        state = TcpState.CLOSED;
        if (err != null) {
            error = err;
            rcvBuf.release();
        }
        rtxTimer.stop();
        delackTimer.stop();
        keepTimer.stop();
        waitTimer.stop();
        probeTimer.stop();
        sndBuf.release();
        if (orphaned) {
            rcvBuf.release();
        }
        ooo.clear();
        scoreboard.clear();
        Listener l = parent;
        if (l != null) {
            l.gone(this);
        }
        t.remove(this);
        wake();
    }

    /** ICMP port or protocol unreachable while connecting (RFC 1122 4.2.3.9). Lock held. */
    void refused() {
        stats.attemptFails.inc();
        closeDown(Errno.ECONNREFUSED);
    }

    /** Ends a TIME_WAIT connection early so a new one may take its 4-tuple. */
    void destroyQuietly() {
        lock.lock();
        try {
            closeDown(null);
        } finally {
            unlockAndFlush();
        }
    }

    /** The transport is closing: drop everything, no segments. */
    void destroy() {
        lock.lock();
        try {
            closeDown(Errno.ECONNABORTED);
            outbox.clear();
            sendQueue.clear();
        } finally {
            lock.unlock();
        }
    }

    void wake() {
        notifyPending = true;
        waiters.wakeAll();
    }

    private long deadline(long timeoutNanos) {
        return timeoutNanos <= 0 ? Long.MAX_VALUE : clock.nanos() + timeoutNanos;
    }

    private boolean expired(long deadline) {
        return deadline != Long.MAX_VALUE && clock.nanos() - deadline >= 0;
    }

    /**
     * Waits on the connection's condition; time-outs come from the stack clock. Lock held.
     * Segments built before the wait are sent first, or a sender with a full buffer would sit
     * on the very segments whose ACKs it waits for until some other thread flushed. Sending
     * drops the lock, so the caller's condition may have changed meanwhile: the call then
     * returns at once (callers loop and look again, as after any wake-up) rather than risk
     * sleeping through a notification given while the lock was free.
     */
    private void await(long deadline) throws ErrnoException {
        if (unlockAndFlushKeepLock()) {
            return;
        }
        t.await(lock, monitor, deadline, () -> wakeups, wakeups);
    }

    /** Releases the lock, then sends what was queued under it. */
    void unlockAndFlush() {
        drain();
        boolean notify = notifyPending;
        notifyPending = false;
        if (notify) {
            wakeups++; // lock held: no increment is lost
        }
        lock.unlock();
        if (notify) {
            synchronized (monitor) {
                monitor.notifyAll();
            }
        }
        flush();
    }

    /** Sends the outbox while keeping the lock (used before a wait): the lock is dropped for the send; false when there was nothing to send. */
    private boolean unlockAndFlushKeepLock() {
        if (!drain()) {
            return false;
        }
        lock.unlock();
        try {
            flush();
        } finally {
            lock.lock();
        }
        return true;
    }

    /** Moves the outbox to the send queue, keeping the order segments were built in. Lock held. */
    private boolean drain() {
        if (outbox.isEmpty()) {
            return false;
        }
        sendQueue.add(outbox);
        outbox.clear();
        return true;
    }

    /** Transmits the send queue, in order; lock not held. */
    private void flush() {
        sendQueue.flush(transmitter);
    }

    @Override
    public String toString() {
        return "TCP " + TcpTransport.addr(tuple.laddr()) + ":" + tuple.lport() + " > " + TcpTransport.addr(tuple.raddr()) + ":" + tuple.rport() + " " + state;
    }

    // ---- for tests in this package ----

    int sndWscale() {
        return sndWscale;
    }

    int rcvWscale() {
        return rcvWscale;
    }

    boolean tsOk() {
        return tsOk;
    }

    boolean sackOk() {
        return sackOk;
    }

    int smss() {
        return smss;
    }

    CongestionControl cc() {
        return cc;
    }

    int sndUna() {
        return sndUna;
    }

    int rcvNxt() {
        return rcvNxt;
    }

    int tsRecent() {
        return tsRecent;
    }

    /**
     * One connection timer on the stack clock. Arming is cheap and frequent (every ACK moves
     * the retransmission deadline), so the deadline is kept here and the clock task is only
     * rescheduled when it would fire too late; a task that fires early re-arms itself.
     */
    private final class Timer {
        private final Runnable action;
        private long deadline = -1;
        private Platform.Timer handle;
        private long handleAt;

        Timer(Runnable action) {
            this.action = action;
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
            handle = clock.schedule(delay, this::fire);
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

        private void fire() {
            lock.lock();
            try {
                handle = null;
                if (deadline < 0 || state == TcpState.CLOSED) {
                    return;
                }
                long left = deadline - clock.nanos();
                if (left > 0) {
                    schedule(left);
                    return;
                }
                deadline = -1;
                action.run();
            } finally {
                unlockAndFlush();
            }
        }
    }
}
