package io.jrump.net.channels;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;

/**
 * How every kernel channel makes its system calls, in one place: errno becomes the exception the
 * JDK's channels throw ({@link Errnos#map}), a closed kernel a {@code ClosedChannelException},
 * and a call that may block is bracketed by the channel's {@code begin()}/{@code end()}, so an
 * interrupt closes the channel and ends the call with {@code ClosedByInterruptException}
 * (interrupt status kept), and a close from another thread ends it with
 * {@code AsynchronousCloseException} — closing the descriptor (or shutting the socket down)
 * wakes the kernel call, which then fails or reads the end of the stream. A blocked call that
 * fails because its kernel closed meanwhile ends with {@code AsynchronousCloseException} too.
 */
final class KernelCalls {
    /** What {@link #blocking} answers for EAGAIN when the caller gives no other value. */
    static final int AGAIN = -2;

    private KernelCalls() {
    }

    @FunctionalInterface
    interface IntCall {
        int run() throws ErrnoException;
    }

    @FunctionalInterface
    interface Call<T> {
        T run() throws ErrnoException;
    }

    @FunctionalInterface
    interface VoidCall {
        void run() throws ErrnoException;
    }

    /**
     * A call that may block. EAGAIN answers {@code again}. With {@code zeroIsEnd}, a result of 0
     * is the end of the stream, which on a channel closed meanwhile is that close, not data.
     */
    static int blocking(KernelChannel ch, int again, boolean zeroIsEnd, IntCall call) throws IOException {
        boolean done = false;
        try {
            ch.enterBlocking();
            int n = call.run();
            done = !zeroIsEnd || n != 0;
            if (!done && provider(ch).kernelClosed()) {
                throw closedUnder(null); // the kernel's close ended the stream, not the peer
            }
            return n;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EAGAIN) {
                done = true;
                return again;
            }
            if (provider(ch).kernelClosed()) {
                throw closedUnder(e); // its sockets abort with ECONNABORTED
            }
            throw Errnos.map(e);
        } catch (KernelClosedException e) {
            throw Errnos.closed(e);
        } finally {
            ch.leaveBlocking(done);
        }
    }

    private static KernelSelectorProvider provider(KernelChannel ch) {
        return (KernelSelectorProvider) ch.provider();
    }

    /**
     * The kernel closed under a blocked call (which then failed, or read an end of stream the
     * teardown made): to the caller that is an asynchronous close of the channel, as the JDK
     * reports one.
     */
    private static AsynchronousCloseException closedUnder(ErrnoException cause) {
        AsynchronousCloseException c = new AsynchronousCloseException();
        if (cause != null) {
            c.initCause(cause);
        }
        return c;
    }

    /** A call that does not block. */
    static <T> T now(Call<T> call) throws IOException {
        try {
            return call.run();
        } catch (ErrnoException e) {
            throw Errnos.map(e);
        } catch (KernelClosedException e) {
            throw Errnos.closed(e);
        }
    }

    static void run(VoidCall call) throws IOException {
        now(() -> {
            call.run();
            return null;
        });
    }

    /** Closes a descriptor whatever happens: a close error leaves nothing to do, a closed kernel has closed it already. */
    static void closeQuietly(io.jrump.api.Syscalls sys, int fd) {
        try {
            sys.close(fd);
        } catch (ErrnoException | KernelClosedException ignored) {
            // the descriptor is gone either way
        }
    }
}
