package io.jrump.xen.net;

import io.jrump.api.FrameLease;
import io.jrump.api.LeasedArrays;
import java.nio.ByteBuffer;

/**
 * A packet netback copied into memory it keeps for reuse ({@link LeasedArrays}, one set per size
 * class): a transmitted packet it hands to its wire, or a received one it queues for a frontend
 * short of rx buffers ({@link RxQueue}). The memory is lent under its {@link FrameLease} for
 * every packet, so a packet costs a copy but no allocation: a new 64 KiB array per GSO packet
 * cost more than the copy itself (the JVM zeroes it, and a young generation that never stays in
 * the cache is written twice). A device or receiver that keeps the frame past the hand-over (a
 * bus port until delivery, TCP holding a large segment in its receive buffer) retains the
 * lease, and the array is filled again only once the lease is free. When every kept array is
 * still in use, a packet gets an array of its own, not lent ({@code lease} null), which the
 * garbage collector takes as before: a receiver that holds frames for long never stalls the
 * backend, it only costs allocations again.
 *
 * @param frame the packet, from index 0 to its length
 * @param lease the loan the backend holds on the memory until it has passed the frame on; null for an array of its own
 */
record LentFrame(ByteBuffer frame, FrameLease lease) {
    /** A frame of {@code length} bytes (at most the kept arrays' size) in memory from {@code arrays}, its loan opened. */
    static LentFrame take(LeasedArrays arrays, int length) {
        LeasedArrays.Taken memory = arrays.take(length);
        return new LentFrame(ByteBuffer.wrap(memory.array(), 0, length), memory.lease());
    }

    /**
     * Passes the frame on with {@code send}, its array and lease named for the length of the
     * call ({@link FrameLease#sending}) so that a device keeping the frame retains the lease,
     * then ends the backend's loan.
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

    /** Ends the backend's loan without passing the frame on (it was refused, or nobody takes it). */
    void drop() {
        if (lease != null) {
            lease.release();
        }
    }
}
