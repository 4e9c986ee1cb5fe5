package io.jrump.net.channels;

/**
 * What the selector needs of a kernel channel: its descriptor, how interest ops become
 * {@code poll} events and back, and the deferred close of its descriptor.
 */
interface KernelChannel {
    int fd();

    /** The {@code poll} events to ask for, for these interest ops. */
    int pollEvents(int interestOps);

    /** The ready ops out of {@code revents}, limited to {@code interestOps}. */
    int readyOps(int revents, int interestOps);

    /**
     * Closes the descriptor once the channel is closed and no selector holds it any more, so a
     * descriptor number is never reused while a {@code poll} set still names it (the JDK's rule).
     */
    void kill();
}
