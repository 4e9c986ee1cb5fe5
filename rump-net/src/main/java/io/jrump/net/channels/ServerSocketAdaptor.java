package io.jrump.net.channels;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.nio.channels.ServerSocketChannel;

/**
 * The {@link ServerSocket} view of a {@link KernelServerSocketChannel}, as far as code built on
 * channels uses it: {@code bind}, the local address, {@code close}. The JDK's
 * {@code HttpServer} binds through this view. {@code accept} is not offered (use the channel).
 */
final class ServerSocketAdaptor extends ServerSocket {
    private final KernelServerSocketChannel ch;

    ServerSocketAdaptor(KernelServerSocketChannel ch) throws IOException {
        super(new NoSocketImpl());
        this.ch = ch;
    }

    @Override
    public void bind(SocketAddress local) throws IOException {
        bind(local, 50);
    }

    @Override
    public void bind(SocketAddress local, int backlog) throws IOException {
        ch.bind(local, backlog);
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
        throw new SocketException("accept through the ServerSocket view is not offered; use the channel");
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
    public String toString() {
        return "ServerSocketAdaptor[" + ch + "]";
    }

    /** The ServerSocket constructor needs an implementation; every call reaches the channel instead. */
    private static final class NoSocketImpl extends SocketImpl {
        private static SocketException no() {
            return new SocketException("not offered by the kernel channel's ServerSocket view");
        }

        @Override
        protected void create(boolean stream) throws IOException {
            throw no();
        }

        @Override
        protected void connect(String host, int port) throws IOException {
            throw no();
        }

        @Override
        protected void connect(InetAddress address, int port) throws IOException {
            throw no();
        }

        @Override
        protected void connect(SocketAddress address, int timeout) throws IOException {
            throw no();
        }

        @Override
        protected void bind(InetAddress host, int port) throws IOException {
            throw no();
        }

        @Override
        protected void listen(int backlog) throws IOException {
            throw no();
        }

        @Override
        protected void accept(SocketImpl s) throws IOException {
            throw no();
        }

        @Override
        protected InputStream getInputStream() throws IOException {
            throw no();
        }

        @Override
        protected OutputStream getOutputStream() throws IOException {
            throw no();
        }

        @Override
        protected int available() throws IOException {
            throw no();
        }

        @Override
        protected void close() {
        }

        @Override
        protected void sendUrgentData(int data) throws IOException {
            throw no();
        }

        @Override
        public void setOption(int optID, Object value) throws SocketException {
            throw no();
        }

        @Override
        public Object getOption(int optID) throws SocketException {
            throw no();
        }
    }
}
