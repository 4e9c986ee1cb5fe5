package io.jrump.net.channels;

import io.jrump.api.PollFd;
import java.io.IOException;
import java.net.SocketOption;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.spi.SelectorProvider;
import java.util.Set;

/**
 * What the selector and {@link KernelCalls} need of a kernel channel, whatever its kind: its
 * {@link Descriptor}, how interest ops become {@code poll} events and back, and the channel's
 * {@code begin()}/{@code end()} (protected in the JDK's base class, so each kind passes them on);
 * and what every kind does alike on top of its descriptor (open check, socket options, its name).
 */
interface KernelChannel {
    Descriptor descriptor();

    /** {@code Channel.isOpen()}. */
    boolean isOpen();

    /** {@code SelectableChannel.provider()}: always a {@link KernelSelectorProvider}. */
    SelectorProvider provider();

    default void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    /** {@code setOption} of an open channel of a kind that supports {@code supported}. */
    default <T> void putOption(Set<SocketOption<?>> supported, SocketOption<T> name, T value) throws IOException {
        ensureOpen();
        SocketOptions.set(descriptor().sys, fd(), supported, name, value);
    }

    /** {@code getOption} of an open channel of a kind that supports {@code supported}. */
    default <T> T option(Set<SocketOption<?>> supported, SocketOption<T> name) throws IOException {
        ensureOpen();
        return SocketOptions.get(descriptor().sys, fd(), supported, name);
    }

    /** The channel's {@code toString}: its kind, kernel, descriptor, {@code detail} (may be empty) and whether closed. */
    default String describe(String kind, String detail) {
        return kind + "[" + ((KernelSelectorProvider) provider()).kernelName() + " fd " + fd() + detail
                + (isOpen() ? "" : " closed") + "]";
    }

    default int fd() {
        return descriptor().fd;
    }

    /** The {@code poll} events to ask for, for these interest ops (a kind's valid ops keep out the rest). */
    default int pollEvents(int interestOps) {
        int ev = 0;
        if ((interestOps & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0) {
            ev |= PollFd.POLLIN;
        }
        if ((interestOps & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0) {
            ev |= PollFd.POLLOUT;
        }
        return ev;
    }

    /** The ready ops out of {@code revents}, limited to {@code interestOps}. */
    default int readyOps(int revents, int interestOps) {
        return ready(revents, SelectionKey.OP_READ | SelectionKey.OP_ACCEPT, SelectionKey.OP_WRITE) & interestOps;
    }

    /**
     * {@code inOps} when readable, {@code outOps} when writable; both on an error or hang-up, so
     * the next call on the channel reports it (as the JDK's selectors do).
     */
    static int ready(int revents, int inOps, int outOps) {
        boolean trouble = (revents & (PollFd.POLLERR | PollFd.POLLHUP)) != 0;
        int ready = 0;
        if ((revents & PollFd.POLLIN) != 0 || trouble) {
            ready |= inOps;
        }
        if ((revents & PollFd.POLLOUT) != 0 || trouble) {
            ready |= outOps;
        }
        return ready;
    }

    /**
     * Closes the descriptor once the channel is closed and no selector holds it any more, so a
     * descriptor number is never reused while a selector's epoll set still names it (the JDK's rule).
     */
    default void kill() {
        descriptor().close();
    }

    /** {@code AbstractInterruptibleChannel.begin()}: before a call that may block. */
    void enterBlocking();

    /** {@code AbstractInterruptibleChannel.end(completed)}: after it. */
    void leaveBlocking(boolean completed) throws AsynchronousCloseException;
}
