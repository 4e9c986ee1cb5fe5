package io.jrump.net.channels;

import static io.jrump.api.SocketConstants.*;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
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
    private final Descriptor descriptor;
    private final Object stateLock = new Object();
    private final Object readLock = new Object();
    private final Object writeLock = new Object();
    private volatile State state;
    private volatile InetSocketAddress remote;
    private volatile boolean inputShut;
    private volatile boolean outputShut;
    /** A read saw the peer's reset: every later read reports it too. */
    private volatile boolean reset;
    private Socket adaptor;

    KernelSocketChannel(KernelSelectorProvider provider, int fd, boolean connected) {
        super(provider);
        this.provider = provider;
        this.sys = provider.sys();
        this.fd = fd;
        this.descriptor = new Descriptor(sys, fd);
        this.state = connected ? State.CONNECTED : State.UNCONNECTED;
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
            descriptor.bind(local);
        }
        return this;
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        ensureOpen();
        InetSocketAddress a = descriptor.localAddress();
        return a.getPort() == 0 && a.getAddress().isAnyLocalAddress() ? null : a;
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException {
        ensureOpen();
        if (state != State.CONNECTED) {
            return null;
        }
        return KernelCalls.now(() -> {
            try {
                return sys.getpeername(fd);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ENOTCONN) {
                    return null;
                }
                throw e;
            }
        });
    }

    @Override
    public <T> SocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        putOption(SocketOptions.STREAM, name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return option(SocketOptions.STREAM, name);
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
        boolean connected = connectCall(() -> {
            try {
                sys.connect(fd, a);
                return 1;
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EINPROGRESS && !isBlocking()) {
                    return 0;
                }
                throw e;
            }
        });
        if (connected) {
            state = State.CONNECTED;
        }
        return connected;
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
        // A pending connect is asked again: EALREADY while the handshake runs, success once.
        boolean connected = connectCall(() -> {
            try {
                sys.connect(fd, remote);
                return 1;
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EALREADY || e.errno() == Errno.EINPROGRESS) {
                    return 0;
                }
                if (e.errno() == Errno.EISCONN) {
                    return 1;
                }
                throw e;
            }
        });
        if (connected) {
            state = State.CONNECTED;
        }
        return connected;
    }

    /**
     * A connect call (1: connected, 0: still pending); the JDK closes a channel whose connect
     * failed, so do we, unless the failure was its close (asynchronous, or by interrupt).
     */
    private boolean connectCall(KernelCalls.IntCall call) throws IOException {
        try {
            return KernelCalls.blocking(this, 0, false, call) == 1;
        } catch (java.nio.channels.AsynchronousCloseException e) {
            throw e;
        } catch (IOException e) {
            try {
                close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
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
        KernelCalls.run(() -> sys.shutdown(fd, how));
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
        if (reset) {
            throw new SocketException("Connection reset");
        }
        int n;
        try {
            n = KernelCalls.blocking(this, KernelCalls.AGAIN, true, () -> sys.recv(fd, dst, flags));
        } catch (SocketException e) {
            // The kernel reports a reset once, as Linux does; the JDK's channel keeps reporting it.
            reset = e.getCause() instanceof ErrnoException ee && ee.errno() == Errno.ECONNRESET;
            throw e;
        }
        return n == 0 ? -1 : n == KernelCalls.AGAIN ? 0 : n;
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
        return KernelCalls.blocking(this, 0, true, () -> sys.send(fd, src, MSG_NOSIGNAL));
    }

    /**
     * A gathering write of several buffers goes to the kernel as one send through a buffer of at
     * most this many bytes (a copy bounded per call; the caller writes the rest next time, as after
     * any partial write).
     */
    private static final int GATHER_LIMIT = 256 * 1024;

    /**
     * One send for all the buffers, as {@code writev} is one call: a send per buffer made one TCP
     * segment per buffer with {@code TCP_NODELAY}, so a peer reading a message of several buffers
     * (Netty writes a message as the buffers it was read into) woke once per buffer.
     */
    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        synchronized (writeLock) {
            ensureConnected();
            if (outputShut) {
                throw new ClosedChannelException();
            }
            ByteBuffer only = null;
            int nonEmpty = 0;
            for (int i = offset; i < offset + length; i++) {
                if (srcs[i].hasRemaining()) {
                    only = srcs[i];
                    nonEmpty++;
                }
            }
            if (nonEmpty <= 1) {
                return only == null ? 0 : writeOne(only);
            }
            return Vectored.gather(srcs, offset, length, GATHER_LIMIT, false, this::writeOne);
        }
    }

    // ---- selection and close ----

    @Override
    public Descriptor descriptor() {
        return descriptor;
    }

    @Override
    protected void implConfigureBlocking(boolean block) throws IOException {
        descriptor.nonBlocking(!block);
    }

    @Override
    public int readyOps(int revents, int ops) {
        return KernelChannel.ready(revents, SelectionKey.OP_READ, state == State.PENDING ? SelectionKey.OP_CONNECT : SelectionKey.OP_WRITE) & ops;
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
        descriptor.channelClosed(this::isRegistered, provider);
    }

    @Override
    public void enterBlocking() {
        begin();
    }

    @Override
    public void leaveBlocking(boolean completed) throws java.nio.channels.AsynchronousCloseException {
        end(completed);
    }

    @Override
    public String toString() {
        return describe("KernelSocketChannel", " " + state);
    }
}
