package io.jrump.net.channels;

import java.nio.channels.AsynchronousCloseException;

/**
 * What the selector and {@link KernelCalls} need of a kernel channel: its descriptor, how
 * interest ops become {@code poll} events and back, the deferred close of its descriptor, and
 * the channel's {@code begin()}/{@code end()} (protected in the JDK's base class).
 */
interface KernelChannel {
    int fd();

    /** The {@code poll} events to ask for, for these interest ops. */
    int pollEvents(int interestOps);

    /** The ready ops out of {@code revents}, limited to {@code interestOps}. */
    int readyOps(int revents, int interestOps);

    /**
     * Closes the descriptor once the channel is closed and no selector holds it any more, so a
     * descriptor number is never reused while a selector's epoll set still names it (the JDK's rule).
     */
    void kill();

    /** {@code AbstractInterruptibleChannel.begin()}: before a call that may block. */
    void enterBlocking();

    /** {@code AbstractInterruptibleChannel.end(completed)}: after it. */
    void leaveBlocking(boolean completed) throws AsynchronousCloseException;
}
