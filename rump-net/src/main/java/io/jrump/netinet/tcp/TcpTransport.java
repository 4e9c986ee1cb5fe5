package io.jrump.netinet.tcp;

import io.jrump.api.ErrnoException;
import io.jrump.api.SocketConstants;
import io.jrump.kern.Cred;
import io.jrump.kern.SocketFile;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.net.wire.TcpOptions;
import io.jrump.net.wire.TcpSegment;
import io.jrump.netinet.IpLayer;
import io.jrump.net.link.NetClock;
import io.jrump.netinet.Transport;
import io.jrump.api.Errno;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;

/**
 * TCP for one kernel's IPv4 layer: validates arriving segments and hands them to their
 * connection (by 4-tuple) or listener (by local address and port), answers the rest with
 * RST (RFC 9293 3.10.7.1), owns the port table, the ISN and cookie secrets and the stack
 * counters, and makes the sockets.
 *
 * <p>No state is shared between transports: every kernel has its own tables and secret.
 */
final class TcpTransport implements Transport, TcpHost {
    private final IpLayer ip;
    private final TcpConfig config;
    private final NetClock clock;
    private final TcpSecrets secrets;
    private final TcpStats stats;
    private final Ports ports;
    private final Map<Tuple, TcpConnection> conns = new ConcurrentHashMap<>();
    private final Map<Long, Listener> listeners = new ConcurrentHashMap<>();
    /**
     * The connection the last segment went to (4.4BSD's {@code tcp_last_inpcb}): a bulk stream's
     * segments follow each other, so most lookups need neither a key nor the map. Never a
     * connection that has left the map ({@link TcpConnection#gone}).
     */
    private volatile TcpConnection lastInput;
    private final Object challengeLock = new Object();
    private long challengeWindowStart;
    private int challengeCount;
    private long socketIds;
    private volatile boolean closed;

    TcpTransport(IpLayer ip, TcpConfig config) {
        this.ip = ip;
        this.config = config;
        this.clock = ip.clock();
        this.secrets = new TcpSecrets(clock);
        this.stats = new TcpStats(ip.counters());
        this.ports = new Ports(secrets);
        CongestionControl.create(config.congestionControl(), 1460); // fail early on a bad tcp.cc
    }

    @Override
    public int protocol() {
        return SocketConstants.IPPROTO_TCP;
    }

    @Override
    public int socketType() {
        return SocketConstants.SOCK_STREAM;
    }

    @Override
    public void input(int src, int dst, ByteBuffer segment) {
        input(src, dst, segment, 0);
    }

    @Override
    public void input(int src, int dst, ByteBuffer segment, int flags) {
        if (closed) {
            return;
        }
        TcpSegment seg = new TcpSegment(segment);
        TcpSegment.Malformed bad = seg.check(src, dst, (flags & PARTIAL_TRUSTED) != 0);
        if (bad != null) {
            switch (bad) {
                case TRUNCATED -> stats.truncated.inc();
                case BAD_DATA_OFFSET -> stats.badDataOffset.inc();
                case BAD_CHECKSUM -> stats.badChecksum.inc();
            }
            return;
        }
        TcpOptions o = new TcpOptions();
        if (!o.parse(seg)) {
            stats.badOptions.inc();
            return;
        }
        stats.inSegs.inc();
        int sport = seg.srcPort();
        int dport = seg.dstPort();
        TcpConnection c = lastInput;
        if (c == null || c.gone || !c.tuple.is(dst, dport, src, sport)) {
            c = conns.get(new Tuple(dst, dport, src, sport));
            if (c != null) {
                lastInput = c;
            }
        }
        if (c != null && !c.input(seg, o, (flags & KEEPABLE) != 0)) {
            return;
        }
        Listener l = listenerFor(dst, dport);
        if (l != null) {
            l.input(src, dst, seg, o);
            return;
        }
        stats.noPort.inc();
        Tuple tuple = new Tuple(dst, dport, src, sport);
        if (!seg.has(TcpSegment.RST)) {
            if (seg.has(TcpSegment.ACK)) {
                sendReset(tuple, seg.ack(), 0, false);
            } else {
                sendReset(tuple, 0, seg.seq() + seg.sequenceLength(), true);
            }
        }
    }

    @Override
    public void icmpError(int type, int code, int src, int dst, ByteBuffer quoted) {
        // RFC 1122 3.2.2.1 / RFC 5927: port or protocol unreachable while connecting is a
        // hard error; everything else is soft and only reported if the connection times out.
        if (quoted.remaining() < 8 || type != 3 || (code != 2 && code != 3)) {
            return;
        }
        int sport = quoted.getShort(quoted.position()) & 0xffff;
        int dport = quoted.getShort(quoted.position() + 2) & 0xffff;
        TcpConnection c = conns.get(new Tuple(src, sport, dst, dport));
        if (c != null) {
            c.lock.lock();
            try {
                if (c.connecting()) {
                    c.refused();
                }
            } finally {
                c.unlockAndFlush();
            }
        }
    }

    @Override
    public SocketFile socket(Cred cred, int statusFlags) throws ErrnoException {
        if (closed) {
            throw new ErrnoException(Errno.ENETDOWN);
        }
        return new TcpSocket(this, cred, statusFlags, nextSocketId());
    }

    /** Inode numbers for sockets' {@code fstat}. */
    synchronized long nextSocketId() {
        return ++socketIds;
    }

    @Override
    public void close() {
        closed = true;
        for (Listener l : new ArrayList<>(listeners.values())) {
            l.close();
        }
        for (TcpConnection c : new ArrayList<>(conns.values())) {
            c.destroy();
        }
        conns.clear();
    }

    // ---- what connections, listeners and sockets see ----

    @Override
    public TcpConfig config() {
        return config;
    }

    @Override
    public NetClock clock() {
        return clock;
    }

    @Override
    public TcpStats stats() {
        return stats;
    }

    @Override
    public int isn(Tuple t) {
        return secrets.isn(t.laddr(), t.lport(), t.raddr(), t.rport());
    }

    @Override
    public int random() {
        return secrets.random();
    }

    @Override
    public int tsOffset(Tuple t) {
        return secrets.tsOffset(t.laddr(), t.lport(), t.raddr(), t.rport());
    }

    @Override
    public int mtuFor(int raddr) throws ErrnoException {
        return ip.mtuFor(raddr);
    }

    @Override
    public int wholeDatagramFor(int raddr) throws ErrnoException {
        return ip.segmentableDatagramFor(raddr);
    }

    TcpSecrets secrets() {
        return secrets;
    }

    Ports ports() {
        return ports;
    }

    /** Whether {@code addr} is one of this kernel's, for bind. */
    boolean isLocal(int addr) {
        return ip.isLocal(addr);
    }

    /** The source address for a connection to {@code raddr}. */
    int sourceFor(int raddr) throws ErrnoException {
        return ip.sourceFor(raddr);
    }

    // ---- tables ----

    private static long listenKey(int addr, int port) {
        return ((long) addr << 16) ^ ((long) port << 48) ^ port;
    }

    private Listener listenerFor(int addr, int port) {
        Listener l = listeners.get(listenKey(addr, port));
        return l != null ? l : listeners.get(listenKey(0, port));
    }

    void addListener(Listener l) {
        listeners.put(listenKey(l.binding.addr, l.binding.port), l);
    }

    void removeListener(Listener l) {
        listeners.remove(listenKey(l.binding.addr, l.binding.port), l);
    }

    /** Registers a connection under its 4-tuple; false when the tuple is taken. */
    boolean addConnection(TcpConnection c) {
        return conns.putIfAbsent(c.tuple, c) == null;
    }

    /**
     * Frees a tuple for a new active open: a connection lingering in TIME_WAIT there is
     * ended early (the new connection's ISN is larger, RFC 6528), anything else is EADDRINUSE.
     */
    void claimTuple(Tuple tuple) throws ErrnoException {
        TcpConnection old = conns.get(tuple);
        if (old == null) {
            return;
        }
        if (old.state() == TcpState.TIME_WAIT) {
            old.destroyQuietly();
            return;
        }
        throw new ErrnoException(Errno.EADDRINUSE, "connection exists");
    }

    @Override
    public void remove(TcpConnection c) {
        c.gone = true;
        conns.remove(c.tuple, c);
        Binding b = c.binding;
        if (b != null) {
            ports.release(b);
        }
    }

    int connectionCount() {
        return conns.size();
    }

    TcpConnection connection(Tuple t) {
        return conns.get(t);
    }

    Listener listener(int addr, int port) {
        return listenerFor(addr, port);
    }

    // ---- output ----

    /** Sends a segment whose checksum is still to be computed (by the IP layer, or by nobody when the device offloads it). */
    @Override
    public void transmit(Tuple tuple, ByteBuffer segment, int segmentSize) {
        try {
            ip.outputSegments(tuple.laddr(), tuple.raddr(), segment, segmentSize);
        } catch (ErrnoException e) {
            stats.outErrors.inc(); // treated as a loss: retransmission recovers
        }
    }

    /** A RST with no connection behind it (RFC 9293 3.10.7.1 and "Reset Generation"). */
    @Override
    public void sendReset(Tuple tuple, int seq, int ack, boolean withAck) {
        ByteBuffer b = ByteBuffer.allocate(TcpSegment.HEADER_LENGTH);
        TcpSegment s = new TcpSegment(b);
        s.setSrcPort(tuple.lport()).setDstPort(tuple.rport()).setSeq(seq).setAck(withAck ? ack : 0)
                .setHeaderLength(TcpSegment.HEADER_LENGTH).setFlags(TcpSegment.RST | (withAck ? TcpSegment.ACK : 0)).setWindow(0);
        stats.outResets.inc();
        stats.outSegs.inc();
        transmit(tuple, b, 0);
    }

    /** A SYN-ACK whose ISN is a SYN cookie; only the MSS option, since nothing is remembered. */
    void sendCookie(Tuple tuple, TcpSegment syn, TcpOptions o) {
        int ourMss;
        try {
            ourMss = ip.mtuFor(tuple.raddr()) - 40;
        } catch (ErrnoException e) {
            ourMss = 536;
        }
        int mss = Math.min(ourMss, o.mss() > 0 ? o.mss() : 536);
        int cookie = secrets.cookie(tuple.laddr(), tuple.lport(), tuple.raddr(), tuple.rport(), syn.seq(), mss);
        int effective = TcpSecrets.COOKIE_MSS[(cookie >>> 24) & 7];
        TcpOptions out = new TcpOptions().mss(effective);
        int hl = TcpSegment.HEADER_LENGTH + out.length();
        ByteBuffer b = ByteBuffer.allocate(hl);
        TcpSegment s = new TcpSegment(b);
        s.setSrcPort(tuple.lport()).setDstPort(tuple.rport()).setSeq(cookie).setAck(syn.seq() + 1)
                .setHeaderLength(hl).setFlags(TcpSegment.SYN | TcpSegment.ACK).setWindow(Math.min(65535, config.receiveBuffer()));
        out.write(b, TcpSegment.HEADER_LENGTH);
        stats.synCookiesSent.inc();
        stats.outSegs.inc();
        transmit(tuple, b, 0);
    }

    /** RFC 5961 section 7: at most {@code tcp.challenge_ack_limit} challenge ACKs a second. */
    @Override
    public boolean allowChallengeAck() {
        synchronized (challengeLock) {
            long now = clock.nanos();
            if (now - challengeWindowStart >= 1_000_000_000L) {
                challengeWindowStart = now;
                challengeCount = 0;
            }
            return ++challengeCount <= config.challengeAckLimit();
        }
    }

    /**
     * Blocks a socket call: takes {@code monitor}, releases {@code lock} (whose holder checked
     * its condition), waits through {@link NetClock#await} until notified or the stack clock
     * reaches {@code deadline}, and takes {@code lock} again. Notifiers change state under
     * {@code lock} and notify {@code monitor} after releasing it, so no wake-up is lost and a
     * virtual clock, which runs simulation events on the waiting thread, can deliver to this
     * very connection.
     */
    /**
     * Like {@link #await(ReentrantLock, Object, long)}, but on host time first spins briefly
     * without the lock until {@code wakeups} leaves {@code seen}: the peer of a request/response
     * exchange on another core usually answers within microseconds, and a thread that never
     * parks costs its waker no unpark (a futex call) and itself no scheduler wake-up. Every
     * notification of {@code monitor} must change {@code wakeups} first (under {@code lock}),
     * or one given during the spin would be lost; the wait after the spin checks it again
     * under {@code monitor}. {@code wakeups} is read under {@code lock} by the caller. The spin
     * lasts at most {@code spinNanos} (the caller's {@link SpinBudget}).
     */
    @Override
    public void await(ReentrantLock lock, Object monitor, long deadline, IntSupplier wakeups, int seen, long spinNanos) throws ErrnoException {
        if (!clock.isHostTime() || spinNanos <= 0) {
            await(lock, monitor, deadline);
            return;
        }
        lock.unlock();
        try {
            long start = System.nanoTime();
            while (wakeups.getAsInt() == seen) {
                if (System.nanoTime() - start > spinNanos || Thread.currentThread().isInterrupted()) {
                    synchronized (monitor) {
                        if (wakeups.getAsInt() == seen) {
                            clock.await(monitor, deadline);
                        }
                    }
                    return;
                }
                Thread.onSpinWait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR);
        } finally {
            lock.lock();
        }
    }

    /** The longest a blocked socket call spins before it parks (host time only); 0 turns spinning off. */
    static final long SPIN_NANOS = Math.max(0, Long.getLong("jrump.tcp.spinNanos", 20_000L));

    void await(ReentrantLock lock, Object monitor, long deadline) throws ErrnoException {
        try {
            synchronized (monitor) {
                lock.unlock();
                clock.await(monitor, deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR);
        } finally {
            lock.lock();
        }
    }

    static String addr(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
    }
}
