package io.jrump.kern;

import io.jrump.api.ErrnoException;

/**
 * Creates sockets, as the network component serves them. Registered with
 * {@link io.jrump.api.spi.ComponentContext#register}; without it, {@code socket} answers
 * EAFNOSUPPORT, like a rump kernel linked without rumpnet. Every other socket call goes
 * straight to the {@link SocketFile} behind the descriptor.
 */
public interface SocketCalls {
    /** {@code type} is the plain type; SOCK_NONBLOCK arrives as O_NONBLOCK in {@code statusFlags}. */
    SocketFile socket(Caller caller, int domain, int type, int protocol, int statusFlags) throws ErrnoException;
}
