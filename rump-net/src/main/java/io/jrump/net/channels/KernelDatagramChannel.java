package io.jrump.net.channels;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Syscalls;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.nio.channels.NotYetConnectedException;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link DatagramChannel} on a kernel UDP socket. One datagram is one kernel call: a
 * scattering read or gathering write goes through one buffer ({@link Vectored}). As with the
 * JDK's channel, {@code receive} and {@code send} bind an unbound channel to an ephemeral port,
 * a non-blocking {@code receive} answers {@code null} when nothing is queued, a datagram larger
 * than the buffer is cut to it, and an ICMP port unreachable for a connected channel comes back
 * from the next read or receive as {@link PortUnreachableException}. Multicast is not in the
 * kernel's stack: {@code join} throws {@link UnsupportedOperationException}.
 */
final class KernelDatagramChannel extends DatagramChannel implements KernelChannel {
    /** The largest datagram a gathering write may form (IPv4's 65,535 less its and UDP's headers: RFC 768, RFC 791). */
    private static final int MAX_DATAGRAM = 65_535 - 20 - 8;

    private final KernelSelectorProvider provider;
    private final Syscalls sys;
    private final int fd;
    private final Descriptor descriptor;
    private final Object stateLock = new Object();
    private final Object readLock = new Object();
    private final Object writeLock = new Object();
    private volatile boolean bound;
    private volatile InetSocketAddress remote;
    private DatagramSocket adaptor;

    KernelDatagramChannel(KernelSelectorProvider provider, int fd) {
        super(provider);
        this.provider = provider;
        this.sys = provider.sys();
        this.fd = fd;
        this.descriptor = new Descriptor(sys, fd);
    }

    // ---- addresses and options ----

    @Override
    public DatagramChannel bind(SocketAddress local) throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            if (bound) {
                throw new AlreadyBoundException();
            }
            descriptor.bind(local);
            bound = true;
        }
        return this;
    }

    /** receive and send bind first, as the JDK's channel does, so the local address is known. */
    private void autobind() throws IOException {
        synchronized (stateLock) {
            if (!bound) {
                bind(null);
            }
        }
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        ensureOpen();
        return bound || remote != null ? descriptor.localAddress() : null;
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException {
        ensureOpen();
        return remote;
    }

    @Override
    public <T> DatagramChannel setOption(SocketOption<T> name, T value) throws IOException {
        putOption(SocketOptions.DATAGRAM, name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return option(SocketOptions.DATAGRAM, name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return SocketOptions.DATAGRAM;
    }

    @Override
    public DatagramSocket socket() {
        synchronized (stateLock) {
            if (adaptor == null) {
                adaptor = new DatagramSocketAdaptor(this);
            }
            return adaptor;
        }
    }

    @Override
    public MembershipKey join(InetAddress group, NetworkInterface interf) {
        throw new UnsupportedOperationException("no multicast in the kernel's stack");
    }

    @Override
    public MembershipKey join(InetAddress group, NetworkInterface interf, InetAddress source) {
        throw new UnsupportedOperationException("no multicast in the kernel's stack");
    }

    // ---- association ----

    @Override
    public boolean isConnected() {
        return remote != null;
    }

    @Override
    public DatagramChannel connect(SocketAddress peer) throws IOException {
        InetSocketAddress a = Errnos.inet(Objects.requireNonNull(peer, "remote"));
        synchronized (readLock) {
            synchronized (writeLock) {
                synchronized (stateLock) {
                    ensureOpen();
                    if (remote != null) {
                        throw new AlreadyConnectedException();
                    }
                    KernelCalls.run(() -> sys.connect(fd, a));
                    bound = true; // connect binds an unbound socket
                    remote = a;
                }
            }
        }
        return this;
    }

    @Override
    public DatagramChannel disconnect() throws IOException {
        synchronized (readLock) {
            synchronized (writeLock) {
                synchronized (stateLock) {
                    if (!isOpen() || remote == null) {
                        return this;
                    }
                    // 0.0.0.0:0 dissolves the association, as AF_UNSPEC does on Linux
                    KernelCalls.run(() -> sys.connect(fd, new InetSocketAddress(0)));
                    remote = null;
                }
            }
        }
        return this;
    }

    // ---- data ----

    @Override
    public SocketAddress receive(ByteBuffer dst) throws IOException {
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("read-only buffer");
        }
        synchronized (readLock) {
            ensureOpen();
            autobind();
            InetSocketAddress[] from = new InetSocketAddress[1];
            int n = recv(() -> {
                int before = dst.position();
                from[0] = sys.recvfrom(fd, dst, 0);
                return dst.position() - before;
            });
            return n == KernelCalls.AGAIN ? null : from[0];
        }
    }

    @Override
    public int send(ByteBuffer src, SocketAddress target) throws IOException {
        InetSocketAddress a = Errnos.inet(Objects.requireNonNull(target, "target"));
        synchronized (writeLock) {
            ensureOpen();
            InetSocketAddress peer = remote;
            if (peer != null) {
                if (!peer.equals(a)) {
                    throw new AlreadyConnectedException();
                }
                return write(src);
            }
            autobind();
            return KernelCalls.blocking(this, 0, false, () -> sys.sendto(fd, src, 0, a));
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst, "dst");
        synchronized (readLock) {
            ensureConnected();
            int n = recv(() -> sys.recv(fd, dst, 0));
            return n == KernelCalls.AGAIN ? 0 : n;
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        synchronized (readLock) {
            ensureConnected();
            return Vectored.scatter(dsts, offset, length, MAX_DATAGRAM, b -> {
                int n = recv(() -> sys.recv(fd, b, 0));
                return n == KernelCalls.AGAIN ? 0 : n;
            });
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src, "src");
        synchronized (writeLock) {
            ensureConnected();
            return KernelCalls.blocking(this, 0, false, () -> sys.send(fd, src, 0));
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        synchronized (writeLock) {
            ensureConnected();
            return Vectored.gather(srcs, offset, length, MAX_DATAGRAM, true,
                    b -> KernelCalls.blocking(this, 0, false, () -> sys.send(fd, b, 0)));
        }
    }

    private void ensureConnected() throws ClosedChannelException {
        ensureOpen();
        if (remote == null) {
            throw new NotYetConnectedException();
        }
    }

    /** One receive: KernelCalls.AGAIN when nothing is queued; a refused peer as the JDK reports it. */
    private int recv(KernelCalls.IntCall call) throws IOException {
        try {
            return KernelCalls.blocking(this, KernelCalls.AGAIN, false, call);
        } catch (java.net.ConnectException e) {
            if (e.getCause() instanceof ErrnoException ee && ee.errno() == Errno.ECONNREFUSED) {
                PortUnreachableException p = new PortUnreachableException("ICMP Port Unreachable");
                p.initCause(ee);
                throw p;
            }
            throw e;
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
    protected void implCloseSelectableChannel() {
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
        return describe("KernelDatagramChannel", remote == null ? "" : " to " + remote);
    }
}
