package io.jrump.netinet;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.PollFd;
import io.jrump.api.SocketConstants;
import io.jrump.kern.Cred;
import io.jrump.kern.SocketFile;
import io.jrump.kern.WaitSet;
import io.jrump.net.wire.Ipv4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * What UDP sockets and ICMP ping sockets share (NetBSD's {@code sys/kern/uipc_socket.c} for
 * atomic protocols): binding in a {@link PortTable}, a connected peer, a receive queue bounded
 * by SO_RCVBUF, blocking receive with SO_RCVTIMEO, O_NONBLOCK and MSG_DONTWAIT, a pending
 * error (SO_ERROR) reported by the next call, shutdown, and poll readiness.
 *
 * <p>The socket's lock guards its state; nothing is sent while it is held, so a datagram
 * looped back (or delivered to another kernel on this thread) never meets a held lock.
 */
abstract class DatagramSocket extends InetSocket {
    /** Linux's default net.core.rmem_default / wmem_default. */
    static final int DEFAULT_BUF = 212_992;
    static final int MIN_BUF = 2048;
    static final int MAX_BUF = 16 << 20;

    private final Sockets stack;
    private final PortTable table;

    /** Endpoint fields, read by the port table without this socket's lock. */
    volatile int localAddr;
    volatile int localPort;
    volatile int remoteAddr;
    volatile int remotePort;
    volatile boolean reuseAddress;

    private boolean bound;
    private boolean connected;
    private boolean closed;
    private boolean readShut;
    private boolean writeShut;
    private boolean broadcast;
    private int rcvBuf = DEFAULT_BUF;
    private int sndBuf = DEFAULT_BUF;
    private int rcvTimeoMillis;
    private int sndTimeoMillis;
    private Errno error;
    private final ArrayDeque<Datagram> queue = new ArrayDeque<>();
    private int queued;

    private record Datagram(int src, int sport, byte[] data) {
    }

    DatagramSocket(Sockets stack, PortTable table, Cred cred, int statusFlags) {
        super(statusFlags, cred, stack.nextInode(), Instant.EPOCH.plusNanos(stack.clock().wallNanos()), new WaitSet());
        this.stack = stack;
        this.table = table;
    }

    /** Sends {@code data} (position to limit) from the given endpoint; the socket's lock is not held. */
    abstract void transmit(int src, int sport, int dst, int dport, ByteBuffer data) throws ErrnoException;

    /** Largest payload one call may send. */
    abstract int maxPayload();

    /** The socket type for SO_TYPE. */
    abstract int protocolNumber();

    /** Checks a payload before it is sent (ping sockets insist on an echo request). */
    void checkPayload(ByteBuffer data) throws ErrnoException {
    }

    // ---- receive side, called from the protocol's input path ----

    /** Queues a received datagram; false (and nothing queued) when the receive buffer is full. */
    boolean enqueue(int src, int sport, ByteBuffer data) {
        int n = data.remaining();
        synchronized (this) {
            if (closed || readShut || queued + n > rcvBuf) {
                return false;
            }
            byte[] copy = new byte[n];
            data.get(data.position(), copy);
            queue.add(new Datagram(src, sport, copy));
            queued += n;
            changed();
        }
        return true;
    }

    /** Records an asynchronous error (ICMP) for the next call to report. */
    void asyncError(Errno e) {
        synchronized (this) {
            error = e;
            changed();
        }
    }

    private void changed() {
        notifyAll();
        waitSet().wakeAll();
    }

    private ErrnoException takeError() {
        Errno e = error;
        error = null;
        return new ErrnoException(e, "asynchronous error from an ICMP message");
    }

    // ---- socket calls ----

    @Override
    public void bind(InetSocketAddress address) throws ErrnoException {
        int addr = address4(address);
        int port = address.getPort();
        if (addr != 0 && !stack.isLocal(addr) && addr != Ipv4Address.BROADCAST) {
            throw new ErrnoException(Errno.EADDRNOTAVAIL, Ipv4Address.format(addr) + " is not an address of this kernel");
        }
        if (port != 0 && port < 1024 && !owner().isSuperuser()) {
            throw new ErrnoException(Errno.EACCES, "port " + port + " is privileged");
        }
        synchronized (this) {
            checkOpen();
            if (bound) {
                throw new ErrnoException(Errno.EINVAL, "socket is already bound");
            }
            localAddr = addr;
            try {
                localPort = table.bind(this, addr, port, stack.clock());
            } catch (ErrnoException e) {
                localAddr = 0;
                throw e;
            }
            bound = true;
        }
    }

    /** With the lock held: binds to an ephemeral port if not bound yet. */
    private void autobind() throws ErrnoException {
        if (!bound) {
            localPort = table.bind(this, localAddr, 0, stack.clock());
            bound = true;
        }
    }

    private void checkOpen() throws ErrnoException {
        if (closed) {
            throw new ErrnoException(Errno.EBADF);
        }
    }

    @Override
    public void listen(int backlog) throws ErrnoException {
        throw notSupported();
    }

    @Override
    public SocketFile accept() throws ErrnoException {
        throw notSupported();
    }

    /** Connects (fixes the peer); 0.0.0.0 port 0 dissolves the association, like AF_UNSPEC. */
    @Override
    public void connect(InetSocketAddress address) throws ErrnoException {
        int addr = address4(address);
        synchronized (this) {
            checkOpen();
            if (addr == 0 && address.getPort() == 0) {
                remoteAddr = 0;
                remotePort = 0;
                connected = false;
                return;
            }
            if (addr == Ipv4Address.BROADCAST && !broadcast) {
                throw new ErrnoException(Errno.EACCES, "broadcast without SO_BROADCAST");
            }
            int src = stack.ip().sourceFor(addr);
            autobind();
            if (localAddr == 0) {
                localAddr = src;
            }
            remoteAddr = addr;
            remotePort = address.getPort();
            connected = true;
            error = null;
        }
    }

    @Override
    public int sendto(ByteBuffer src, int flags, InetSocketAddress to) throws ErrnoException {
        int dst;
        int dport;
        int from;
        int sport;
        synchronized (this) {
            checkOpen();
            if (connected && error != null) {
                throw takeError();
            }
            if (writeShut) {
                throw new ErrnoException(Errno.EPIPE, "socket is shut down for writing");
            }
            if (to == null) {
                if (!connected) {
                    throw new ErrnoException(Errno.EDESTADDRREQ);
                }
                dst = remoteAddr;
                dport = remotePort;
            } else {
                dst = address4(to);
                dport = to.getPort();
            }
            if ((dst == Ipv4Address.BROADCAST || stack.isBroadcast(dst)) && !broadcast) {
                throw new ErrnoException(Errno.EACCES, "broadcast without SO_BROADCAST");
            }
            autobind();
            from = localAddr;
            sport = localPort;
        }
        int n = src.remaining();
        if (n > maxPayload()) {
            throw new ErrnoException(Errno.EMSGSIZE, n + " bytes exceed " + maxPayload());
        }
        checkPayload(src);
        transmit(from, sport, dst, dport, src.duplicate());
        src.position(src.limit());
        return n;
    }

    @Override
    public InetSocketAddress recvfrom(ByteBuffer dst, int flags) throws ErrnoException {
        boolean dontWait = isNonBlocking() || (flags & SocketConstants.MSG_DONTWAIT) != 0;
        synchronized (this) {
            long deadline = rcvTimeoMillis > 0 ? stack.clock().nanos() + rcvTimeoMillis * 1_000_000L : Long.MAX_VALUE;
            while (true) {
                checkOpen();
                if (error != null) {
                    throw takeError();
                }
                Datagram d = queue.peek();
                if (d != null) {
                    dst.put(d.data, 0, Math.min(d.data.length, dst.remaining()));
                    if ((flags & SocketConstants.MSG_PEEK) == 0) {
                        queue.poll();
                        queued -= d.data.length;
                        changed();
                    }
                    return socketAddress(d.src, d.sport);
                }
                if (readShut) {
                    return null;
                }
                if (dontWait) {
                    throw new ErrnoException(Errno.EAGAIN);
                }
                if (stack.clock().nanos() - deadline >= 0) {
                    throw new ErrnoException(Errno.EAGAIN, "SO_RCVTIMEO of " + rcvTimeoMillis + " ms expired");
                }
                try {
                    stack.clock().await(this, deadline);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ErrnoException(Errno.EINTR);
                }
            }
        }
    }

    @Override
    public void shutdown(int how) throws ErrnoException {
        synchronized (this) {
            checkOpen();
            if (!connected) {
                throw new ErrnoException(Errno.ENOTCONN);
            }
            if (how == SocketConstants.SHUT_RD || how == SocketConstants.SHUT_RDWR) {
                readShut = true;
            }
            if (how == SocketConstants.SHUT_WR || how == SocketConstants.SHUT_RDWR) {
                writeShut = true;
            }
            changed();
        }
    }

    @Override
    public synchronized InetSocketAddress getsockname() {
        return socketAddress(localAddr, localPort);
    }

    @Override
    public synchronized InetSocketAddress getpeername() throws ErrnoException {
        if (!connected) {
            throw new ErrnoException(Errno.ENOTCONN);
        }
        return socketAddress(remoteAddr, remotePort);
    }

    @Override
    public synchronized void setsockopt(int level, int option, int value) throws ErrnoException {
        checkOpen();
        if (level != SocketConstants.SOL_SOCKET) {
            throw new ErrnoException(Errno.ENOPROTOOPT, "level " + level);
        }
        switch (option) {
            case SocketConstants.SO_REUSEADDR -> reuseAddress = value != 0;
            case SocketConstants.SO_BROADCAST -> broadcast = value != 0;
            case SocketConstants.SO_RCVBUF -> rcvBuf = clamp(value);
            case SocketConstants.SO_SNDBUF -> sndBuf = clamp(value);
            case SocketConstants.SO_RCVTIMEO -> rcvTimeoMillis = timeout(value);
            case SocketConstants.SO_SNDTIMEO -> sndTimeoMillis = timeout(value);
            default -> throw new ErrnoException(Errno.ENOPROTOOPT, "option " + option);
        }
    }

    private static int clamp(int v) {
        return Math.max(MIN_BUF, Math.min(MAX_BUF, v));
    }

    private static int timeout(int v) throws ErrnoException {
        if (v < 0) {
            throw new ErrnoException(Errno.EDOM, "negative timeout");
        }
        return v;
    }

    @Override
    public synchronized int getsockopt(int level, int option) throws ErrnoException {
        checkOpen();
        if (level != SocketConstants.SOL_SOCKET) {
            throw new ErrnoException(Errno.ENOPROTOOPT, "level " + level);
        }
        return switch (option) {
            case SocketConstants.SO_TYPE -> SocketConstants.SOCK_DGRAM;
            case SocketConstants.SO_ERROR -> {
                int e = error == null ? 0 : error.number();
                error = null;
                yield e;
            }
            case SocketConstants.SO_REUSEADDR -> reuseAddress ? 1 : 0;
            case SocketConstants.SO_BROADCAST -> broadcast ? 1 : 0;
            case SocketConstants.SO_RCVBUF -> rcvBuf;
            case SocketConstants.SO_SNDBUF -> sndBuf;
            case SocketConstants.SO_RCVTIMEO -> rcvTimeoMillis;
            case SocketConstants.SO_SNDTIMEO -> sndTimeoMillis;
            default -> throw new ErrnoException(Errno.ENOPROTOOPT, "option " + option);
        };
    }

    @Override
    public synchronized int poll(int events) {
        int r = 0;
        if (!queue.isEmpty() || readShut) {
            r |= events & (PollFd.POLLIN | PollFd.POLLRDNORM);
        }
        if (!writeShut) {
            r |= events & (PollFd.POLLOUT | PollFd.POLLWRNORM);
        }
        if (error != null) {
            r |= PollFd.POLLERR;
        }
        if (readShut && writeShut) {
            r |= PollFd.POLLHUP;
        }
        return r;
    }

    @Override
    protected void closeFile() {
        int port;
        boolean wasBound;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            wasBound = bound;
            port = localPort;
            queue.clear();
            queued = 0;
            changed();
        }
        if (wasBound) {
            table.unbind(this, port);
        }
        stack.forget(this);
    }

    /** The kernel is closing. */
    void abort() {
        closeFile();
    }
}
