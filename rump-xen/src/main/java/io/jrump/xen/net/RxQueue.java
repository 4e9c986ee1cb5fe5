package io.jrump.xen.net;

import io.jrump.api.LeasedArrays;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Frames for the frontend that arrive while it has too few rx buffers posted, kept in order
 * until it posts more, as Linux's netback keeps a queue of packets for the guest
 * ({@code rx_queue}, bounded in bytes by {@code rx_queue_max}). Without it, a burst larger than
 * the rx ring (15 GSO packets of 17 slots fill 256) is dropped at once: a TCP sender on an
 * in-memory wire sends a whole window in one burst from its own thread, faster than the
 * frontend's thread takes it, and every such burst cost retransmissions, and sometimes a
 * retransmission timeout, where the bare bus loses nothing. Past {@link #MAX_BYTES} a frame is
 * dropped, as a full queue drops on any link.
 *
 * <p>A queued frame is a copy (the one a frame arrives in is valid only during the delivery
 * call) into memory kept for reuse ({@link LentFrame}). Guarded by the backend's lock.
 */
final class RxQueue {
    /**
     * Bytes queued at most: a window of jrump's default TCP receive buffer (2 MiB), which a
     * sender on an in-memory wire may send in one burst; the ring holds about 1 MiB more.
     */
    static final int MAX_BYTES = 2 << 20;
    /** Frame-sized arrays kept: a burst of small frames of up to a ring. */
    private static final int KEPT_FRAMES = 256;
    /** Arrays of a GSO packet kept: {@link #MAX_BYTES} of them. */
    private static final int KEPT_SEGMENTS = MAX_BYTES / Netif.MAX_RX_PACKET + 1;

    private final ArrayDeque<LentFrame> frames = new ArrayDeque<>();
    private final LeasedArrays small = new LeasedArrays(Netif.MAX_FRAME, KEPT_FRAMES);
    private final LeasedArrays large = new LeasedArrays(Netif.MAX_RX_PACKET, KEPT_SEGMENTS);
    private int bytes;

    /** Queues a copy of {@code f} (index 0 to its limit); false, and nothing queued, when it would pass the bound. */
    boolean offer(ByteBuffer f) {
        int n = f.limit();
        if (bytes + n > MAX_BYTES) {
            return false;
        }
        LentFrame c = LentFrame.take(n <= Netif.MAX_FRAME ? small : large, n);
        c.frame().put(0, f, 0, n);
        frames.addLast(c);
        bytes += n;
        return true;
    }

    boolean isEmpty() {
        return frames.isEmpty();
    }

    /** The oldest frame (index 0 to its limit), or null. */
    ByteBuffer peek() {
        LentFrame c = frames.peekFirst();
        return c == null ? null : c.frame();
    }

    /** Drops the oldest frame (delivered or refused); its memory is free again. */
    void remove() {
        LentFrame c = frames.pollFirst();
        bytes -= c.frame().limit();
        c.drop();
    }

    /** Frames queued. */
    int size() {
        return frames.size();
    }

    /** Drops every frame (the frontend is gone); returns how many. */
    int clear() {
        int n = frames.size();
        while (!frames.isEmpty()) {
            remove();
        }
        return n;
    }
}
