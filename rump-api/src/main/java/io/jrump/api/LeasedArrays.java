package io.jrump.api;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Arrays a lender of frame memory keeps for reuse, each with its {@link FrameLease}, handed out
 * again only once nobody holds its lease: a copy into recycled memory costs no allocation (and
 * no zeroing by the JVM) per frame, and a receiver that keeps a frame for long never sees it
 * overwritten. Lenders on both sides of a device keep such arrays (software GSO's slabs, a link
 * emulator's frame copies, Xen netback's packet copies), so the rule of when an array may be
 * filled again is written once here, beside the lease it rests on.
 *
 * <p>At most {@code maxKept} arrays of {@code arrayBytes} each are kept, lent or not, so a
 * lender's memory is bounded however long receivers hold its frames. {@link #take} answers the
 * least recently taken kept array whose lease is free, looking at the oldest first (with frames
 * delivered in order, the one nobody holds any more), else a new kept array while under the
 * bound, else an array of its own that is not kept: a receiver holding many frames never stalls
 * the lender, it only costs allocations again. A kept array stays kept while it is lent; the
 * lender's loan and the holders' retains decide when it is free, never the lender's bookkeeping.
 *
 * <p>Thread-safe: lenders take under this object's lock, while receivers release leases on their
 * own threads.
 */
public final class LeasedArrays {
    private final int arrayBytes;
    private final int maxKept;
    /** Kept arrays, least recently taken first; guarded by this. */
    private final ArrayDeque<Taken> kept = new ArrayDeque<>();

    /** Keeps at most {@code maxKept} arrays of {@code arrayBytes} each (none for a bound of 0). */
    public LeasedArrays(int arrayBytes, int maxKept) {
        if (arrayBytes < 0 || maxKept < 0) {
            throw new IllegalArgumentException("arrays of " + arrayBytes + " bytes, at most " + maxKept + " kept");
        }
        this.arrayBytes = arrayBytes;
        this.maxKept = maxKept;
    }

    /**
     * An array of at least {@code bytes}: a kept one with its lease {@linkplain FrameLease#lend()
     * lent} to the caller, who {@linkplain Taken#release() releases} it once it has passed the
     * frames on, or, past the bound or larger than the kept arrays, a new array of exactly
     * {@code bytes} that is not kept. Its old bytes are the last frames it held (or zeros).
     */
    public Taken take(int bytes) {
        if (bytes > arrayBytes) {
            return new Taken(new byte[bytes], null);
        }
        synchronized (this) {
            Taken t = free();
            if (t == null) {
                if (kept.size() >= maxKept) {
                    return new Taken(new byte[bytes], null);
                }
                t = new Taken(new byte[arrayBytes], FrameLease.passedAlong());
            }
            kept.addLast(t);
            t.lease.lend();
            return t;
        }
    }

    /** The least recently taken kept array nobody holds, removed from the queue; null if every one is held. */
    private Taken free() {
        Taken oldest = kept.peekFirst();
        if (oldest == null) {
            return null;
        }
        if (oldest.lease.isFree()) {
            return kept.pollFirst(); // the usual answer, without a scan
        }
        for (Iterator<Taken> it = kept.iterator(); it.hasNext(); ) {
            Taken k = it.next();
            if (k.lease.isFree()) {
                it.remove();
                return k;
            }
        }
        return null;
    }

    /** The size of the kept arrays: larger requests get arrays that are not kept. */
    public int arrayBytes() {
        return arrayBytes;
    }

    /** How many arrays are kept now, lent or not. */
    public synchronized int kept() {
        return kept.size();
    }

    /**
     * An array {@link #take} handed out: a kept one, the same object every time it is taken (so
     * a take that reuses an array allocates nothing), with its lease lent to the taker; or one
     * that is not kept, with no lease, which nobody fills again, so whoever gets its frames may
     * keep them without retaining anything.
     */
    public static final class Taken {
        private final byte[] array;
        private final FrameLease lease;

        private Taken(byte[] array, FrameLease lease) {
            this.array = array;
            this.lease = lease;
        }

        public byte[] array() {
            return array;
        }

        /** The lease lent to the taker, to pass along with the frames; null when the array is not kept (frames in it are not lent). */
        public FrameLease lease() {
            return lease;
        }

        /** Whether the array is kept, and so filled again once its lease is free. */
        public boolean kept() {
            return lease != null;
        }

        /** Ends the taker's loan, once, when the frames are passed on or dropped; nothing for an array that is not kept. */
        public void release() {
            if (lease != null) {
                lease.release();
            }
        }
    }
}
