package io.jrump.net.channels;

import io.jrump.api.PollFd;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.DatagramSocketImpl;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.util.Objects;
import java.util.Set;

/**
 * The {@link DatagramSocket} view of a {@link KernelDatagramChannel}, as
 * {@code DatagramChannel.socket()} gives one for the JDK's channels: every call reaches the
 * channel, so the view and the channel share binding, association and options; {@code send}
 * and {@code receive} need the channel in blocking mode ({@link IllegalBlockingModeException}
 * otherwise, as the JDK's view) and {@code SO_TIMEOUT} bounds a receive with a {@code poll}
 * ({@link SocketTimeoutException} when the time runs out).
 *
 * <p>Two differences, both from what {@code java.net} lets a subclass do: a receive sets the
 * packet's length with {@link DatagramPacket#setLength}, which also bounds the next receive
 * into that packet (the JDK's own view keeps the buffer's length apart through an internal
 * accessor), so reset the length before receiving into a packet again; and the kernel's stack
 * has no type-of-service and no multicast, so {@code setTrafficClass} and the group calls throw
 * {@link SocketException} rather than pretend.
 */
final class DatagramSocketAdaptor extends DatagramSocket {
    private static final String NO_TOS = "IP_TOS is not supported by the kernel's UDP";
    private static final String NO_MULTICAST = "no multicast in the kernel's stack";

    private final KernelDatagramChannel ch;
    private final KernelSelectorProvider provider;
    private volatile int timeoutMillis;

    DatagramSocketAdaptor(KernelDatagramChannel ch) {
        super(new NoDatagramSocketImpl());
        this.ch = ch;
        this.provider = (KernelSelectorProvider) ch.provider();
    }

    @Override
    public DatagramChannel getChannel() {
        return ch;
    }

    // ---- binding and association ----

    @Override
    public void bind(SocketAddress local) throws SocketException {
        AdaptorCalls.ensureNotClosed(isClosed());
        if (local != null && !(local instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("unsupported address type " + local.getClass().getName());
        }
        try {
            ch.bind(local);
        } catch (java.nio.channels.AlreadyBoundException e) {
            throw new SocketException("already bound");
        } catch (ClosedChannelException e) {
            throw AdaptorCalls.closed(e);
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            throw AdaptorCalls.asSocketException(e);
        }
    }

    @Override
    public void connect(InetAddress address, int port) {
        try {
            connect(new InetSocketAddress(Objects.requireNonNull(address, "address"), port));
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void connect(SocketAddress remote) throws SocketException {
        Objects.requireNonNull(remote, "remote");
        AdaptorCalls.ensureNotClosed(isClosed());
        if (!(remote instanceof InetSocketAddress a) || a.isUnresolved()) {
            throw new IllegalArgumentException("unsupported or unresolved address " + remote);
        }
        try {
            if (ch.isConnected()) {
                ch.disconnect(); // a DatagramSocket may connect again; the channel must be told to let go first
            }
            ch.connect(remote);
        } catch (ClosedChannelException e) {
            throw AdaptorCalls.closed(e);
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            throw AdaptorCalls.asSocketException(e);
        }
    }

    @Override
    public void disconnect() {
        try {
            ch.disconnect();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean isBound() {
        return local() != null;
    }

    @Override
    public boolean isConnected() {
        return ch.isConnected();
    }

    private InetSocketAddress remote() {
        try {
            return (InetSocketAddress) ch.getRemoteAddress();
        } catch (IOException e) {
            return null;
        }
    }

    private InetSocketAddress local() {
        try {
            return (InetSocketAddress) ch.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public InetAddress getInetAddress() {
        InetSocketAddress a = remote();
        return a == null ? null : a.getAddress();
    }

    @Override
    public int getPort() {
        InetSocketAddress a = remote();
        return a == null ? -1 : a.getPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return remote();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return isClosed() ? null : local();
    }

    @Override
    public InetAddress getLocalAddress() {
        if (isClosed()) {
            return null;
        }
        InetSocketAddress a = local();
        return a == null ? new InetSocketAddress(0).getAddress() : a.getAddress();
    }

    @Override
    public int getLocalPort() {
        if (isClosed()) {
            return -1;
        }
        InetSocketAddress a = local();
        return a == null ? 0 : a.getPort();
    }

    // ---- data ----

    @Override
    public void send(DatagramPacket p) throws IOException {
        AdaptorCalls.ensureNotClosed(isClosed());
        if (!ch.isBlocking()) {
            throw new IllegalBlockingModeException();
        }
        synchronized (p) {
            ByteBuffer data = ByteBuffer.wrap(p.getData(), p.getOffset(), p.getLength());
            InetSocketAddress peer = remote();
            InetAddress to = p.getAddress();
            try {
                if (to == null) {
                    if (peer == null) {
                        throw new IllegalArgumentException("address not set");
                    }
                    ch.write(data);
                } else {
                    InetSocketAddress target = new InetSocketAddress(to, p.getPort());
                    if (peer != null && !peer.equals(target)) {
                        throw new IllegalArgumentException("connected address and packet address differ");
                    }
                    ch.send(data, target);
                }
            } catch (ClosedChannelException e) {
                throw AdaptorCalls.closed(e);
            }
        }
    }

    @Override
    public void receive(DatagramPacket p) throws IOException {
        AdaptorCalls.ensureNotClosed(isClosed());
        if (!ch.isBlocking()) {
            throw new IllegalBlockingModeException();
        }
        synchronized (p) {
            ByteBuffer into = ByteBuffer.wrap(p.getData(), p.getOffset(), p.getLength());
            int timeout = timeoutMillis;
            try {
                if (timeout > 0 && !Readiness.await(provider, ch.fd(), PollFd.POLLIN, timeout)) {
                    throw new SocketTimeoutException("Receive timed out");
                }
                InetSocketAddress from = (InetSocketAddress) ch.receive(into);
                p.setLength(into.position() - p.getOffset());
                p.setSocketAddress(from);
            } catch (ClosedChannelException e) {
                throw AdaptorCalls.closed(e);
            }
        }
    }

    // ---- options ----

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
        AdaptorCalls.set(ch, StandardSocketOptions.SO_SNDBUF, AdaptorCalls.bufferSize(size, "negative send size"));
    }

    @Override
    public int getSendBufferSize() throws SocketException {
        return AdaptorCalls.get(ch, StandardSocketOptions.SO_SNDBUF);
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        AdaptorCalls.set(ch, StandardSocketOptions.SO_RCVBUF, AdaptorCalls.bufferSize(size, "invalid receive size"));
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return AdaptorCalls.get(ch, StandardSocketOptions.SO_RCVBUF);
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        AdaptorCalls.set(ch, StandardSocketOptions.SO_REUSEADDR, on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return AdaptorCalls.get(ch, StandardSocketOptions.SO_REUSEADDR);
    }

    @Override
    public void setBroadcast(boolean on) throws SocketException {
        AdaptorCalls.set(ch, StandardSocketOptions.SO_BROADCAST, on);
    }

    @Override
    public boolean getBroadcast() throws SocketException {
        return AdaptorCalls.get(ch, StandardSocketOptions.SO_BROADCAST);
    }

    @Override
    public void setTrafficClass(int tc) throws SocketException {
        AdaptorCalls.ensureNotClosed(isClosed());
        throw new SocketException(NO_TOS);
    }

    @Override
    public int getTrafficClass() throws SocketException {
        AdaptorCalls.ensureNotClosed(isClosed());
        throw new SocketException(NO_TOS);
    }

    @Override
    public <T> DatagramSocket setOption(SocketOption<T> name, T value) throws IOException {
        AdaptorCalls.ensureNotClosed(isClosed());
        AdaptorCalls.set(ch, name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        AdaptorCalls.ensureNotClosed(isClosed());
        return AdaptorCalls.get(ch, name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return ch.supportedOptions();
    }

    @Override
    public void joinGroup(SocketAddress group, NetworkInterface ni) throws IOException {
        throw new SocketException(NO_MULTICAST);
    }

    @Override
    public void leaveGroup(SocketAddress group, NetworkInterface ni) throws IOException {
        throw new SocketException(NO_MULTICAST);
    }

    // ---- close ----

    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing anyway: a DatagramSocket's close reports nothing
        }
    }

    @Override
    public boolean isClosed() {
        return !ch.isOpen();
    }

    @Override
    public String toString() {
        return "DatagramSocketAdaptor[" + ch + "]";
    }

    /**
     * The implementation handed to the {@code DatagramSocket} constructor: the view overrides
     * every public method, so this one is never asked to do anything; if it is, it says so
     * rather than touch the host.
     */
    private static final class NoDatagramSocketImpl extends DatagramSocketImpl {
        private static SocketException no() {
            return new SocketException("not offered by a kernel channel's datagram socket view");
        }

        @Override
        protected void create() throws SocketException {
            throw no();
        }

        @Override
        protected void bind(int lport, InetAddress laddr) throws SocketException {
            throw no();
        }

        @Override
        protected void send(DatagramPacket p) throws IOException {
            throw no();
        }

        @Override
        protected int peek(InetAddress i) throws IOException {
            throw no();
        }

        @Override
        protected int peekData(DatagramPacket p) throws IOException {
            throw no();
        }

        @Override
        protected void receive(DatagramPacket p) throws IOException {
            throw no();
        }

        @Override
        @Deprecated
        protected void setTTL(byte ttl) throws IOException {
            throw no();
        }

        @Override
        @Deprecated
        protected byte getTTL() throws IOException {
            throw no();
        }

        @Override
        protected void setTimeToLive(int ttl) throws IOException {
            throw no();
        }

        @Override
        protected int getTimeToLive() throws IOException {
            throw no();
        }

        @Override
        protected void join(InetAddress inetaddr) throws IOException {
            throw no();
        }

        @Override
        protected void leave(InetAddress inetaddr) throws IOException {
            throw no();
        }

        @Override
        protected void joinGroup(SocketAddress mcastaddr, NetworkInterface netIf) throws IOException {
            throw no();
        }

        @Override
        protected void leaveGroup(SocketAddress mcastaddr, NetworkInterface netIf) throws IOException {
            throw no();
        }

        @Override
        protected void close() {
            // nothing was opened
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
