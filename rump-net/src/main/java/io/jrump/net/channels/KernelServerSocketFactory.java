package io.jrump.net.channels;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import javax.net.ServerSocketFactory;

/**
 * {@link ServerSocket}s on a kernel's TCP/IP for code that takes a {@link ServerSocketFactory}:
 * each is the {@link ServerSocket} view of a listening channel of the provider, whose
 * {@code accept} answers the accepted channel's {@link java.net.Socket} view.
 */
final class KernelServerSocketFactory extends ServerSocketFactory {
    private final KernelSelectorProvider provider;

    KernelServerSocketFactory(KernelSelectorProvider provider) {
        this.provider = provider;
    }

    @Override
    public ServerSocket createServerSocket() throws IOException {
        return provider.openServerSocketChannel().socket();
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
        return bound(new InetSocketAddress(port), 0);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
        return bound(new InetSocketAddress(port), backlog);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress ifAddress) throws IOException {
        return bound(ifAddress == null ? new InetSocketAddress(port) : new InetSocketAddress(ifAddress, port), backlog);
    }

    private ServerSocket bound(InetSocketAddress local, int backlog) throws IOException {
        return AdaptorCalls.setUp(createServerSocket(), s -> s.bind(local, backlog));
    }

    @Override
    public String toString() {
        return "KernelServerSocketFactory[" + provider.kernelName() + "]";
    }
}
