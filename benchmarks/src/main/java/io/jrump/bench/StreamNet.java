package io.jrump.bench;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Somewhere to open TCP connections: jrump kernels ({@link RumpStreamNet}) or the host's own
 * stack through the JDK ({@link JdkStreamNet}). The TCP workloads ({@link TcpWorkloads}) are
 * written once against this interface, so jrump and its peer run the very same loop.
 */
interface StreamNet extends Closeable {
    /** A listening socket, from which the workloads also open their client connections. */
    interface Listener extends Closeable {
        /** Waits for the next connection. */
        Conn accept() throws IOException;

        /** Opens a client connection to this listener. */
        Conn connect() throws IOException;
    }

    /** One end of an established connection, blocking. */
    interface Conn extends Closeable {
        /** Reads what is there (at least one byte), or -1 at end of stream. */
        int read(ByteBuffer dst) throws IOException;

        /** Writes all of {@code src}. */
        void writeFully(ByteBuffer src) throws IOException;

        /** Sends FIN, keeps reading. */
        void shutdownOutput() throws IOException;

        /** Turns Nagle's algorithm off (TCP_NODELAY). */
        void noDelay() throws IOException;
    }

    /**
     * Listen backlog of both stacks: Linux's default {@code net.core.somaxconn}, which jrump's
     * {@code tcp.somaxconn} copies. A burst of connections that outruns the accepting thread
     * (a client on one core, the server sharing the other with timer and JIT threads) has a
     * full backlog's slack before SYNs are dropped and the client waits out a one-second
     * retransmission.
     */
    int BACKLOG = 4096;

    /** A new listening socket. */
    Listener listen() throws IOException;

    /** A buffer of the kind this stack reads and writes fastest (direct for the JDK). */
    ByteBuffer buffer(int size);

    /** Releases the kernels or sockets behind this network. */
    @Override
    void close();
}
