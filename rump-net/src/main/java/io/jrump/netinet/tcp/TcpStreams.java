package io.jrump.netinet.tcp;

import io.jrump.api.ErrnoException;
import io.jrump.api.SocketConstants;
import io.jrump.api.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * {@link InputStream} and {@link OutputStream} views of a connected stream socket, for Java
 * code that wants {@code java.io} rather than {@link Syscalls}. They go through the system
 * calls of the process that owns {@code fd}, so blocking, timeouts (SO_RCVTIMEO surfaces as
 * an {@link ErrnoException} EAGAIN) and errors behave exactly as {@code recv}/{@code send}.
 *
 * <p>Closing a stream shuts down its direction only ({@code SHUT_RD} / {@code SHUT_WR}, so
 * closing the output sends a FIN while the input still reads the reply); the descriptor
 * stays open until the caller closes it with {@link Syscalls#close}.
 */
public final class TcpStreams {
    private TcpStreams() {
    }

    /** Reads from {@code fd}; -1 at end of stream. */
    public static InputStream input(Syscalls sys, int fd) {
        Objects.requireNonNull(sys, "sys");
        return new InputStream() {
            private boolean closed;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                if (closed) {
                    throw new IOException("stream closed");
                }
                if (len == 0) {
                    return 0;
                }
                int n = sys.recv(fd, ByteBuffer.wrap(b, off, len), 0);
                return n == 0 ? -1 : n;
            }

            @Override
            public void close() throws IOException {
                if (!closed) {
                    closed = true;
                    shutdown(sys, fd, SocketConstants.SHUT_RD);
                }
            }
        };
    }

    /** Writes to {@code fd}; every write blocks until all of it is queued for sending. */
    public static OutputStream output(Syscalls sys, int fd) {
        Objects.requireNonNull(sys, "sys");
        return new OutputStream() {
            private boolean closed;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                if (closed) {
                    throw new IOException("stream closed");
                }
                ByteBuffer src = ByteBuffer.wrap(b, off, len);
                while (src.hasRemaining()) {
                    sys.send(fd, src, 0);
                }
            }

            @Override
            public void close() throws IOException {
                if (!closed) {
                    closed = true;
                    shutdown(sys, fd, SocketConstants.SHUT_WR);
                }
            }
        };
    }

    private static void shutdown(Syscalls sys, int fd, int how) throws ErrnoException {
        try {
            sys.shutdown(fd, how);
        } catch (ErrnoException e) {
            if (e.errno() != io.jrump.api.Errno.ENOTCONN) {
                throw e; // already reset or closed by the peer: nothing left to shut down
            }
        }
    }
}
