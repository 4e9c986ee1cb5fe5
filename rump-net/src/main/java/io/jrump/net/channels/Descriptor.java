package io.jrump.net.channels;

import io.jrump.api.Fcntl;
import io.jrump.api.KernelClosedException;
import io.jrump.api.OpenFlags;
import io.jrump.api.Syscalls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.function.BooleanSupplier;

/**
 * A channel's kernel descriptor, the calls every kind of channel makes on it alike (blocking
 * mode, bind, local address), and its one close: the channel closes it when it is closed and no
 * selector holds it any more ({@link KernelChannel#kill}), whichever comes last.
 */
final class Descriptor {
    final Syscalls sys;
    final int fd;
    /** Guarded by this: the descriptor was closed (the number may belong to another file now). */
    private boolean closed;

    Descriptor(Syscalls sys, int fd) {
        this.sys = sys;
        this.fd = fd;
    }

    /** Sets or clears the descriptor's O_NONBLOCK: the channel's blocking mode. */
    void nonBlocking(boolean on) throws IOException {
        KernelCalls.run(() -> {
            int flags = sys.fcntl(fd, Fcntl.F_GETFL, 0);
            sys.fcntl(fd, Fcntl.F_SETFL, on ? flags | OpenFlags.O_NONBLOCK : flags & ~OpenFlags.O_NONBLOCK);
        });
    }

    /** Binds the socket; {@code null} is any address and an ephemeral port, as the JDK's {@code bind(null)}. */
    void bind(SocketAddress local) throws IOException {
        InetSocketAddress a = local == null ? new InetSocketAddress(0) : Errnos.inet(local);
        KernelCalls.run(() -> sys.bind(fd, a));
    }

    InetSocketAddress localAddress() throws IOException {
        return KernelCalls.now(() -> sys.getsockname(fd));
    }

    /** Closes the descriptor, once; the selector's {@link KernelChannel#kill} and an unregistered channel's close. */
    synchronized void close() {
        if (!closed) {
            closed = true;
            KernelCalls.closeQuietly(sys, fd);
        }
    }

    /**
     * The channel was closed. Unregistered, its descriptor closes now. Registered, the file goes
     * now all the same (which wakes a thread blocked in it, and the peer sees the close), but the
     * descriptor number stays taken by {@code dead} until the selector lets go ({@link #close}):
     * the JDK's own pre-close, a {@code dup2} of a dead file onto the descriptor.
     *
     * <p>Whether the channel is registered is asked under the same lock as {@link #close}: a
     * selector may let go of the last key and close the descriptor between that question and the
     * {@code dup2}, which would then reopen the closed number on the dead file (taken for ever,
     * or taken from a channel opened meanwhile that got the number).
     */
    synchronized void channelClosed(BooleanSupplier registered, KernelSelectorProvider provider) {
        if (closed) {
            return;
        }
        if (!registered.getAsBoolean()) {
            close();
            return;
        }
        try {
            sys.dup2(provider.deadFd(), fd);
        } catch (IOException | KernelClosedException ignored) {
            // no dead file to be had: the kernel is closing, and the file with it
        }
    }
}
