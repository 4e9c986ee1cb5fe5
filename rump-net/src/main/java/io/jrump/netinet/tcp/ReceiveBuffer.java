package io.jrump.netinet.tcp;

import io.jrump.api.FrameLease;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Iterator;

/**
 * A connection's receive buffer: in-order bytes from the application's read point, then room
 * for out-of-order bytes parked until the hole before them fills.
 *
 * <p>In-order bytes are either <em>held</em>, large segments kept as read-only views of the
 * frames they arrived in, or copied into a {@link ByteRing}, which also keeps the parked bytes
 * beyond its in-order ones. Holding saves the receiver's copy of a large segment: {@link #read}
 * copies straight from the frame into the reader's buffer. It is allowed only when the caller
 * knows the bytes never change (frames from an in-memory device, see
 * {@link io.jrump.net.link.FrameTaker}). Held and copied bytes interleave in stream order: each
 * held segment remembers how many of the ring's bytes come before it, so a small segment
 * copied between large ones (the tail of a write) does not stop the ones after it from being
 * held.
 *
 * <p>Held bytes count against the capacity like copied ones, so the window advertised from
 * {@link #free()} bounds both.
 */
final class ReceiveBuffer {
    /**
     * Smallest segment held by reference. A held segment costs, besides its bytes, its entry and
     * view (about 80 bytes) and its frame's headers and padding, all outside the window's
     * accounting; from 8 KiB up that is under 2% of the bytes, and a full buffer holds at most
     * capacity / 8 KiB segments. Smaller segments (MTU 1500 sizes, requests) are copied: their
     * copy is cheap, and holding them would cost relatively more memory than it accounts for.
     */
    static final int HOLD_MIN = 8 << 10;

    /** A held segment, the number of the ring's in-order bytes read before it, and the lease on its memory when it was lent. */
    private static final class Held {
        final ByteBuffer view;
        int ringBefore;
        /** Retained while held: the sender fills the memory again only after {@link #done()}. */
        final FrameLease lease;

        Held(ByteBuffer view, int ringBefore, FrameLease lease) {
            this.view = view;
            this.ringBefore = ringBefore;
            this.lease = lease;
        }

        void done() {
            if (lease != null) {
                lease.release();
            }
        }
    }

    private final int capacity;
    /**
     * Null until a segment is held: an empty deque costs about 100 bytes, and most connections
     * (idle ones, those on wrapped or external devices) never hold one.
     */
    private ArrayDeque<Held> held;
    private int heldBytes;
    private final ByteRing ring;
    /** The ring's in-order bytes after the last held segment (all of them when none is held). */
    private int ringTail;

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
     * in-order bytes and consumes it. With {@code mayHold} a segment of at least
     * {@link #HOLD_MIN} bytes is held; anything else is copied into the ring. {@code mayHold} is
     * the caller's promise that the bytes never change and that nothing is parked: a held
     * segment moves RCV.NXT without moving the ring's in-order end, the point parked offsets
     * count from.
     *
     * @return whether the bytes were held
     */
    boolean append(ByteBuffer src, boolean mayHold) {
        int n = src.remaining();
        if (mayHold && n >= HOLD_MIN) {
            if (held == null) {
                held = new ArrayDeque<>();
            }
            // a frame of lent memory is being delivered: keep its memory from being refilled
            FrameLease lease = FrameLease.delivering();
            held.addLast(new Held(src.asReadOnlyBuffer(), ringTail, lease == null ? null : lease.retain()));
            ringTail = 0;
            heldBytes += n;
            src.position(src.limit());
            return true;
        }
        ringTail += ring.append(src);
        return false;
    }

    /** Parks {@code n} bytes of {@code src}, {@code rel} bytes beyond RCV.NXT: out-of-order data. */
    void park(int rel, ByteBuffer src, int n) {
        ring.putAt(ring.size() + rel, src, n);
    }

    /** Counts {@code n} parked bytes right after the in-order ones as in order: a hole was filled. */
    void extend(int n) {
        ring.extend(n);
        ringTail += n;
    }

    /**
     * Moves up to {@code dst.remaining()} in-order bytes into {@code dst} in stream order;
     * {@code peek} leaves them. Returns how many.
     */
    int read(ByteBuffer dst, boolean peek) {
        int got = 0;
        int ringOff = 0; // ring bytes peeked so far
        Iterator<Held> it = held == null ? Collections.emptyIterator() : held.iterator();
        while (it.hasNext() && dst.hasRemaining()) {
            Held h = it.next();
            int n = copyFromRing(ringOff, dst, Math.min(h.ringBefore, dst.remaining()), peek);
            got += n;
            if (peek) {
                ringOff += n;
            } else {
                h.ringBefore -= n;
            }
            ByteBuffer v = h.view;
            n = Math.min(v.remaining(), dst.remaining());
            dst.put(dst.position(), v, v.position(), n).position(dst.position() + n);
            got += n;
            if (!peek) {
                v.position(v.position() + n);
                heldBytes -= n;
                if (!v.hasRemaining()) {
                    it.remove();
                    h.done();
                }
            }
        }
        int n = copyFromRing(ringOff, dst, Math.min(ringTail, dst.remaining()), peek);
        if (!peek) {
            ringTail -= n;
        }
        return got + n;
    }

    /** Copies {@code n} of the ring's bytes from {@code off} into {@code dst}, and drops them unless {@code peek}. */
    private int copyFromRing(int off, ByteBuffer dst, int n, boolean peek) {
        if (n > 0) { // the ring's array exists only once something was copied
            ring.copyOut(off, dst, n);
            if (!peek) {
                ring.skip(n);
            }
        }
        return n;
    }

    /** Drops every in-order byte (shut down for reading); parked bytes stay where they are. */
    void discard() {
        dropHeld();
        heldBytes = 0;
        ring.skip(ring.size());
        ringTail = 0;
    }

    private void dropHeld() {
        if (held != null) {
            held.forEach(Held::done);
        }
        held = null;
    }

    /** Frees everything, held frames and the ring's array (the connection is gone). */
    void release() {
        dropHeld();
        heldBytes = 0;
        ring.release();
        ringTail = 0;
    }
}
