package io.jrump.net.channels;

import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
import io.jrump.api.PollFd;
import io.jrump.api.SocketConstants;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Set;

/**
 * The {@link Socket} view of a {@link KernelSocketChannel}, as {@code SocketChannel.socket()}
 * gives one for the JDK's channels: addresses, options, {@code shutdown*} and the state queries
 * answer from the channel (Netty's NIO transport reads them there), and in blocking mode the
 * streams, {@code connect} with a timeout and {@code SO_TIMEOUT} on reads work as on a
 * {@code java.net.Socket} ({@link SocketTimeoutException} when the time runs out). In
 * non-blocking mode the streams throw {@link IllegalBlockingModeException}, as the JDK's do.
 *
 * <p>The kernel's TCP has no type-of-service and no urgent data: {@code setTrafficClass},
 * {@code setOOBInline(true)} and {@code sendUrgentData} throw {@link SocketException}
 * rather than pretend.
 */
final class SocketAdaptor extends Socket {
    /** The kernel's TCP has no type-of-service and no urgent data: these options fail rather than do nothing. */
    private static final String NO_TOS = "IP_TOS is not supported by the kernel's TCP";
    private static final String NO_URGENT = "urgent data is not supported by the kernel's TCP";

    private final KernelSocketChannel ch;
    private final KernelSelectorProvider provider;
    private volatile int timeoutMillis;
    private InputStream in;
    private OutputStream out;

    SocketAdaptor(KernelSocketChannel ch) throws SocketException {
        super(new NoSocketImpl());
        this.ch = ch;
        this.provider = (KernelSelectorProvider) ch.provider();
    }

    @Override
    public SocketChannel getChannel() {
        return ch;
    }

    // ---- connect and bind ----

    @Override
    public void connect(SocketAddress remote) throws IOException {
        connect(remote, 0);
    }

    @Override
    public void connect(SocketAddress remote, int timeout) throws IOException {
        Objects.requireNonNull(remote, "connect: The address can't be null");
        if (timeout < 0) {
            throw new IllegalArgumentException("connect: timeout can't be negative");
        }
        if (!(remote instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("Unsupported address type");
        }
        AdaptorCalls.ensureNotClosed(isClosed());
        synchronized (ch.blockingLock()) {
            if (!ch.isBlocking()) {
                throw new IllegalBlockingModeException();
            }
            try {
                if (timeout == 0) {
                    ch.connect(remote);
                    return;
                }
                ch.configureBlocking(false);
                try {
                    if (!ch.connect(remote)) {
                        connectWithin(timeout);
                    }
                } finally {
                    if (ch.isOpen()) {
                        ch.configureBlocking(true);
                    }
                }
            } catch (ClosedChannelException e) {
                throw AdaptorCalls.closed(e);
            }
        }
    }

    private void connectWithin(int timeout) throws IOException {
        long deadline = System.nanoTime() + timeout * 1_000_000L;
        while (!ch.finishConnect()) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0 || !Readiness.await(provider, ch.fd(), PollFd.POLLOUT, left) && !ch.finishConnect()) {
                ch.close();
                throw new SocketTimeoutException("Connect timed out");
            }
        }
    }

    @Override
    public void bind(SocketAddress local) throws IOException {
        if (local != null && !(local instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("Unsupported address type");
        }
        try {
            ch.bind(local);
        } catch (ClosedChannelException e) {
            throw AdaptorCalls.closed(e);
        }
    }

    // ---- addresses and state ----

    @Override
    public InetAddress getInetAddress() {
        InetSocketAddress a = remote();
        return a == null ? null : a.getAddress();
    }

    @Override
    public int getPort() {
        InetSocketAddress a = remote();
        return a == null ? 0 : a.getPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return remote();
    }

    private InetSocketAddress remote() {
        try {
            return ch.isOpen() ? (InetSocketAddress) ch.getRemoteAddress() : null;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public InetAddress getLocalAddress() {
        InetSocketAddress a = local();
        if (a == null) {
            return anyLocal();
        }
        return a.getAddress();
    }

    @Override
    public int getLocalPort() {
        InetSocketAddress a = local();
        return a == null ? -1 : a.getPort();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return local();
    }

    private InetSocketAddress local() {
        try {
            return ch.isOpen() ? (InetSocketAddress) ch.getLocalAddress() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static InetAddress anyLocal() {
        return new InetSocketAddress(0).getAddress();
    }

    @Override
    public boolean isConnected() {
        return ch.isConnected();
    }

    @Override
    public boolean isBound() {
        return local() != null;
    }

    @Override
    public boolean isClosed() {
        return !ch.isOpen();
    }

    @Override
    public boolean isInputShutdown() {
        return ch.inputShut();
    }

    @Override
    public boolean isOutputShutdown() {
        return ch.outputShut();
    }

    @Override
    public void shutdownInput() throws IOException {
        ensureConnected();
        if (isInputShutdown()) {
            throw new SocketException("Socket input is already shutdown");
        }
        ch.shutdownInput();
    }

    @Override
    public void shutdownOutput() throws IOException {
        ensureConnected();
        if (isOutputShutdown()) {
            throw new SocketException("Socket output is already shutdown");
        }
        ch.shutdownOutput();
    }

    private void ensureConnected() throws SocketException {
        AdaptorCalls.ensureNotClosed(isClosed());
        if (!isConnected()) {
            throw new SocketException("Socket is not connected");
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }

    // ---- streams ----

    @Override
    public InputStream getInputStream() throws IOException {
        ensureConnected();
        if (isInputShutdown()) {
            throw new SocketException("Socket input is shutdown");
        }
        synchronized (this) {
            if (in == null) {
                in = new In();
            }
            return in;
        }
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        ensureConnected();
        if (isOutputShutdown()) {
            throw new SocketException("Socket output is shutdown");
        }
        synchronized (this) {
            if (out == null) {
                out = new Out();
            }
            return out;
        }
    }

    /** Reads in blocking mode; with {@code SO_TIMEOUT} a {@code poll} first bounds the wait. */
    private final class In extends InputStream {
        private final ByteBuffer peek = ByteBuffer.allocate(8192);

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (!ch.isBlocking()) {
                throw new IllegalBlockingModeException();
            }
            int timeout = timeoutMillis;
            try {
                if (timeout > 0 && !ch.inputShut()
                        && !Readiness.await(provider, ch.fd(), PollFd.POLLIN, timeout)) {
                    throw new SocketTimeoutException("Read timed out");
                }
                return ch.read(ByteBuffer.wrap(b, off, len));
            } catch (ClosedChannelException e) {
                throw AdaptorCalls.closed(e);
            }
        }

        /** The bytes that arrived and wait to be read, as far as one peek of up to 8 KiB sees. */
        @Override
        public int available() throws IOException {
            AdaptorCalls.ensureNotClosed(isClosed());
            if (ch.inputShut()) {
                return 0;
            }
            synchronized (peek) {
                try {
                    int n = provider.sys().recv(ch.fd(), peek.clear(), SocketConstants.MSG_PEEK | SocketConstants.MSG_DONTWAIT);
                    return Math.max(n, 0);
                } catch (ErrnoException e) {
                    return 0; // EAGAIN: nothing yet; other errors surface on the next read
                } catch (KernelClosedException e) {
                    throw Errnos.closed(e);
                }
            }
        }

        @Override
        public void close() throws IOException {
            SocketAdaptor.this.close();
        }
    }

    /** Writes everything in blocking mode, as a socket's stream does. */
    private final class Out extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (!ch.isBlocking()) {
                throw new IllegalBlockingModeException();
            }
            ByteBuffer src = ByteBuffer.wrap(b, off, len);
            try {
                while (src.hasRemaining()) {
                    ch.write(src);
                }
            } catch (ClosedChannelException e) {
                throw AdaptorCalls.closed(e);
            }
        }

        @Override
        public void close() throws IOException {
            SocketAdaptor.this.close();
        }
    }

    // ---- options ----

    /** As the JDK's socket: a closed socket's options fail with "Socket is closed", whatever the channel says. */
    private <T> void set(SocketOption<T> name, T value) throws SocketException {
        AdaptorCalls.ensureNotClosed(isClosed());
        AdaptorCalls.set(ch, name, value);
    }

    private <T> T get(SocketOption<T> name) throws SocketException {
        AdaptorCalls.ensureNotClosed(isClosed());
        return AdaptorCalls.get(ch, name);
    }

    @Override
    public void setTcpNoDelay(boolean on) throws SocketException {
        set(StandardSocketOptions.TCP_NODELAY, on);
    }

    @Override
    public boolean getTcpNoDelay() throws SocketException {
        return get(StandardSocketOptions.TCP_NODELAY);
    }

    @Override
    public void setSoLinger(boolean on, int linger) throws SocketException {
        if (on && linger < 0) {
            throw new IllegalArgumentException("invalid value for SO_LINGER");
        }
        set(StandardSocketOptions.SO_LINGER, on ? Math.min(linger, 65535) : -1);
    }

    @Override
    public int getSoLinger() throws SocketException {
        return get(StandardSocketOptions.SO_LINGER);
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        timeoutMillis = AdaptorCalls.soTimeout(isClosed(), timeout);
    }

    @Override
    public int getSoTimeout() throws SocketException {
        AdaptorCalls.ensureNotClosed(isClosed());
        return timeoutMillis;
    }

    @Override
    public void setSendBufferSize(int size) throws SocketException {
        set(StandardSocketOptions.SO_SNDBUF, AdaptorCalls.bufferSize(size, "Invalid send size"));
    }

    @Override
    public int getSendBufferSize() throws SocketException {
        return get(StandardSocketOptions.SO_SNDBUF);
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        set(StandardSocketOptions.SO_RCVBUF, AdaptorCalls.bufferSize(size, "Invalid receive size"));
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return get(StandardSocketOptions.SO_RCVBUF);
    }

    @Override
    public void setKeepAlive(boolean on) throws SocketException {
        set(StandardSocketOptions.SO_KEEPALIVE, on);
    }

    @Override
    public boolean getKeepAlive() throws SocketException {
        return get(StandardSocketOptions.SO_KEEPALIVE);
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        set(StandardSocketOptions.SO_REUSEADDR, on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return get(StandardSocketOptions.SO_REUSEADDR);
    }

    @Override
    public void setTrafficClass(int tc) throws SocketException {
        throw new SocketException(NO_TOS);
    }

    @Override
    public int getTrafficClass() throws SocketException {
        throw new SocketException(NO_TOS);
    }

    @Override
    public void setOOBInline(boolean on) throws SocketException {
        if (on) {
            throw new SocketException(NO_URGENT);
        }
    }

    @Override
    public boolean getOOBInline() throws SocketException {
        AdaptorCalls.ensureNotClosed(isClosed());
        return false;
    }

    @Override
    public void sendUrgentData(int data) throws IOException {
        throw new SocketException(NO_URGENT);
    }

    @Override
    public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
        ch.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return ch.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return ch.supportedOptions();
    }

    @Override
    public String toString() {
        if (isConnected()) {
            return "Socket[addr=" + getInetAddress() + ",port=" + getPort() + ",localport=" + getLocalPort() + "] on " + ch;
        }
        return "Socket[unconnected] on " + ch;
    }
}
