package io.jrump.netinet.tcp;

import static io.jrump.api.SocketConstants.*;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.PollFd;
import io.jrump.kern.Cred;
import io.jrump.kern.SocketFile;
import io.jrump.netinet.InetSocket;
import io.jrump.kern.WaitSet;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * A SOCK_STREAM socket: the POSIX face of a {@link TcpConnection} or {@link Listener}. It
 * keeps what exists before either does (the local address, the options) and turns the
 * connection's state into the errno values of the socket calls (EINPROGRESS, EALREADY,
 * EISCONN, ENOTCONN, EPIPE ...), following Linux where POSIX leaves a choice.
 */
final class TcpSocket extends InetSocket {
    private final TcpTransport transport;
    private final SockOpts opts;
    private final WaitSet waiters;
    private Binding binding;
    private volatile Listener listener;
    private volatile TcpConnection conn;
    /** A non-blocking connect reported EINPROGRESS; the next connect reports how it went. */
    private boolean connectPending;
    private boolean closed;

    TcpSocket(TcpTransport t, Cred owner, int statusFlags, long ino) {
        this(t, owner, statusFlags, ino, new SockOpts(t.config()), new WaitSet());
    }

    private TcpSocket(TcpTransport t, Cred owner, int statusFlags, long ino, SockOpts opts, WaitSet waiters) {
        super(statusFlags | io.jrump.api.OpenFlags.O_RDWR, owner, ino, Instant.ofEpochSecond(0).plusNanos(t.clock().nanos()), waiters);
        this.transport = t;
        this.opts = opts;
        this.waiters = waiters;
    }

    /** An accepted connection. */
    private TcpSocket(TcpTransport t, Cred owner, int statusFlags, long ino, TcpConnection c) {
        this(t, owner, statusFlags, ino, c.opts, c.waiters);
        this.conn = c;
        this.binding = c.binding;
    }

    static InetSocketAddress toAddress(int addr, int port) {
        return socketAddress(addr, port);
    }

    @Override
    public synchronized void bind(InetSocketAddress address) throws ErrnoException {
        checkOpen();
        if (binding != null || conn != null) {
            throw new ErrnoException(Errno.EINVAL, "already bound");
        }
        int addr = address4(address);
        if (addr != 0 && !transport.isLocal(addr)) {
            throw new ErrnoException(Errno.EADDRNOTAVAIL, TcpTransport.addr(addr) + " is not a local address");
        }
        binding = transport.ports().bind(addr, address.getPort(), opts.reuseAddr);
    }

    @Override
    public synchronized void listen(int backlog) throws ErrnoException {
        checkOpen();
        if (conn != null) {
            throw new ErrnoException(Errno.EINVAL, "connected");
        }
        if (listener != null) {
            listener.setBacklog(backlog);
            return;
        }
        if (binding == null) {
            binding = transport.ports().bind(0, 0, opts.reuseAddr);
        }
        transport.ports().listen(binding);
        Listener l = new Listener(transport, binding, opts, waiters, backlog);
        transport.addListener(l);
        listener = l;
        waiters.wakeAll();
    }

    @Override
    public SocketFile accept() throws ErrnoException {
        Listener l = listener;
        if (l == null) {
            throw new ErrnoException(Errno.EINVAL, "not listening");
        }
        TcpConnection c = l.accept(isNonBlocking());
        return new TcpSocket(transport, owner(), statusFlags() & ~io.jrump.api.OpenFlags.O_NONBLOCK & ~io.jrump.api.OpenFlags.O_ACCMODE, transport.nextSocketId(), c);
    }

    @Override
    public void connect(InetSocketAddress address) throws ErrnoException {
        TcpConnection c;
        synchronized (this) {
            checkOpen();
            if (listener != null) {
                throw new ErrnoException(Errno.EISCONN, "listening");
            }
            c = conn;
            if (c != null) {
                if (c.connecting()) {
                    if (isNonBlocking()) {
                        throw new ErrnoException(connectPending ? Errno.EALREADY : Errno.EINPROGRESS);
                    }
                } else {
                    if (connectPending) {
                        connectPending = false;
                        ErrnoException e = c.connectResult();
                        if (e != null) {
                            throw e;
                        }
                        return; // the pending connect succeeded: report it once as success
                    }
                    throw new ErrnoException(c.connected() ? Errno.EISCONN : Errno.EINVAL);
                }
            } else {
                c = open(address);
                conn = c;
                if (isNonBlocking()) {
                    connectPending = true;
                }
            }
        }
        c.awaitConnected(isNonBlocking());
        synchronized (this) {
            connectPending = false;
        }
    }

    /** Picks the local end, claims the tuple and sends the SYN. */
    private TcpConnection open(InetSocketAddress address) throws ErrnoException {
        int raddr = address4(address);
        int rport = address.getPort();
        if (raddr == 0 || rport == 0) {
            throw new ErrnoException(Errno.EADDRNOTAVAIL, "cannot connect to " + address);
        }
        if (binding == null) {
            binding = transport.ports().bind(0, 0, opts.reuseAddr);
        }
        int laddr = binding.addr != 0 ? binding.addr : transport.sourceFor(raddr);
        Tuple tuple = new Tuple(laddr, binding.port, raddr, rport);
        transport.claimTuple(tuple);
        TcpConnection c = new TcpConnection(transport, tuple, opts, waiters);
        c.binding = binding;
        binding.conn = c;
        if (!transport.addConnection(c)) {
            throw new ErrnoException(Errno.EADDRINUSE, "connection exists");
        }
        c.lock.lock();
        try {
            c.activeOpen();
        } finally {
            c.unlockAndFlush();
        }
        return c;
    }

    @Override
    public int sendto(ByteBuffer src, int flags, InetSocketAddress to) throws ErrnoException {
        TcpConnection c = conn;
        if (c == null) {
            throw new ErrnoException(Errno.ENOTCONN);
        }
        boolean nb = isNonBlocking() || (flags & MSG_DONTWAIT) != 0;
        if (c.connecting()) {
            if (nb) {
                throw new ErrnoException(Errno.EAGAIN);
            }
            c.awaitConnected(false);
        }
        return c.send(src, nb);
    }

    @Override
    public InetSocketAddress recvfrom(ByteBuffer dst, int flags) throws ErrnoException {
        TcpConnection c = conn;
        if (c == null) {
            throw new ErrnoException(Errno.ENOTCONN);
        }
        if ((flags & MSG_OOB) != 0) {
            throw new ErrnoException(Errno.EINVAL, "no urgent data");
        }
        boolean nb = isNonBlocking() || (flags & MSG_DONTWAIT) != 0;
        if (c.connecting()) {
            if (nb) {
                throw new ErrnoException(Errno.EAGAIN);
            }
            c.awaitConnected(false);
        }
        c.recv(dst, flags, nb);
        return null;
    }

    @Override
    public void shutdown(int how) throws ErrnoException {
        if (how < SHUT_RD || how > SHUT_RDWR) {
            throw new ErrnoException(Errno.EINVAL, "how " + how);
        }
        TcpConnection c = conn;
        if (c == null || (!c.connected() && !c.connecting())) {
            throw new ErrnoException(Errno.ENOTCONN);
        }
        c.shutdown(how != SHUT_WR, how != SHUT_RD);
    }

    @Override
    public synchronized InetSocketAddress getsockname() throws ErrnoException {
        TcpConnection c = conn;
        if (c != null) {
            return toAddress(c.tuple.laddr(), c.tuple.lport());
        }
        return binding == null ? toAddress(0, 0) : toAddress(binding.addr, binding.port);
    }

    @Override
    public InetSocketAddress getpeername() throws ErrnoException {
        TcpConnection c = conn;
        if (c == null || !c.connected()) {
            throw new ErrnoException(Errno.ENOTCONN);
        }
        return toAddress(c.tuple.raddr(), c.tuple.rport());
    }

    @Override
    public void setsockopt(int level, int option, int value) throws ErrnoException {
        checkOpen();
        if (level == SOL_SOCKET) {
            switch (option) {
                case SO_REUSEADDR -> {
                    opts.reuseAddr = value != 0;
                    Binding b = binding;
                    if (b != null) {
                        b.reuseAddr = value != 0;
                    }
                }
                case SO_KEEPALIVE -> opts.keepAlive = value != 0;
                case SO_LINGER -> opts.lingerSecs = value < 0 ? -1 : value;
                case SO_SNDBUF -> opts.sndBuf = TcpConfig.buffer(value);
                case SO_RCVBUF -> opts.rcvBuf = TcpConfig.buffer(value);
                case SO_RCVTIMEO -> opts.rcvTimeoNanos = nonNegative(value) * 1_000_000L;
                case SO_SNDTIMEO -> opts.sndTimeoNanos = nonNegative(value) * 1_000_000L;
                default -> throw new ErrnoException(Errno.ENOPROTOOPT, "SOL_SOCKET option " + option);
            }
        } else if (level == IPPROTO_TCP) {
            switch (option) {
                case TCP_NODELAY -> opts.noDelay = value != 0;
                case TCP_MAXSEG -> opts.maxSeg = value == 0 ? 0 : Math.max(88, Math.min(value, 65495));
                case TCP_KEEPIDLE -> opts.keepIdleNanos = positive(value) * 1_000_000_000L;
                case TCP_KEEPINTVL -> opts.keepIntvlNanos = positive(value) * 1_000_000_000L;
                case TCP_KEEPCNT -> opts.keepCnt = (int) positive(value);
                default -> throw new ErrnoException(Errno.ENOPROTOOPT, "IPPROTO_TCP option " + option);
            }
        } else {
            throw new ErrnoException(Errno.ENOPROTOOPT, "level " + level);
        }
        TcpConnection c = conn;
        if (c != null) {
            c.optionsChanged();
        }
    }

    private static long nonNegative(int v) throws ErrnoException {
        if (v < 0) {
            throw new ErrnoException(Errno.EINVAL, "negative value " + v);
        }
        return v;
    }

    private static long positive(int v) throws ErrnoException {
        if (v < 1) {
            throw new ErrnoException(Errno.EINVAL, "value must be at least 1: " + v);
        }
        return v;
    }

    @Override
    public int getsockopt(int level, int option) throws ErrnoException {
        if (level == SOL_SOCKET) {
            return switch (option) {
                case SO_TYPE -> SOCK_STREAM;
                case SO_ERROR -> conn == null ? 0 : conn.takeSoError();
                case SO_REUSEADDR -> opts.reuseAddr ? 1 : 0;
                case SO_KEEPALIVE -> opts.keepAlive ? 1 : 0;
                case SO_LINGER -> opts.lingerSecs;
                case SO_SNDBUF -> opts.sndBuf;
                case SO_RCVBUF -> opts.rcvBuf;
                case SO_RCVTIMEO -> (int) (opts.rcvTimeoNanos / 1_000_000L);
                case SO_SNDTIMEO -> (int) (opts.sndTimeoNanos / 1_000_000L);
                default -> throw new ErrnoException(Errno.ENOPROTOOPT, "SOL_SOCKET option " + option);
            };
        }
        if (level == IPPROTO_TCP) {
            return switch (option) {
                case TCP_NODELAY -> opts.noDelay ? 1 : 0;
                case TCP_MAXSEG -> conn != null && conn.connected() ? conn.smss() : (opts.maxSeg > 0 ? opts.maxSeg : 536);
                case TCP_KEEPIDLE -> (int) (opts.keepIdleNanos / 1_000_000_000L);
                case TCP_KEEPINTVL -> (int) (opts.keepIntvlNanos / 1_000_000_000L);
                case TCP_KEEPCNT -> opts.keepCnt;
                default -> throw new ErrnoException(Errno.ENOPROTOOPT, "IPPROTO_TCP option " + option);
            };
        }
        throw new ErrnoException(Errno.ENOPROTOOPT, "level " + level);
    }

    @Override
    public int poll(int events) {
        Listener l = listener;
        if (l != null) {
            return l.readable() ? events & (PollFd.POLLIN | PollFd.POLLRDNORM) : 0;
        }
        TcpConnection c = conn;
        if (c == null) {
            // like Linux: a fresh socket is writable (the write fails) and hung up
            return (events & (PollFd.POLLOUT | PollFd.POLLWRNORM)) | PollFd.POLLHUP;
        }
        int bits = c.pollBits();
        return bits & (events | PollFd.POLLERR | PollFd.POLLHUP);
    }

    @Override
    protected void closeFile() {
        Listener l;
        TcpConnection c;
        Binding b;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            l = listener;
            c = conn;
            b = binding;
        }
        if (l != null) {
            l.close();
            transport.ports().release(l.binding);
        } else if (c != null) {
            c.close(isNonBlocking());
        } else if (b != null) {
            transport.ports().release(b);
        }
        waiters.wakeAll();
    }

    private void checkOpen() throws ErrnoException {
        if (closed) {
            throw new ErrnoException(Errno.EBADF);
        }
    }

    /** For tests in this package. */
    TcpConnection connection() {
        return conn;
    }

    Listener listenerForTest() {
        return listener;
    }
}
