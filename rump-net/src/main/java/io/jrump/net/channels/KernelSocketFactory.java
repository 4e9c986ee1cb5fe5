package io.jrump.net.channels;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import javax.net.SocketFactory;

/**
 * {@link Socket}s on a kernel's TCP/IP for code that takes a {@link SocketFactory} (JDBC
 * drivers, mail and LDAP clients, HTTP clients built on {@code java.net.Socket}): each socket is
 * the blocking {@link Socket} view of a channel of the provider. Host names are resolved by the
 * JVM's resolver, as {@code java.net.Socket} does; the kernel has no resolver of its own.
 */
final class KernelSocketFactory extends SocketFactory {
    private final KernelSelectorProvider provider;

    KernelSocketFactory(KernelSelectorProvider provider) {
        this.provider = provider;
    }

    @Override
    public Socket createSocket() throws IOException {
        return provider.openSocketChannel().socket();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(InetAddress.getByName(host), port), null);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException, UnknownHostException {
        return connected(new InetSocketAddress(InetAddress.getByName(host), port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    private Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
        return AdaptorCalls.setUp(createSocket(), s -> {
            if (local != null) {
                s.bind(local);
            }
            s.connect(remote);
        });
    }

    @Override
    public String toString() {
        return "KernelSocketFactory[" + provider.kernelName() + "]";
    }
}
