package io.jrump.net.channels;

import io.jrump.api.PollFd;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;

/**
 * The {@link ServerSocket} view of a {@link KernelServerSocketChannel}, as
 * {@code ServerSocketChannel.socket()} gives one for the JDK's channels: {@code bind} (the JDK's
 * {@code HttpServer} binds through it), the local address, options ({@code SO_RCVBUF},
 * {@code SO_REUSEADDR}), and in blocking mode {@code accept}, bounded by {@code SO_TIMEOUT}
 * ({@link SocketTimeoutException}), which answers the accepted channel's {@link Socket} view.
 */
final class ServerSocketAdaptor extends ServerSocket {
    /** The JDK's backlog when none is given. */
    private static final int DEFAULT_BACKLOG = 50;

    private final KernelServerSocketChannel ch;
    private volatile int timeoutMillis;

    ServerSocketAdaptor(KernelServerSocketChannel ch) throws IOException {
        super(new NoSocketImpl());
        this.ch = ch;
    }

    @Override
    public void bind(SocketAddress local) throws IOException {
        bind(local, DEFAULT_BACKLOG);
    }

    @Override
    public void bind(SocketAddress local, int backlog) throws IOException {
        if (local != null && !(local instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("Unsupported address type");
        }
        try {
            ch.bind(local, backlog);
        } catch (ClosedChannelException e) {
            throw AdaptorCalls.closed(e);
        }
    }

    @Override
    public InetAddress getInetAddress() {
        SocketAddress a = localOrNull();
        return a == null ? null : ((InetSocketAddress) a).getAddress();
    }

    @Override
    public int getLocalPort() {
        SocketAddress a = localOrNull();
        return a == null ? -1 : ((InetSocketAddress) a).getPort();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return localOrNull();
    }

    private SocketAddress localOrNull() {
        try {
            return ch.isOpen() ? ch.getLocalAddress() : null;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public Socket accept() throws IOException {
        AdaptorCalls.ensureNotClosed(isClosed());
        if (!isBound()) {
            throw new SocketException("Socket is not bound yet");
        }
        synchronized (ch.blockingLock()) {
            if (!ch.isBlocking()) {
                throw new IllegalBlockingModeException();
            }
            try {
                int timeout = timeoutMillis;
                while (true) {
                    if (timeout > 0 && !Readiness.await((KernelSelectorProvider) ch.provider(), ch.fd(), PollFd.POLLIN, timeout)) {
                        throw new SocketTimeoutException("Accept timed out");
                    }
                    SocketChannel sc = ch.accept();
                    if (sc != null) {
                        return sc.socket();
                    }
                }
            } catch (ClosedChannelException e) {
                throw AdaptorCalls.closed(e);
            }
        }
    }

    @Override
    public ServerSocketChannel getChannel() {
        return ch;
    }

    @Override
    public boolean isBound() {
        return localOrNull() != null;
    }

    @Override
    public boolean isClosed() {
        return !ch.isOpen();
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        timeoutMillis = AdaptorCalls.soTimeout(isClosed(), timeout);
    }

    @Override
    public int getSoTimeout() throws IOException {
        AdaptorCalls.ensureNotClosed(isClosed());
        return timeoutMillis;
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
    public void setReceiveBufferSize(int size) throws SocketException {
        set(StandardSocketOptions.SO_RCVBUF, AdaptorCalls.bufferSize(size, "negative receive size"));
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return get(StandardSocketOptions.SO_RCVBUF);
    }

    private <T> void set(SocketOption<T> name, T value) throws SocketException {
        AdaptorCalls.set(ch, name, value);
    }

    private <T> T get(SocketOption<T> name) throws SocketException {
        return AdaptorCalls.get(ch, name);
    }

    @Override
    public <T> ServerSocket setOption(SocketOption<T> name, T value) throws IOException {
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
        return "ServerSocket[" + ch + "]";
    }
}
