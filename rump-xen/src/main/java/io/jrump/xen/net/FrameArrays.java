package io.jrump.xen.net;

import io.jrump.api.FrameLease;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Memory netback copies packets of one size class into: the transmitted packets it hands to its
 * wire, and the received ones it queues for a frontend short of rx buffers ({@link RxQueue}).
 * Arrays are kept for reuse and lent under a {@link FrameLease} for every packet, so a packet
 * costs a copy but no allocation. A new 64 KiB array per GSO packet cost more than the copy
 * itself (the JVM zeroes it, and a young generation that never stays in the cache is written
 * twice). A device or receiver that keeps the frame past the hand-over (a bus port until
 * delivery, TCP holding a large segment in its receive buffer) retains the lease, and an array
 * is filled again only once its lease is free. When every kept array is still in use, a new
 * one is kept, up to a bound; past it a packet gets an array of its own, not lent, which the
 * garbage collector takes as before. So a receiver that holds frames for long never stalls the
 * backend: it only costs allocations again.
 *
 * <p>Thread-safe: packets are copied under the backend's lock, while the wire releases leases
 * on its delivering threads.
 */
final class FrameArrays {
    private final int capacity;
    private final int maxKept;
    /** Kept arrays, least recently lent first; guarded by this. */
    private final ArrayDeque<Slot> kept = new ArrayDeque<>();

    /** Memory for frames of up to {@code capacity} bytes, keeping at most {@code maxKept} arrays. */
    FrameArrays(int capacity, int maxKept) {
        this.capacity = capacity;
        this.maxKept = maxKept;
    }

    /** An array with its lease, which is lent for every frame copied into it. */
    private static final class Slot {
        final byte[] array;
        final FrameLease lease = FrameLease.passedAlong();

        Slot(int bytes) {
            array = new byte[bytes];
        }
    }

    /** The largest frame this class holds. */
    int capacity() {
        return capacity;
    }

    /**
     * A frame of {@code length} bytes (at most the capacity), its loan opened: the least
     * recently lent kept array that nobody uses any more, else a new kept one, else (all kept
     * and in use) an array of its own, not lent. The caller fills it and ends its loan with
     * {@link Lent#handOver} or {@link Lent#drop}.
     */
    synchronized Lent lend(int length) {
        Slot s = null;
        for (Iterator<Slot> it = kept.iterator(); it.hasNext(); ) {
            Slot k = it.next();
            if (k.lease.isFree()) {
                it.remove();
                s = k;
                break;
            }
        }
        if (s == null) {
            if (kept.size() == maxKept) {
                return new Lent(ByteBuffer.allocate(length), null);
            }
            s = new Slot(capacity);
        }
        kept.addLast(s);
        return new Lent(ByteBuffer.wrap(s.array, 0, length), s.lease.lend());
    }

    /** Arrays kept for reuse. */
    synchronized int kept() {
        return kept.size();
    }

    /** A frame (from index 0) and the lease the sender holds on its memory until it has passed it on; null for an array of its own. */
    record Lent(ByteBuffer frame, FrameLease lease) {
        /**
         * Passes the frame on with {@code send}, its array and lease named for the length of the
         * call ({@link FrameLease#sending}) so that a device keeping the frame retains the lease,
         * then ends the sender's loan.
         */
        void handOver(Runnable send) {
            if (lease == null) {
                send.run();
                return;
            }
            try {
                FrameLease.sending(frame.array(), lease, send);
            } finally {
                lease.release();
            }
        }

        /** Ends the sender's loan without passing the frame on (it was refused, or nobody takes it). */
        void drop() {
            if (lease != null) {
                lease.release();
            }
        }
    }
}
