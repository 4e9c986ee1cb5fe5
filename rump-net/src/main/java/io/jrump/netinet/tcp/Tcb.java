package io.jrump.netinet.tcp;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.net.link.NetClock;
import io.jrump.net.wire.TcpOptions;
import io.jrump.net.wire.TcpSegment;
import io.jrump.netinet.IpLayer;

/**
 * The transmission control block of one connection (RFC 9293 section 3.3.1, BSD's {@code struct
 * tcpcb}): the state, the send and receive sequence variables, the options both ends agreed on,
 * the send and receive buffers, and the few derived quantities every part computes from them.
 *
 * <p>Design note. This is a record of variables, not an object with behaviour: the parts of a
 * connection ({@link TcpInput}, {@link TcpSender}, {@link LossRecovery}, {@link SegmentBuilder},
 * {@link TcpTimers}) read and write it under the connection's lock, as the RFC's pseudo-code
 * does, so its fields are package-private like a C struct's. Everything the parts decide is
 * theirs; loss-recovery state (RTT, congestion window, scoreboard) is private to
 * {@link LossRecovery}.
 */
final class Tcb {
    /** Default send MSS without an MSS option (RFC 9293 3.7.1). */
    static final int DEFAULT_MSS = 536;
    /** IPv4 plus TCP fixed headers. */
    static final int HEADERS = 40;
    /** Timestamp option with its two NOPs. */
    static final int TS_OPTION_BYTES = 12;
    /** Bound on out-of-order ranges held and on the SACK scoreboard. */
    static final int MAX_RANGES = 64;

    final Tuple tuple;
    final SockOpts opts;
    private final NetClock clock;

    volatile TcpState state = TcpState.CLOSED;
    boolean passive;
    /** The socket was closed: nobody reads, the connection finishes on its own. */
    boolean orphaned;

    // ---- send sequence space (RFC 9293 3.3.1) ----
    int iss;
    int sndUna;
    int sndNxt;
    /** Highest sequence number sent plus one; SND.NXT falls back below it after a timeout. */
    int sndMax;
    int sndWnd;
    int sndWl1;
    int sndWl2;
    int maxSndWnd;
    int sndWscale;
    final SendBuffer sndBuf;
    /** Sequence number of the first byte in {@link #sndBuf}. */
    int sndBufSeq;
    /** The user will send no more: a FIN follows the last queued byte. */
    boolean finQueued;

    // ---- receive sequence space ----
    int irs;
    int rcvNxt;
    /** Right edge of the window last advertised. */
    int rcvAdv;
    int rcvWscale;
    final ReceiveBuffer rcvBuf;
    final SeqRanges ooo = new SeqRanges(MAX_RANGES);
    /** Start of the out-of-order range that the latest segment went into: the first SACK block. */
    int lastOooSeq;
    boolean finPending;
    int finPendingSeq;
    boolean finReceived;
    boolean readShut;

    // ---- options ----
    int smss = DEFAULT_MSS;
    /** MSS as the option carries it: payload bound with no TCP options. */
    int segBase = DEFAULT_MSS;
    /**
     * Payload bytes per segment built: SMSS, or with segmentation offload the largest multiple
     * of it that fits one datagram, so a bulk transfer over memory costs one segment per 64 KiB.
     */
    int sendSize = DEFAULT_MSS;
    boolean offerWscale;
    boolean tsOk;
    boolean sackOk;
    int tsRecent;
    long tsRecentAge;
    int lastAckSent;
    final int tsOffset;

    // ---- acknowledgment, keepalive, errors ----
    int segsSinceAck;
    long lastHeard;
    int keepProbes;
    Errno error;
    boolean connectedOnce;
    boolean resetSeen;

    Tcb(Tuple tuple, SockOpts opts, NetClock clock, boolean windowScaling, int tsOffset) {
        this.tuple = tuple;
        this.opts = opts;
        this.clock = clock;
        this.sndBuf = new SendBuffer(opts.sndBuf, IpLayer.HEADROOM + TcpSegment.MAX_HEADER_LENGTH);
        this.rcvBuf = new ReceiveBuffer(opts.rcvBuf);
        this.tsOffset = tsOffset;
        int shift = 0;
        while (shift < TcpOptions.MAX_WSCALE && (65535L << shift) < opts.rcvBuf) {
            shift++;
        }
        this.offerWscale = windowScaling;
        this.rcvWscale = offerWscale ? shift : 0;
        this.lastHeard = clock.nanos();
    }

    /** Chooses the ISS and the MSS to offer (RFC 9293 3.4.1, 3.7.1). */
    void initLocal(TcpHost host) {
        iss = host.isn(tuple);
        sndUna = iss;
        sndNxt = iss;
        sndMax = iss;
        sndBufSeq = iss + 1;
        segBase = ourMss(host);
        smss = segBase;
    }

    int ourMss(TcpHost host) {
        int mss;
        try {
            mss = host.mtuFor(tuple.raddr()) - HEADERS;
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
    int offloadedSegmentSize(TcpHost host) {
        int whole;
        try {
            whole = host.wholeDatagramFor(tuple.raddr()) - HEADERS - (tsOk ? TS_OPTION_BYTES : 0);
        } catch (ErrnoException e) {
            return smss;
        }
        return whole <= smss ? smss : whole / smss * smss;
    }

    /** Takes the peer's SYN options: what both sides offered is on (RFC 7323 1.3, RFC 2018 2). */
    void negotiate(TcpSegment syn, TcpOptions o, TcpConfig config) {
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
        tsOk = config.timestamps() && o.hasTimestamps();
        if (tsOk) {
            tsRecent = o.tsVal();
            tsRecentAge = clock.nanos();
        }
        sackOk = config.sack() && o.sackPermitted();
        smss = segBase - (tsOk ? TS_OPTION_BYTES : 0);
        // RFC 7323 2.2: the window in a SYN is never scaled
        sndWnd = syn.window();
        maxSndWnd = sndWnd;
        sndWl1 = syn.seq();
    }

    /**
     * The variables of a connection made from a validated SYN cookie: the handshake is
     * complete, and nothing but the MSS was remembered (so no window scaling, timestamps or SACK).
     */
    void cookie(TcpSegment ack, int mss, TcpHost host) {
        iss = ack.ack() - 1;
        irs = ack.seq() - 1;
        sndUna = iss + 1;
        sndNxt = sndUna;
        sndMax = sndUna;
        sndBufSeq = sndUna;
        rcvNxt = ack.seq();
        rcvAdv = rcvNxt;
        offerWscale = false;
        rcvWscale = 0;
        sndWscale = 0;
        tsOk = false;
        sackOk = false;
        segBase = Math.min(ourMss(host), mss);
        smss = segBase;
        sndWnd = ack.window();
        maxSndWnd = sndWnd;
        sndWl1 = ack.seq();
        sndWl2 = ack.ack();
    }

    /** Sequence number just past the last byte queued to send. */
    int dataEnd() {
        return sndBufSeq + sndBuf.size();
    }

    /** Space from RCV.NXT that the receive buffer can still take. */
    int receiveSpace() {
        return rcvBuf.free();
    }

    boolean finAcked() {
        return finQueued && sndUna == dataEnd() + 1;
    }

    /** RFC 5827 3.1's condition: unsent data exists and the peer's window takes a segment of it. */
    boolean canSendNew() {
        int avail = dataEnd() - sndNxt;
        return avail > 0 && (sndUna + sndWnd) - sndNxt >= Math.min(avail, smss);
    }

    /** TSval for a segment sent now: milliseconds plus this connection's random offset (RFC 7323 5.4). */
    int tsNow() {
        return (int) (clock.nanos() / 1_000_000L) + tsOffset;
    }

    /** The round-trip time a TSecr tells, in nanoseconds. */
    long tsDelta(int tsEcr) {
        return (long) (tsNow() - tsEcr) * 1_000_000L;
    }
}
