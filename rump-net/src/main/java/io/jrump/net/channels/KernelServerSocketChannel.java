package io.jrump.net.channels;

import io.jrump.api.Syscalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;

/**
 * A {@link ServerSocketChannel} on a listening kernel TCP socket. {@code bind} is the kernel's
 * {@code bind} plus {@code listen} (the JDK does both in one call); a non-blocking
 * {@code accept} answers {@code null} where the kernel says {@code EAGAIN}. Accepted channels
 * start blocking, as the JDK's do (the kernel clears {@code O_NONBLOCK} on accepted sockets).
 */
final class KernelServerSocketChannel extends ServerSocketChannel implements KernelChannel {
    /** The backlog when the caller gives none (the JDK's default too). */
    private static final int DEFAULT_BACKLOG = 50;

    private final KernelSelectorProvider provider;
    private final Syscalls sys;
    private final int fd;
    private final Descriptor descriptor;
    private final Object lock = new Object();
    private volatile boolean bound;
    private ServerSocket adaptor;

    KernelServerSocketChannel(KernelSelectorProvider provider, int fd) {
        super(provider);
        this.provider = provider;
        this.sys = provider.sys();
        this.fd = fd;
        this.descriptor = new Descriptor(sys, fd);
    }

    @Override
    public ServerSocketChannel bind(SocketAddress local, int backlog) throws IOException {
        synchronized (lock) {
            ensureOpen();
            if (bound) {
                throw new AlreadyBoundException();
            }
            descriptor.bind(local);
            KernelCalls.run(() -> sys.listen(fd, backlog < 1 ? DEFAULT_BACKLOG : backlog));
            bound = true;
        }
        return this;
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        ensureOpen();
        if (!bound) {
            return null;
        }
        return descriptor.localAddress();
    }

    @Override
    public <T> ServerSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        putOption(SocketOptions.LISTEN, name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return option(SocketOptions.LISTEN, name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return SocketOptions.LISTEN;
    }

    @Override
    public ServerSocket socket() {
        synchronized (lock) {
            if (adaptor == null) {
                try {
                    adaptor = new ServerSocketAdaptor(this);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return adaptor;
        }
    }

    @Override
    public SocketChannel accept() throws IOException {
        ensureOpen();
        if (!bound) {
            throw new NotYetBoundException();
        }
        int s = KernelCalls.blocking(this, KernelCalls.AGAIN, false, () -> sys.accept(fd));
        return s == KernelCalls.AGAIN ? null : new KernelSocketChannel(provider, s, true);
    }

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
        return describe("KernelServerSocketChannel", "");
    }
}
