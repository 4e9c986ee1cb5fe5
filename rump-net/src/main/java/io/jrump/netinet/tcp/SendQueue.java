package io.jrump.netinet.tcp;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The segments of one connection on their way from its lock to the IP layer, kept in the order
 * they were built.
 *
 * <p>Design note. A connection builds segments under its lock but must transmit them after
 * releasing it (an in-memory bus delivers into the peer, which may answer into this
 * connection on the same thread). Two threads flush the same connection: the caller's
 * ({@code send}) and the one delivering the peer's ACKs. If each sent its own batch after
 * unlocking, batches would reach the wire swapped, and the peer's PAWS check would drop the
 * late ones, turning reordering into loss. So batches are {@linkplain #add added} under the
 * lock, and {@link #flush} lets exactly one thread at a time transmit from the queue, in
 * order; a thread that finds another flushing leaves its segments to it and returns at
 * once. Nobody blocks, so a delivery that re-enters the connection while the same thread is
 * flushing cannot deadlock: its segments are sent by the outer flush.
 */
final class SendQueue {
    private final ConcurrentLinkedQueue<ByteBuffer> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushing = new AtomicBoolean();

    /** Appends a batch; call with the connection's lock held so batches keep lock order. */
    void add(List<ByteBuffer> batch) {
        queue.addAll(batch);
    }

    /** Drops what has not been sent yet. */
    void clear() {
        queue.clear();
    }

    /**
     * Hands queued segments to {@code out} in order, unless another thread already does.
     * Called without the lock. The loop looks again after clearing the flag: a segment queued
     * between the flusher's last poll and the clearing would otherwise wait for a later flush.
     */
    void flush(Consumer<ByteBuffer> out) {
        while (!queue.isEmpty() && flushing.compareAndSet(false, true)) {
            try {
                ByteBuffer b;
                while ((b = queue.poll()) != null) {
                    out.accept(b);
                }
            } finally {
                flushing.set(false);
            }
        }
    }
}
