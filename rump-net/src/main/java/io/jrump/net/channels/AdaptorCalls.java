package io.jrump.net.channels;

import java.io.Closeable;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NetworkChannel;

/**
 * What the {@code java.net} views of kernel channels ({@link SocketAdaptor},
 * {@link ServerSocketAdaptor}, {@link DatagramSocketAdaptor}) share: {@code java.net} reports everything as a
 * {@link SocketException}, where the channel beneath throws {@code ClosedChannelException} or
 * another {@link IOException}, and checks {@code SO_TIMEOUT} the same way for both kinds; and the
 * socket factories set a new view up ({@link #setUp}) the same way.
 */
final class AdaptorCalls {
    /** The message {@code java.net} gives for any call on a closed socket. */
    static final String CLOSED = "Socket is closed";

    private AdaptorCalls() {
    }

    /** A closed channel as {@code java.net} reports it. */
    static SocketException closed(ClosedChannelException e) {
        SocketException s = new SocketException(CLOSED);
        s.initCause(e);
        return s;
    }

    static void ensureNotClosed(boolean closed) throws SocketException {
        if (closed) {
            throw new SocketException(CLOSED);
        }
    }

    /** A valid {@code SO_TIMEOUT} for a socket not closed: the timeout itself. */
    static int soTimeout(boolean closed, int timeout) throws SocketException {
        ensureNotClosed(closed);
        if (timeout < 0) {
            throw new IllegalArgumentException("timeout < 0");
        }
        return timeout;
    }

    /** A buffer size {@code java.net} accepts (positive), else {@link IllegalArgumentException} with its {@code message}. */
    static int bufferSize(int size, String message) {
        if (size <= 0) {
            throw new IllegalArgumentException(message);
        }
        return size;
    }

    static <T> void set(NetworkChannel ch, SocketOption<T> name, T value) throws SocketException {
        try {
            ch.setOption(name, value);
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            throw asSocketException(e);
        }
    }

    static <T> T get(NetworkChannel ch, SocketOption<T> name) throws SocketException {
        try {
            return ch.getOption(name);
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            throw asSocketException(e);
        }
    }

    static SocketException asSocketException(IOException e) {
        SocketException s = new SocketException(e.getMessage());
        s.initCause(e);
        return s;
    }

    /** A step that readies a new socket (bind, connect). */
    @FunctionalInterface
    interface Step<S> {
        void run(S socket) throws IOException;
    }

    /** {@code socket} after {@code step}; closed if the step fails, so a factory leaks no channel. */
    static <S extends Closeable> S setUp(S socket, Step<S> step) throws IOException {
        try {
            step.run(socket);
            return socket;
        } catch (IOException | RuntimeException e) {
            try {
                socket.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }
}
