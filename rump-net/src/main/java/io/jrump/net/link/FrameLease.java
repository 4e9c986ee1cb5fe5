package io.jrump.net.link;

import java.lang.ref.WeakReference;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A count of who still uses memory that a sender lent out as a frame ({@link
 * FrameTaker#transmitTaken}), so the sender can fill the same array again once nobody does,
 * instead of allocating (and the JVM zeroing) a new one per segment: the sender until its data
 * is acknowledged, a memory device while the frame waits for delivery, and a receiver that keeps
 * the frame past the delivery call.
 *
 * <p>Design note. The frame path between a sender and a receiver carries plain
 * {@code ByteBuffer}s through several layers and devices, so a lease is found by the frame's
 * array rather than passed along: the lender registers the array ({@link #lend}), a memory
 * device taking the frame looks it up ({@link #of}) and makes it {@linkplain #delivering() the
 * delivery's} for the length of the synchronous receive call, where a receiver that keeps a view
 * of the frame {@linkplain #retain() retains} it. Devices that copy frames, and wrappers, never
 * look: their frames are not lent memory. Arrays compare by identity, so the registry maps
 * exactly the arrays currently lent; its keys are weak, so a lease that never ends (a frame
 * scheduled in a simulation that is dropped) costs nothing once its array is garbage.
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

    /** Weak: the registry's value must not keep its own key alive. */
    private final WeakReference<byte[]> array;
    private final AtomicInteger users = new AtomicInteger(1);

    private FrameLease(byte[] array) {
        this.array = new WeakReference<>(array);
    }

    /** Registers {@code array} as lent, with the lender as its one user; the lender calls {@link #release()} when done. */
    public static FrameLease lend(byte[] array) {
        FrameLease l = new FrameLease(array);
        shard(array).put(array, l);
        return l;
    }

    /** The lease of a lent array, or null when the array was not lent. */
    public static FrameLease of(byte[] array) {
        return shard(array).get(array);
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
        FrameLease outer = DELIVERING.get();
        DELIVERING.set(lease);
        try {
            delivery.run();
        } finally {
            DELIVERING.set(outer);
            lease.release();
        }
    }

    private static Map<byte[], FrameLease> shard(byte[] array) {
        return LENT[System.identityHashCode(array) & (SHARDS - 1)];
    }

    /** One more user: call {@link #release()} when done with the memory. */
    public FrameLease retain() {
        users.incrementAndGet();
        return this;
    }

    /** One user fewer; the last one unregisters the array. */
    public void release() {
        if (users.decrementAndGet() == 0) {
            byte[] a = array.get();
            if (a != null) {
                shard(a).remove(a, this);
            }
        }
    }

    /** Whether nobody uses the memory any more: the lender may write the array again. */
    public boolean isFree() {
        return users.get() == 0;
    }
}
