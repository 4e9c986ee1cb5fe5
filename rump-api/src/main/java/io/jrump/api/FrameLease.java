package io.jrump.api;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A count of who still uses memory that a sender lent out as a frame
 * ({@link NetDevice#transmitTaken}), so the sender can fill the same array again once nobody
 * does, instead of allocating (and the JVM zeroing) a new one per frame: the sender until its
 * data is acknowledged, a memory device while the frame waits for delivery, and a receiver that
 * keeps the frame past the delivery call. It sits in the API, below the network stack and the
 * platforms alike, because lenders live on both sides of a device: the stack's TCP lends its
 * send buffers, and a platform's backend (Xen's netback) lends the buffers it copies a guest's
 * packets into before it hands them to the wire.
 *
 * <p>Design note. The frame path between a sender and a receiver carries plain
 * {@code ByteBuffer}s through several layers and devices, so a lease is found by the frame's
 * array rather than passed along: an array's lease is made and registered once
 * ({@link #forArray}), the lender opens a loan on it for every frame ({@link #lend()}), a memory
 * device taking the frame looks it up ({@link #of}) and makes it {@linkplain #delivering() the
 * delivery's} for the length of the synchronous receive call, where a receiver that keeps a view
 * of the frame {@linkplain #retain() retains} it. A lender that hands its frame straight to a
 * device that accepts a lease with it (the network stack's {@code FrameTaker}) passes the lease
 * along instead, and one whose frame passes layers that carry plain buffers first (TCP's
 * segments pass IP and the interface; a backend's pass its sink and the wire's device) names
 * the frame's array and lease for the length of that call ({@link #startSending}), where
 * {@link #of} finds them without the registry: the registry lookup is left for frames sent
 * later from elsewhere (a datagram held for address resolution). Devices that copy frames, and
 * wrappers, never look: their frames are not lent memory. A device that keeps a taken frame
 * past the call must retain the frame's lease when {@link #of} names one.
 *
 * <p>Lenders recycle their arrays (those that allocate arrays just for frames keep them in
 * {@link LeasedArrays}), so a lease lives as long as its array and is lent again and again: the
 * registry is written once per array, not once per frame (a registry write per frame, with a
 * weak reference each, cost more than the copy it saved). Arrays compare by identity;
 * the registry's keys are weak, so an array that is dropped (a frame scheduled in a simulation
 * that never runs, a chunk its connection let go) costs nothing once it is garbage, and the
 * lease holds no reference to its array.
 */
public final class FrameLease {
    /** Registry shards, chosen by the array's identity hash, so streams in many kernels do not contend on one lock. */
    private static final int SHARDS = 16;
    @SuppressWarnings("unchecked")
    private static final Map<byte[], FrameLease>[] LENT = new Map[SHARDS];

    static {
        for (int i = 0; i < SHARDS; i++) {
            LENT[i] = Collections.synchronizedMap(new WeakHashMap<>());
        }
    }
    private static final ThreadLocal<FrameLease> DELIVERING = new ThreadLocal<>();
    /** The lent frame memory the calling thread is sending ({@link #startSending}), innermost last. */
    private static final ThreadLocal<Sends> SENDING = ThreadLocal.withInitial(Sends::new);

    /**
     * A thread's arrays being sent with their leases, as a stack: a send started within a send
     * (a delivery on an in-memory bus answering on the same thread) names its own array on
     * top. Kept per thread and reused, so naming a segment's memory allocates nothing.
     */
    private static final class Sends {
        byte[][] arrays = new byte[4][];
        FrameLease[] leases = new FrameLease[4];
        int depth;
    }

    /** Users of the memory: 0 while the lender may write it. */
    private final AtomicInteger users = new AtomicInteger();

    private FrameLease() {
    }

    /** The lease of {@code array}, made and registered on the first call; free until {@link #lend()}. Only the array's owner calls this. */
    public static FrameLease forArray(byte[] array) {
        Map<byte[], FrameLease> shard = shard(array);
        synchronized (shard) {
            return shard.computeIfAbsent(array, a -> new FrameLease());
        }
    }

    /**
     * Opens a loan of the memory, with the lender as its one user, who calls {@link #release()}
     * when done. The memory must be {@linkplain #isFree() free}: nobody may still use a frame of
     * an earlier loan.
     */
    public FrameLease lend() {
        if (!users.compareAndSet(0, 1)) {
            throw new IllegalStateException("memory lent again while in use by " + users.get());
        }
        return this;
    }

    /**
     * A lease that is not registered, for memory whose frames go only to devices that are given
     * the lease with them, or only while {@link #startSending} names it: nobody looks it up in
     * the registry, so the registry need not know it. Free until {@link #lend()}.
     */
    public static FrameLease passedAlong() {
        return new FrameLease();
    }

    /**
     * The lease of an array lent now, or null when the array was not lent (or its loan ended):
     * the one {@linkplain #sending being sent} on this thread when it is that array, else the
     * registered one.
     */
    public static FrameLease of(byte[] array) {
        Sends s = SENDING.get();
        int top = s.depth - 1;
        FrameLease l = top >= 0 && s.arrays[top] == array ? s.leases[top] : shard(array).get(array);
        return l == null || l.isFree() ? null : l;
    }

    /**
     * Runs {@code send}, which hands a frame in {@code array}, lent under {@code lease} (null:
     * not lent, the sender's own new buffer), down to a device through layers that carry plain
     * buffers: while it runs, {@link #of} answers {@code lease} for {@code array} without a
     * registry lookup. A send started within (a delivery on an in-memory bus answering on the
     * same thread) names its own array, and this one is named again when it returns.
     */
    public static void sending(byte[] array, FrameLease lease, Runnable send) {
        int mark = startSending(array, lease);
        try {
            send.run();
        } finally {
            endSending(mark);
        }
    }

    /**
     * What {@link #sending} does around its {@code Runnable}, for a sender that runs the send
     * itself (TCP, once per segment): from now until {@link #endSending}, {@link #of} answers
     * {@code lease} for {@code array} on this thread. Returns the mark to hand to
     * {@link #endSending} in a {@code finally}. Allocates nothing.
     */
    public static int startSending(byte[] array, FrameLease lease) {
        Sends s = SENDING.get();
        int d = s.depth;
        if (d == s.arrays.length) {
            s.arrays = java.util.Arrays.copyOf(s.arrays, d * 2);
            s.leases = java.util.Arrays.copyOf(s.leases, d * 2);
        }
        s.arrays[d] = array;
        s.leases[d] = lease;
        s.depth = d + 1;
        return d;
    }

    /** Ends what {@link #startSending} began (and any send started within it): the array named before is named again. */
    public static void endSending(int mark) {
        Sends s = SENDING.get();
        for (int i = mark; i < s.depth; i++) {
            s.arrays[i] = null; // no reference to a recycled array outlives its send
            s.leases[i] = null;
        }
        s.depth = mark;
    }

    /** The lease of the frame a memory device is delivering on this thread, or null. */
    public static FrameLease delivering() {
        return DELIVERING.get();
    }

    /** Runs {@code delivery} with {@code lease} as the {@linkplain #delivering() delivering} lease, then drops the device's use of it. */
    public static void deliver(FrameLease lease, Runnable delivery) {
        if (lease == null) {
            delivery.run();
            return;
        }
        FrameLease outer = lease.startDelivery();
        try {
            delivery.run();
        } finally {
            lease.endDelivery(outer);
        }
    }

    /**
     * Makes this the {@linkplain #delivering() delivering} lease of the calling thread, as
     * {@link #deliver} does, for a device that runs the delivery itself; returns the lease it
     * replaces, to be handed to {@link #endDelivery} in a {@code finally}.
     */
    public FrameLease startDelivery() {
        FrameLease outer = DELIVERING.get();
        DELIVERING.set(this);
        return outer;
    }

    /** Ends what {@link #startDelivery} began: {@code outer} delivers again, and the device's use of this memory ends. */
    public void endDelivery(FrameLease outer) {
        DELIVERING.set(outer);
        release();
    }

    private static Map<byte[], FrameLease> shard(byte[] array) {
        return LENT[System.identityHashCode(array) & (SHARDS - 1)];
    }

    /** One more user: call {@link #release()} when done with the memory. */
    public FrameLease retain() {
        users.incrementAndGet();
        return this;
    }

    /** One user fewer; after the last, the lender may write the memory again. */
    public void release() {
        users.decrementAndGet();
    }

    /** Whether nobody uses the memory any more: the lender may write the array again. */
    public boolean isFree() {
        return users.get() == 0;
    }
}
