package io.jrump.netinet.tcp;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.kern.WaitSet;
import io.jrump.net.wire.TcpOptions;
import io.jrump.net.wire.TcpSegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A socket in LISTEN (RFC 9293 3.10.7.2): a bounded SYN queue of half-open connections
 * (state SYN_RECEIVED, each retransmitting its SYN-ACK) and a bounded accept queue of
 * established ones. When the SYN queue is full, SYNs are answered statelessly with SYN
 * cookies ({@link TcpSecrets#cookie}), so a flood of spoofed SYNs costs no memory while
 * real clients, whose final ACK carries the cookie back, still get in.
 *
 * <p>Lock order: a connection's lock may be held when this listener's lock is taken
 * ({@link #established}, {@link #gone}), never the other way round.
 */
final class Listener {
    private final TcpTransport transport;
    final Binding binding;
    final SockOpts opts;
    final WaitSet waiters;
    private final ReentrantLock lock = new ReentrantLock();
    /** Blocked accept calls wait here through the stack clock. */
    private final Object monitor = new Object();
    private final Map<Tuple, TcpConnection> synQueue = new HashMap<>();
    private final ArrayDeque<TcpConnection> acceptQueue = new ArrayDeque<>();
    private int backlog;
    private boolean closed;

    Listener(TcpTransport t, Binding binding, SockOpts opts, WaitSet waiters, int backlog) {
        this.transport = t;
        this.binding = binding;
        this.opts = opts;
        this.waiters = waiters;
        setBacklog(backlog);
    }

    /** listen() again changes the backlog (as BSD allows). */
    void setBacklog(int n) {
        lock.lock();
        try {
            backlog = Math.max(1, Math.min(n <= 0 ? 1 : n, transport.config().maxBacklog()));
        } finally {
            lock.unlock();
        }
    }

    private int synLimit() {
        return Math.min(Math.max(backlog, 16), Math.max(1, transport.config().maxSynBacklog()));
    }

    /** A segment for this listener's port from a 4-tuple with no connection. */
    void input(int src, int dst, TcpSegment seg, TcpOptions o) {
        int f = seg.flags();
        if ((f & TcpSegment.RST) != 0) {
            return;
        }
        Tuple tuple = new Tuple(dst, seg.dstPort(), src, seg.srcPort());
        if ((f & TcpSegment.ACK) != 0) {
            if ((f & TcpSegment.SYN) == 0 && transport.config().synCookies() && cookieAck(tuple, seg)) {
                return;
            }
            transport.sendReset(tuple, seg.ack(), 0, false);
            return;
        }
        if ((f & TcpSegment.SYN) == 0) {
            return;
        }
        TcpConnection c;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (synQueue.size() >= synLimit() || acceptQueue.size() >= backlog) {
                c = null;
            } else {
                c = new TcpConnection(transport, tuple, opts.copy(), new WaitSet());
                if (!transport.addConnection(c)) {
                    return;
                }
                synQueue.put(tuple, c);
            }
        } finally {
            lock.unlock();
        }
        if (c == null) {
            if (transport.config().synCookies() && acceptQueue.size() < backlog) {
                transport.sendCookie(tuple, seg, o);
            } else {
                transport.stats().synQueueDrops.inc();
            }
            return;
        }
        c.binding = transport.ports().share(dst, binding.port, c);
        c.lock.lock();
        try {
            c.passiveOpen(this, seg, o);
        } finally {
            c.unlockAndFlush();
        }
    }

    private boolean cookieAck(Tuple tuple, TcpSegment seg) {
        int mss = transport.secrets().checkCookie(seg.ack() - 1, tuple.laddr(), tuple.lport(), tuple.raddr(), tuple.rport(), seg.seq() - 1);
        if (mss < 0) {
            transport.stats().synCookiesFailed.inc();
            return false;
        }
        lock.lock();
        try {
            if (closed || acceptQueue.size() >= backlog) {
                transport.stats().listenOverflows.inc();
                return true; // drop: the client retransmits its ACK or data
            }
        } finally {
            lock.unlock();
        }
        TcpConnection c = new TcpConnection(transport, tuple, opts.copy(), new WaitSet());
        if (!transport.addConnection(c)) {
            return true;
        }
        transport.stats().synCookiesOk.inc();
        c.binding = transport.ports().share(tuple.laddr(), binding.port, c);
        c.lock.lock();
        try {
            c.cookieOpen(this, seg, mss);
        } finally {
            c.unlockAndFlush();
        }
        // the ACK may carry data already: let the connection take the rest of the segment
        // (copied: a handshake finished by a cookie is rare, so its data is not worth holding)
        if (seg.payloadLength() > 0 || seg.has(TcpSegment.FIN)) {
            TcpOptions none = new TcpOptions();
            c.input(seg, none, false);
        }
        return true;
    }

    /** Called by a child (its lock held) on reaching ESTABLISHED; false when the accept queue is full. */
    boolean established(TcpConnection c) {
        lock.lock();
        try {
            synQueue.remove(c.tuple);
            if (closed) {
                return false;
            }
            if (acceptQueue.size() >= backlog) {
                transport.stats().listenOverflows.inc();
                synQueue.put(c.tuple, c);
                return false;
            }
            acceptQueue.add(c);
        } finally {
            lock.unlock();
        }
        notifyAccepters();
        waiters.wakeAll();
        return true;
    }

    private void notifyAccepters() {
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    /** A child closed before being accepted (reset, handshake timeout). */
    void gone(TcpConnection c) {
        lock.lock();
        try {
            synQueue.remove(c.tuple);
            acceptQueue.remove(c);
        } finally {
            lock.unlock();
        }
    }

    /** Takes the next established connection, waiting unless {@code nonBlocking}. */
    TcpConnection accept(boolean nonBlocking) throws ErrnoException {
        lock.lock();
        try {
            long deadline = opts.rcvTimeoNanos <= 0 ? Long.MAX_VALUE : transport.clock().nanos() + opts.rcvTimeoNanos;
            while (true) {
                if (closed) {
                    throw new ErrnoException(Errno.EINVAL, "not listening");
                }
                TcpConnection c = acceptQueue.poll();
                if (c != null) {
                    c.parent = null;
                    return c;
                }
                if (nonBlocking || (deadline != Long.MAX_VALUE && transport.clock().nanos() - deadline >= 0)) {
                    throw new ErrnoException(Errno.EAGAIN);
                }
                transport.await(lock, monitor, deadline);
            }
        } finally {
            lock.unlock();
        }
    }

    boolean readable() {
        lock.lock();
        try {
            return !acceptQueue.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    int synQueueSize() {
        lock.lock();
        try {
            return synQueue.size();
        } finally {
            lock.unlock();
        }
    }

    /** The listening socket closed: reset every connection not yet accepted. */
    void close() {
        List<TcpConnection> victims;
        lock.lock();
        try {
            closed = true;
            victims = new ArrayList<>(synQueue.values());
            victims.addAll(acceptQueue);
            synQueue.clear();
            acceptQueue.clear();
        } finally {
            lock.unlock();
        }
        notifyAccepters();
        transport.removeListener(this);
        for (TcpConnection c : victims) {
            c.abort();
        }
        waiters.wakeAll();
    }
}
