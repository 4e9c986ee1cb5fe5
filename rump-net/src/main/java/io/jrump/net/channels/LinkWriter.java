package io.jrump.net.channels;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;

/**
 * The transmit side of a {@link HostStreamLink}: a queue of framed bytes and one thread that
 * writes them to the host socket, so no caller of {@code transmit} ever blocks on the host.
 *
 * <p>Why a thread of its own: the kernel answers a received frame on the thread that delivers
 * it (an ACK, a window update, data a waiting writer may now send), and that thread is the
 * link's receive thread. Were it to write through the blocking host socket, two JVMs whose
 * host buffers are full both ways would each stop in a write, neither would read any more, and
 * neither buffer would ever drain. A queue that takes frames without waiting breaks that cycle.
 *
 * <p>The queue holds at most {@link #MAX_QUEUED_BYTES}; a frame beyond that is dropped and
 * counted, as a NIC drops what its full transmit ring cannot take: TCP sends it again, and the
 * bound keeps a host connection slower than the kernel from growing the queue without end.
 */
final class LinkWriter {
    /**
     * The most bytes waiting for the host socket. Above one connection's default send window
     * (2 MiB, {@code tcp.sndbuf}) with room for several, so a lone bulk stream never loses a
     * frame here.
     */
    static final int MAX_QUEUED_BYTES = 8 << 20;
    /** Bytes gathered before the buffered stream writes them to the socket. */
    private static final int WRITE_BUFFER = 64 << 10;

    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private final String name;
    private final Runnable onFailure;
    private long queuedBytes;
    private long dropped;
    private boolean closed;

    /** A writer whose thread is named after {@code name}; {@code onFailure} runs once if a write fails. */
    LinkWriter(String name, Runnable onFailure) {
        this.name = name;
        this.onFailure = onFailure;
    }

    /** Starts the thread writing to {@code out}. */
    void start(OutputStream out) {
        Thread t = new Thread(() -> writeLoop(new BufferedOutputStream(out, WRITE_BUFFER)), "jrump-link-tx " + name);
        t.setDaemon(true);
        t.start();
    }

    /** Queues one framed frame; false (and dropped) when the queue is full or closed. Never blocks. */
    synchronized boolean offer(byte[] wire) {
        if (closed) {
            return false;
        }
        if (queuedBytes + wire.length > MAX_QUEUED_BYTES) {
            dropped++;
            return false;
        }
        if (queue.isEmpty()) {
            notifyAll();
        }
        queue.add(wire);
        queuedBytes += wire.length;
        return true;
    }

    /** Frames dropped because the queue was full. */
    synchronized long dropped() {
        return dropped;
    }

    /** Bytes waiting for the host socket. */
    synchronized long queuedBytes() {
        return queuedBytes;
    }

    /** Stops the thread after its current write; queued frames are dropped, as on a pulled cable. */
    synchronized void close() {
        closed = true;
        queue.clear();
        queuedBytes = 0;
        notifyAll();
    }

    /** The next frame, waiting while there is none; null once closed. Flushes before it waits. */
    private byte[] next(OutputStream out) throws IOException, InterruptedException {
        synchronized (this) {
            byte[] w = queue.poll();
            if (w != null || closed) {
                return take(w);
            }
        }
        out.flush(); // nothing more to gather: what is buffered goes out now, outside the lock
        synchronized (this) {
            while (queue.isEmpty() && !closed) {
                wait();
            }
            return take(queue.poll());
        }
    }

    /** With the lock: accounts for a frame leaving the queue. */
    private byte[] take(byte[] w) {
        if (w != null) {
            queuedBytes -= w.length;
        }
        return w;
    }

    private void writeLoop(OutputStream out) {
        try {
            for (byte[] w; (w = next(out)) != null; ) {
                out.write(w);
            }
        } catch (IOException e) {
            boolean wasClosed;
            synchronized (this) {
                wasClosed = closed;
            }
            if (!wasClosed) {
                onFailure.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
