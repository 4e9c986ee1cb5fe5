package io.jrump.net.channels;

import io.jrump.api.RumpKernel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Objects;
import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;

/**
 * NIO channels on a kernel's TCP/IP: {@code KernelChannels.provider(kernel).openSocketChannel()}
 * gives a {@link java.nio.channels.SocketChannel} whose bytes travel through the kernel's sockets,
 * with the kernel's addresses, and {@code openSelector()} a selector that waits with the kernel's
 * {@code epoll}. Everything goes through the public {@link io.jrump.api.Syscalls} of process 1, so
 * the channels work for any kernel with a network component, whatever platform it runs on.
 *
 * <p>Stream, listening and datagram sockets (IPv4) and pipes are offered; a selector's cost follows
 * the ready channels (the kernel's epoll). For the JVM-wide switch see {@link SystemSelectorProvider}.
 */
public final class KernelChannels {
    private KernelChannels() {
    }

    /** A provider whose channels and selectors live in {@code kernel}. */
    public static SelectorProvider provider(RumpKernel kernel) {
        return new KernelSelectorProvider(Objects.requireNonNull(kernel, "kernel"));
    }

    /**
     * {@link java.net.Socket}s on {@code kernel}'s TCP/IP, for code that takes a
     * {@link SocketFactory}. {@code new Socket()} never reaches a kernel: in JDK 17
     * {@code java.net.Socket} does not use the {@link SelectorProvider}, so code that constructs
     * its sockets itself stays on the host's network unless it accepts a factory.
     */
    public static SocketFactory socketFactory(RumpKernel kernel) {
        return new KernelSocketFactory(new KernelSelectorProvider(Objects.requireNonNull(kernel, "kernel")));
    }

    /** {@link java.net.ServerSocket}s on {@code kernel}'s TCP/IP (see {@link #socketFactory}). */
    public static ServerSocketFactory serverSocketFactory(RumpKernel kernel) {
        return new KernelServerSocketFactory(new KernelSelectorProvider(Objects.requireNonNull(kernel, "kernel")));
    }
}
