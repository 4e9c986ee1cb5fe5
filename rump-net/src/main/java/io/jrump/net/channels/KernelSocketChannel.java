package io.jrump.net.channels;

import static io.jrump.api.SocketConstants.*;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
import io.jrump.api.PollFd;
import io.jrump.api.Syscalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link SocketChannel} on a kernel TCP socket. Blocking mode is the descriptor's
 * {@code O_NONBLOCK}; a non-blocking {@code connect} is the kernel's {@code EINPROGRESS} and
 * {@code finishConnect} asks again, as a C program would. Scattering reads block for the first
 * buffer only and take the rest with {@code MSG_DONTWAIT}, so a read never waits for more once it
 * has bytes (what {@code readv} gives).
 */
final class KernelSocketChannel extends SocketChannel implements KernelChannel {
    private enum State { UNCONNECTED, PENDING, CONNECTED }

    private final KernelSelectorProvider provider;
    private final Syscalls sys;
    private final int fd;
    private final Object stateLock = new Object();
    private final Object readLock = new Object();
    private final Object writeLock = new Object();
    private volatile State state;
    private volatile InetSocketAddress remote;
    private volatile boolean inputShut;
    private volatile boolean outputShut;
    private boolean killed;
    private Socket adaptor;

    KernelSocketChannel(KernelSelectorProvider provider, int fd, boolean connected) {
        super(provider);
        this.provider = provider;
        this.sys = provider.sys();
        this.fd = fd;
        this.state = connected ? State.CONNECTED : State.UNCONNECTED;
    }

    @Override
    public int fd() {
        return fd;
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    private void ensureConnected() throws ClosedChannelException {
        ensureOpen();
        if (state != State.CONNECTED) {
            throw new NotYetConnectedException();
        }
    }

    // ---- addresses and options ----

    @Override
    public SocketChannel bind(SocketAddress local) throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            if (state == State.PENDING) {
                throw new ConnectionPendingException();
            }
            if (state == State.CONNECTED) {
                throw new AlreadyConnectedException();
            }
            InetSocketAddress a = local == null ? new InetSocketAddress(0) : Errnos.inet(local);
            try {
                sys.bind(fd, a);
            } catch (ErrnoException e) {
                throw Errnos.map(e);
            } catch (KernelClosedException e) {
                throw Errnos.closed(e);
            }
        }
        return this;
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        ensureOpen();
        try {
            InetSocketAddress a = sys.getsockname(fd);
            return a.getPort() == 0 && a.getAddress().isAnyLocalAddress() ? null : a;
        } catch (ErrnoException e) {
            throw Errnos.map(e);
        } catch (KernelClosedException e) {
            throw Errnos.closed(e);
        }
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException {
        ensureOpen();
        if (state != State.CONNECTED) {
            return null;
        }
        try {
            return sys.getpeername(fd);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOTCONN) {
                return null;
            }
            throw Errnos.map(e);
        } catch (KernelClosedException e) {
            throw Errnos.closed(e);
        }
    }

    @Override
    public <T> SocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        ensureOpen();
        SocketOptions.set(sys, fd, SocketOptions.STREAM, name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        ensureOpen();
        return SocketOptions.get(sys, fd, SocketOptions.STREAM, name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return SocketOptions.STREAM;
    }

    @Override
    public Socket socket() {
        synchronized (stateLock) {
            if (adaptor == null) {
                try {
                    adaptor = new SocketAdaptor(this);
                } catch (SocketException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return adaptor;
        }
    }

    /** Whether {@code shutdownInput} was called (the socket view's {@code isInputShutdown}). */
    boolean inputShut() {
        return inputShut;
    }

    /** Whether {@code shutdownOutput} was called (the socket view's {@code isOutputShutdown}). */
    boolean outputShut() {
        return outputShut;
    }

    // ---- connection ----

    @Override
    public boolean isConnected() {
        return state == State.CONNECTED;
    }

    @Override
    public boolean isConnectionPending() {
        return state == State.PENDING;
    }

    @Override
    public boolean connect(SocketAddress remote) throws IOException {
        InetSocketAddress a = Errnos.inet(Objects.requireNonNull(remote, "remote"));
        synchronized (stateLock) {
            ensureOpen();
            if (state == State.CONNECTED) {
                throw new AlreadyConnectedException();
            }
            if (state == State.PENDING) {
                throw new ConnectionPendingException();
            }
            state = State.PENDING;
            this.remote = a;
        }
        IOException failure = null;
        boolean done = false;
        try {
            begin();
            sys.connect(fd, a);
            done = true;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EINPROGRESS && !isBlocking()) {
                done = true;
                return false;
            }
            failure = Errnos.map(e);
            done = true;
        } catch (KernelClosedException e) {
            failure = Errnos.closed(e);
            done = true;
        } finally {
            end(done);
        }
        if (failure != null) {
            throw failConnect(failure);
        }
        state = State.CONNECTED;
        return true;
    }

    @Override
    public boolean finishConnect() throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            if (state == State.CONNECTED) {
                return true;
            }
            if (state != State.PENDING) {
                throw new NoConnectionPendingException();
            }
        }
        IOException failure = null;
        boolean done = false;
        try {
            begin();
            // A pending connect is asked again: EALREADY while the handshake runs, success once.
            sys.connect(fd, remote);
            done = true;
        } catch (ErrnoException e) {
            done = true;
            if (e.errno() == Errno.EALREADY || e.errno() == Errno.EINPROGRESS) {
                return false;
            }
            if (e.errno() != Errno.EISCONN) {
                failure = Errnos.map(e);
            }
        } catch (KernelClosedException e) {
            done = true;
            failure = Errnos.closed(e);
        } finally {
            end(done);
        }
        if (failure != null) {
            throw failConnect(failure);
        }
        state = State.CONNECTED;
        return true;
    }

    /** The JDK closes a channel whose connect failed; so do we. */
    private IOException failConnect(IOException e) {
        try {
            close();
        } catch (IOException suppressed) {
            e.addSuppressed(suppressed);
        }
        return e;
    }

    @Override
    public SocketChannel shutdownInput() throws IOException {
        ensureConnected();
        if (!inputShut) {
            shutdown(SHUT_RD);
            inputShut = true;
        }
        return this;
    }

    @Override
    public SocketChannel shutdownOutput() throws IOException {
        ensureConnected();
        if (!outputShut) {
            shutdown(SHUT_WR);
            outputShut = true;
        }
        return this;
    }

    private void shutdown(int how) throws IOException {
        try {
            sys.shutdown(fd, how);
        } catch (ErrnoException e) {
            throw Errnos.map(e);
        } catch (KernelClosedException e) {
            throw Errnos.closed(e);
        }
    }

    // ---- data ----

    @Override
    public int read(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst, "dst");
        synchronized (readLock) {
            ensureConnected();
            if (inputShut) {
                return -1;
            }
            if (!dst.hasRemaining()) {
                return 0;
            }
            return readOne(dst, 0);
        }
    }

    /** One read: the byte count, -1 at end of stream, 0 when nothing is there without waiting. */
    private int readOne(ByteBuffer dst, int flags) throws IOException {
        boolean done = false;
        try {
            begin();
            int n = sys.recv(fd, dst, flags);
            done = n > 0; // end of stream on a channel closed meanwhile is an asynchronous close
            return n == 0 ? -1 : n;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EAGAIN) {
                return 0;
            }
            throw Errnos.map(e);
        } catch (KernelClosedException e) {
            throw Errnos.closed(e);
        } finally {
            end(done);
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        synchronized (readLock) {
            ensureConnected();
            if (inputShut) {
                return -1;
            }
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                ByteBuffer b = dsts[i];
                if (!b.hasRemaining()) {
                    continue;
                }
                int want = b.remaining();
                int n = readOne(b, total == 0 ? 0 : MSG_DONTWAIT);
                if (n < 0) {
                    return total == 0 ? -1 : total;
                }
                total += n;
                if (n < want) {
                    break;
                }
            }
            return total;
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src, "src");
        synchronized (writeLock) {
            ensureConnected();
            if (outputShut) {
                throw new java.nio.channels.ClosedChannelException();
            }
            return writeOne(src);
        }
    }

    private int writeOne(ByteBuffer src) throws IOException {
        if (!src.hasRemaining()) {
            return 0;
        }
        boolean done = false;
        try {
            begin();
            int n = sys.send(fd, src, MSG_NOSIGNAL);
            done = n > 0;
            return n;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EAGAIN) {
                return 0;
            }
            throw Errnos.map(e);
        } catch (KernelClosedException e) {
            throw Errnos.closed(e);
        } finally {
            end(done);
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        synchronized (writeLock) {
            ensureConnected();
            if (outputShut) {
                throw new ClosedChannelException();
            }
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                ByteBuffer b = srcs[i];
                int want = b.remaining();
                int n = writeOne(b);
                total += n;
                if (n < want) {
                    break;
                }
            }
            return total;
        }
    }

    // ---- selection and close ----

    @Override
    protected void implConfigureBlocking(boolean block) throws IOException {
        Errnos.nonBlocking(sys, fd, !block);
    }

    @Override
    public int pollEvents(int ops) {
        int ev = 0;
        if ((ops & SelectionKey.OP_READ) != 0) {
            ev |= PollFd.POLLIN;
        }
        if ((ops & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0) {
            ev |= PollFd.POLLOUT;
        }
        return ev;
    }

    @Override
    public int readyOps(int revents, int ops) {
        boolean trouble = (revents & (PollFd.POLLERR | PollFd.POLLHUP)) != 0;
        int ready = 0;
        if ((revents & PollFd.POLLIN) != 0 || trouble) {
            ready |= SelectionKey.OP_READ;
        }
        if ((revents & PollFd.POLLOUT) != 0 || trouble) {
            ready |= state == State.PENDING ? SelectionKey.OP_CONNECT : SelectionKey.OP_WRITE;
        }
        return ready & ops;
    }

    @Override
    protected void implCloseSelectableChannel() throws IOException {
        synchronized (stateLock) {
            if (state == State.CONNECTED || state == State.PENDING) {
                // Wakes a thread blocked in read or write (asynchronous close); errors do not matter here.
                try {
                    sys.shutdown(fd, SHUT_RDWR);
                } catch (ErrnoException | KernelClosedException ignored) {
                    // not connected any more, or the kernel is gone
                }
            }
        }
        if (!isRegistered()) {
            kill();
        }
    }

    @Override
    public void kill() {
        synchronized (stateLock) {
            if (killed) {
                return;
            }
            killed = true;
        }
        try {
            sys.close(fd);
        } catch (ErrnoException | KernelClosedException ignored) {
            // the descriptor is gone either way
        }
    }

    @Override
    public String toString() {
        return "KernelSocketChannel[" + provider.kernelName() + " fd " + fd + " " + state + (isOpen() ? "" : " closed") + "]";
    }
}
