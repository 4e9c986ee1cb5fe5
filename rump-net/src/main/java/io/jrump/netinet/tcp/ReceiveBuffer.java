package io.jrump.netinet.tcp;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * A connection's receive buffer: in-order bytes from the application's read point, then room
 * for out-of-order bytes parked until the hole before them fills.
 *
 * <p>It has two parts, read in this order: segments <em>held</em>, kept as read-only views of
 * the frames they arrived in, and a {@link ByteRing} with copied in-order bytes followed by the
 * parked ones. Holding saves the receiver's copy of a large segment: {@link #read} copies
 * straight from the frame into the reader's buffer. It is allowed only when the caller knows
 * the bytes never change (frames from an in-memory device, see
 * {@link io.jrump.net.dev.FrameTaker}) and only while the ring has no in-order bytes, so the
 * held segments always come before everything in the ring, and the ring's in-order end stays
 * at RCV.NXT, the point parked offsets count from.
 *
 * <p>Held bytes count against the capacity like copied ones, so the window advertised from
 * {@link #free()} bounds both.
 */
final class ReceiveBuffer {
    /**
     * Smallest segment held by reference. A held segment costs, besides its bytes, its view
     * (about 50 bytes), its deque slot and its frame's headers and padding, all outside the
     * window's accounting; from 8 KiB up that is under 2% of the bytes, and a full buffer holds
     * at most capacity / 8 KiB segments. Smaller segments (MTU 1500 sizes, requests) are
     * copied: their copy is cheap, and holding them would cost relatively more memory than it
     * accounts for.
     */
    static final int HOLD_MIN = 8 << 10;

    private final int capacity;
    private final ArrayDeque<ByteBuffer> held = new ArrayDeque<>();
    private int heldBytes;
    private final ByteRing ring;

    ReceiveBuffer(int capacity) {
        this.capacity = capacity;
        this.ring = new ByteRing(capacity);
    }

    int capacity() {
        return capacity;
    }

    /** In-order bytes waiting to be read, held and copied. */
    int size() {
        return heldBytes + ring.size();
    }

    /** Room left from RCV.NXT on: what the window may offer. */
    int free() {
        return capacity - heldBytes - ring.size();
    }

    /**
     * Appends {@code src} (position to limit, which the caller checked fits {@link #free()}) as
     * in-order bytes and consumes it. With {@code mayHold}, the caller's promise that the bytes
     * never change and that nothing is parked, a segment of at least {@link #HOLD_MIN} bytes is
     * held when the ring has no in-order bytes; anything else is copied into the ring.
     *
     * @return whether the bytes were held
     */
    boolean append(ByteBuffer src, boolean mayHold) {
        int n = src.remaining();
        if (mayHold && n >= HOLD_MIN && ring.size() == 0) {
            held.addLast(src.asReadOnlyBuffer());
            heldBytes += n;
            src.position(src.limit());
            return true;
        }
        ring.append(src);
        return false;
    }

    /** Parks {@code n} bytes of {@code src}, {@code rel} bytes beyond RCV.NXT: out-of-order data. */
    void park(int rel, ByteBuffer src, int n) {
        ring.putAt(ring.size() + rel, src, n);
    }

    /** Counts {@code n} parked bytes right after the in-order ones as in order: a hole was filled. */
    void extend(int n) {
        ring.extend(n);
    }

    /**
     * Moves up to {@code dst.remaining()} in-order bytes into {@code dst}, held ones first;
     * {@code peek} leaves them. Returns how many.
     */
    int read(ByteBuffer dst, boolean peek) {
        int got = 0;
        Iterator<ByteBuffer> it = held.iterator();
        while (it.hasNext() && dst.hasRemaining()) {
            ByteBuffer h = it.next();
            int n = Math.min(h.remaining(), dst.remaining());
            dst.put(dst.position(), h, h.position(), n).position(dst.position() + n);
            got += n;
            if (!peek) {
                h.position(h.position() + n);
                heldBytes -= n;
                if (!h.hasRemaining()) {
                    it.remove();
                }
            }
        }
        return got + ring.read(dst, peek);
    }

    /** Drops every in-order byte (shut down for reading); parked bytes stay where they are. */
    void discard() {
        held.clear();
        heldBytes = 0;
        ring.skip(ring.size());
    }

    /** Frees everything, held frames and the ring's array (the connection is gone). */
    void release() {
        held.clear();
        heldBytes = 0;
        ring.release();
    }
}
