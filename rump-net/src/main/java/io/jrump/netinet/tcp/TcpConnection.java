package io.jrump.netinet.tcp;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FrameLease;
import io.jrump.api.PollFd;
import io.jrump.api.SocketConstants;
import io.jrump.kern.WaitSet;
import io.jrump.net.link.NetClock;
import io.jrump.net.wire.TcpOptions;
import io.jrump.net.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One TCP connection: the calls its socket makes (send, recv, shutdown, close, connect's wait,
 * poll), its life from open to CLOSED, and the lock everything else of it runs under. The
 * work is done by its parts, each with one job: the control block ({@link Tcb}), arriving
 * segments ({@link TcpInput}), what to send ({@link TcpSender}), data in flight and its loss
 * ({@link LossRecovery}), building segments ({@link SegmentBuilder}) and the timers
 * ({@link TcpTimers}). The transport is seen through {@link TcpHost}.
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
final class TcpConnection implements Lifecycle {
    final Tuple tuple;
    final ReentrantLock lock = new ReentrantLock();
    final WaitSet waiters;
    final SockOpts opts;
    /** Listener this connection came from, until it is accepted (or null for an active open). */
    Listener parent;
    Binding binding;
    /** Set before the transport drops the connection from its table; a cached reference to it is then stale. */
    volatile boolean gone;

    private final TcpHost host;
    private final NetClock clock;
    private final TcpStats stats;
    private final Tcb cb;
    private final TcpTimers timers;
    private final SegmentBuilder out;
    private final LossRecovery recovery;
    private final TcpSender sender;
    private final TcpInput in;

    /** Blocked callers wait here, through {@link NetClock#await}; notified after the lock is released. */
    private final Object monitor = new Object();
    /** How long the next blocked call spins before it parks, learnt from how the last ones ended (lock held). */
    private final SpinBudget spin = new SpinBudget(TcpTransport.SPIN_NANOS);
    private boolean notifyPending;
    /** Changed (under the lock) before every notification of {@link #monitor}: blocked callers spin on it before they wait. */
    private volatile int wakeups;
    private final List<Outgoing> outbox = new ArrayList<>(4);
    /** Segments taken from the outbox under the lock, in that order, waiting to be transmitted. */
    private final SendQueue<Outgoing> sendQueue = new SendQueue<>();
    private final Consumer<Outgoing> transmitter;

    TcpConnection(TcpHost host, Tuple tuple, SockOpts opts, WaitSet waiters) {
        this.host = host;
        this.tuple = tuple;
        this.opts = opts;
        this.waiters = waiters;
        this.clock = host.clock();
        this.stats = host.stats();
        TcpConfig config = host.config();
        this.cb = new Tcb(tuple, opts, clock, config.windowScaling(), host.tsOffset(tuple));
        this.timers = new TcpTimers(clock, cb, this::underLock);
        this.out = new SegmentBuilder(cb, config, stats, timers.delack, outbox);
        this.recovery = new LossRecovery(cb, out, timers, config, stats, clock);
        this.sender = new TcpSender(cb, out, recovery, timers, stats, clock, this);
        this.in = new TcpInput(cb, out, recovery, sender, timers, host, this);
        timers.rtx.onExpiry(sender::onRetransmitTimer);
        timers.probe.onExpiry(recovery::onProbeTimer);
        timers.delack.onExpiry(out::onDelayedAck);
        timers.keep.onExpiry(() -> timers.onKeepalive(out::keepaliveProbe, () -> closeDown(Errno.ETIMEDOUT)));
        timers.wait.onExpiry(this::onWaitTimer);
        this.transmitter = this::transmit;
    }

    TcpState state() {
        return cb.state;
    }

    // =====================================================================================
    // opening
    // =====================================================================================

    /** Active open (RFC 9293 3.10.1): sends the SYN. Call with the lock held. */
    void activeOpen() {
        cb.initLocal(host);
        recovery.reset(cb.iss);
        cb.tsOk = host.config().timestamps();
        cb.sackOk = host.config().sack();
        cb.state = TcpState.SYN_SENT;
        stats.activeOpens.inc();
        sender.sendSyn();
    }

    /** Passive open from a SYN that reached a listener (RFC 9293 3.10.7.2). Lock held. */
    void passiveOpen(Listener from, TcpSegment syn, TcpOptions o) {
        parent = from;
        cb.passive = true;
        cb.initLocal(host);
        recovery.reset(cb.iss);
        cb.irs = syn.seq();
        cb.rcvNxt = cb.irs + 1;
        cb.rcvAdv = cb.rcvNxt;
        cb.negotiate(syn, o, host.config());
        cb.state = TcpState.SYN_RECEIVED;
        stats.passiveOpens.inc();
        sender.sendSyn();
    }

    /**
     * A connection made from a validated SYN cookie: the handshake is complete, and nothing
     * but the MSS was remembered (so no window scaling, timestamps or SACK). Lock held.
     */
    void cookieOpen(Listener from, TcpSegment ack, int mss) {
        parent = from;
        cb.passive = true;
        cb.cookie(ack, mss, host);
        recovery.reset(cb.sndUna);
        stats.passiveOpens.inc();
        established();
    }

    @Override
    public void established() {
        cb.state = TcpState.ESTABLISHED;
        cb.connectedOnce = true;
        cb.sendSize = cb.offloadedSegmentSize(host);
        recovery.established();
        cb.sndBuf.segmentBytes(cb.sendSize);
        timers.rtx.cancel();
        cb.lastHeard = clock.nanos();
        timers.armKeepalive();
        if (parent != null) {
            Listener l = parent;
            if (!l.established(this)) {
                // accept queue full: behave as if the ACK was lost (Linux's default), retry later
                cb.state = TcpState.SYN_RECEIVED;
                cb.connectedOnce = false;
                recovery.retryHandshake();
                return;
            }
        }
        wake();
    }

    // =====================================================================================
    // input
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
            reopen = in.process(seg, o, keepable);
        } finally {
            unlockAndFlush();
        }
        return reopen;
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
                if (cb.error != null) {
                    throw takeError();
                }
                TcpState state = cb.state;
                if (cb.finQueued || state == TcpState.CLOSED || (!state.sendsData() && cb.connectedOnce)) {
                    if (written > 0) {
                        return written;
                    }
                    throw new ErrnoException(Errno.EPIPE);
                }
                if (state.sendsData()) {
                    written += cb.sndBuf.append(src);
                    sender.output();
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
                if (cb.rcvBuf.size() > 0 && dst.hasRemaining()) {
                    int before = cb.receiveSpace();
                    got += cb.rcvBuf.read(dst, peek);
                    if (!peek) {
                        out.windowUpdate(before);
                    }
                    if (!waitAll || !dst.hasRemaining()) {
                        return got;
                    }
                    continue;
                }
                if (!dst.hasRemaining()) {
                    return got;
                }
                if (cb.error != null) {
                    if (got > 0) {
                        return got;
                    }
                    throw takeError();
                }
                if (cb.finReceived || cb.readShut || cb.state == TcpState.CLOSED) {
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

    /** SHUT_RD / SHUT_WR. */
    void shutdown(boolean read, boolean write) {
        lock.lock();
        try {
            if (read) {
                cb.readShut = true;
                cb.rcvBuf.discard();
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
        switch (cb.state) {
            case SYN_SENT -> closeDown(null);
            case SYN_RECEIVED, ESTABLISHED -> {
                if (!cb.finQueued) {
                    cb.finQueued = true;
                    cb.state = TcpState.FIN_WAIT_1;
                    sender.output();
                }
            }
            case CLOSE_WAIT -> {
                if (!cb.finQueued) {
                    cb.finQueued = true;
                    cb.state = TcpState.LAST_ACK;
                    sender.output();
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
            cb.orphaned = true;
            int linger = opts.lingerSecs;
            if (linger == 0 || (cb.rcvBuf.size() > 0 && !cb.readShut)) {
                abortLocked();
                return;
            }
            closeSending();
            if (cb.state == TcpState.FIN_WAIT_2) {
                timers.wait.arm(host.config().finTimeoutNanos());
            }
            if (linger > 0 && !nonBlocking) {
                long deadline = clock.nanos() + linger * 1_000_000_000L;
                while (cb.state != TcpState.CLOSED && cb.sndUna != cb.sndMax && !expired(deadline)) {
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
        TcpState state = cb.state;
        if (state == TcpState.SYN_RECEIVED || (state.synchronized_() && state != TcpState.TIME_WAIT)) {
            out.reset();
        }
        closeDown(null);
    }

    /** The connect call's view: null while in progress, otherwise done (or the error). */
    ErrnoException connectResult() {
        if (cb.error != null) {
            return takeError();
        }
        if (cb.state == TcpState.SYN_SENT || cb.state == TcpState.SYN_RECEIVED) {
            return null;
        }
        return cb.connectedOnce ? null : new ErrnoException(Errno.ECONNREFUSED);
    }

    boolean connecting() {
        TcpState state = cb.state;
        return state == TcpState.SYN_SENT || (state == TcpState.SYN_RECEIVED && !cb.passive);
    }

    boolean connected() {
        return cb.connectedOnce;
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
            if (cb.error != null) {
                throw takeError();
            }
            if (!cb.connectedOnce) {
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
            Errno e = cb.error;
            cb.error = null;
            return e == null ? 0 : e.number();
        } finally {
            lock.unlock();
        }
    }

    private ErrnoException takeError() {
        Errno e = cb.error;
        cb.error = null;
        return new ErrnoException(e);
    }

    /** Readiness for poll (PollFd bits). */
    int pollBits() {
        lock.lock();
        try {
            TcpState state = cb.state;
            boolean connectedOnce = cb.connectedOnce;
            Errno error = cb.error;
            int r = 0;
            if (cb.rcvBuf.size() > 0 || cb.finReceived || cb.readShut || error != null || (state == TcpState.CLOSED && connectedOnce)) {
                r |= PollFd.POLLIN | PollFd.POLLRDNORM;
            }
            if (state.sendsData() && cb.sndBuf.free() > 0 && !cb.finQueued) {
                r |= PollFd.POLLOUT | PollFd.POLLWRNORM;
            }
            if (error != null) {
                r |= PollFd.POLLERR;
            }
            boolean sendShut = cb.finQueued || state == TcpState.CLOSED;
            if (state == TcpState.CLOSED && (connectedOnce || error != null || cb.resetSeen) || (cb.finReceived && sendShut)) {
                r |= PollFd.POLLHUP;
            }
            if (state == TcpState.CLOSED && !connectedOnce) {
                r |= PollFd.POLLOUT | PollFd.POLLHUP; // failed connect, like Linux
            }
            return r;
        } finally {
            lock.unlock();
        }
    }

    void optionsChanged() {
        lock.lock();
        try {
            timers.armKeepalive();
            sender.output(); // TCP_NODELAY on pushes out what Nagle held
        } finally {
            unlockAndFlush();
        }
    }

    // =====================================================================================
    // teardown
    // =====================================================================================

    private void onWaitTimer() {
        if (cb.state == TcpState.TIME_WAIT || cb.state == TcpState.FIN_WAIT_2) {
            closeDown(null);
        }
    }

    @Override
    public void enterTimeWait() {
        cb.state = TcpState.TIME_WAIT;
        cb.sndBuf.release();
        timers.timeWait(2 * host.config().mslNanos());
        wake();
    }

    /** Enters CLOSED: timers off, buffers freed (unread data kept unless reset), port released. */
    @Override
    public void closeDown(Errno err) {
        if (cb.state == TcpState.CLOSED) {
            return;
        }
        cb.state = TcpState.CLOSED;
        if (err != null) {
            cb.error = err;
            cb.rcvBuf.release();
        }
        timers.stopAll();
        cb.sndBuf.release();
        if (cb.orphaned) {
            cb.rcvBuf.release();
        }
        cb.ooo.clear();
        recovery.clear();
        Listener l = parent;
        if (l != null) {
            l.gone(this);
        }
        host.remove(this);
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

    /**
     * The transport is closing: drop everything, no segments. The unlock notifies the calls
     * blocked on the connection (closeDown asked for it), which then fail with ECONNABORTED;
     * nothing is left to send.
     */
    void destroy() {
        lock.lock();
        try {
            closeDown(Errno.ECONNABORTED);
            outbox.clear();
            sendQueue.clear();
        } finally {
            unlockAndFlush();
        }
    }

    // =====================================================================================
    // the lock, waiting and sending
    // =====================================================================================

    @Override
    public void wake() {
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
        long budget = spin.budget();
        long start = System.nanoTime();
        host.await(lock, monitor, deadline, () -> wakeups, wakeups, budget);
        spin.waited(System.nanoTime() - start);
    }

    /** Runs {@code r} under the lock, then sends what it queued (a timer's expiry). */
    private void underLock(Runnable r) {
        lock.lock();
        try {
            r.run();
        } finally {
            unlockAndFlush();
        }
    }

    /**
     * Releases the lock, then sends what was queued under it. A thread that queued nothing
     * leaves the send queue to the threads that did (each of them flushes after unlocking):
     * otherwise a timer that only re-armed itself, arriving while another thread is between
     * unlocking and flushing, would take over that thread's transmissions and, on an in-memory
     * bus, the deliveries into the peer they set off.
     */
    void unlockAndFlush() {
        boolean queued = drain();
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
        if (queued) {
            flush();
        }
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

    /**
     * Transmits one segment, naming its memory's lease (see {@link Outgoing}), or that it is not
     * lent: a segment built in a new buffer goes out in it too, and the device below need not
     * look either up. Lock not held.
     */
    private void transmit(Outgoing o) {
        ByteBuffer segment = o.segment();
        int mark = FrameLease.startSending(segment.array(), o.lease());
        try {
            host.transmit(tuple, segment, o.segmentSize());
        } finally {
            FrameLease.endSending(mark);
            if (o.scratch()) {
                o.lease().release(); // the sender's use ends; a device that kept the frame holds its own
            }
        }
    }

    /** Transmits the send queue, in order; lock not held. */
    private void flush() {
        sendQueue.flush(transmitter);
    }

    @Override
    public String toString() {
        return "TCP " + TcpTransport.addr(tuple.laddr()) + ":" + tuple.lport() + " > " + TcpTransport.addr(tuple.raddr()) + ":" + tuple.rport() + " " + cb.state;
    }

    // ---- for tests in this package ----

    int sndWscale() {
        return cb.sndWscale;
    }

    int rcvWscale() {
        return cb.rcvWscale;
    }

    boolean tsOk() {
        return cb.tsOk;
    }

    boolean sackOk() {
        return cb.sackOk;
    }

    int smss() {
        return cb.smss;
    }

    CongestionControl cc() {
        return recovery.cc();
    }

    int sndUna() {
        return cb.sndUna;
    }

    int rcvNxt() {
        return cb.rcvNxt;
    }

    int tsRecent() {
        return cb.tsRecent;
    }
}
