package io.jrump.netinet.tcp;

import java.util.ArrayList;
import java.util.List;
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
final class SendQueue<T> {
    /** Segments added and not yet taken by a flusher, in order (guarded by this). */
    private ArrayList<T> queued = new ArrayList<>(8);
    /** The flusher's batch, swapped with {@link #queued}: one lock round per batch, not per segment. */
    private ArrayList<T> spare = new ArrayList<>(8);
    /** Whether a thread is transmitting (guarded by this). */
    private boolean flushing;

    /** Appends a batch; call with the connection's lock held so batches keep lock order. */
    synchronized void add(List<T> batch) {
        queued.addAll(batch);
    }

    /** Drops what has not been sent yet. */
    synchronized void clear() {
        queued.clear();
    }

    /**
     * Hands queued segments to {@code out} in order, unless another thread already does.
     * Called without the lock. The flusher takes everything queued at once and looks again
     * before it lets go: a segment queued meanwhile would otherwise wait for a later flush.
     */
    void flush(Consumer<T> out) {
        ArrayList<T> batch;
        synchronized (this) {
            if (flushing || queued.isEmpty()) {
                return;
            }
            flushing = true;
            batch = take();
        }
        boolean done = false;
        try {
            while (true) {
                for (int i = 0; i < batch.size(); i++) {
                    out.accept(batch.get(i));
                }
                batch.clear();
                synchronized (this) {
                    spare = batch;
                    if (queued.isEmpty()) {
                        flushing = false;
                        done = true;
                        return;
                    }
                    batch = take();
                }
            }
        } finally {
            if (!done) {
                batch.clear();
                synchronized (this) {
                    spare = batch;
                    flushing = false;
                }
            }
        }
    }

    /** The queued segments, leaving an empty list in their place. Lock held. */
    private ArrayList<T> take() {
        ArrayList<T> batch = queued;
        queued = spare;
        spare = null;
        return batch;
    }
}
