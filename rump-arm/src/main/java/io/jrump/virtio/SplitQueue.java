package io.jrump.virtio;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * The driver's side of one split virtqueue (virtio 1.2 section 2.7): hands descriptor chains to
 * the device through the available ring and takes them back from the used ring.
 *
 * <p>The free descriptors form a list threaded through a private {@code next} array rather than
 * through the shared table: the device can scribble on shared memory, and the driver's own
 * bookkeeping must survive that. For the same reason every used element is checked against
 * what was issued (an id never issued, an index that jumps by more than the ring holds, a
 * length past the chain's writable bytes): each is a broken device, reported as EIO and
 * remembered, so every later call fails the same way instead of trusting the ring again.
 *
 * <p>Memory ordering (2.7.13): descriptors and the ring slot are written before {@code avail.idx}
 * (a release fence between them); {@code used.idx} is read before the elements it covers (an
 * acquire fence); and after publishing, a full fence orders the index store before the read of
 * the device's suppression state ({@code used.flags} or {@code avail_event}), so a notification
 * is never lost to a device that was just going to sleep.
 *
 * <p>Chains of more than one segment use an indirect table (2.7.5.3) when INDIRECT_DESC was
 * negotiated, one ring slot per request; each head has its own table, allocated with the ring.
 *
 * <p>Not thread-safe: the driver serialises calls (one lock per queue).
 */
public final class SplitQueue {
    private final int index;
    private final GuestMemory mem;
    private final RingLayout ring;
    private final int size;
    private final boolean eventIdx;
    /** Entries per indirect table, 0 when indirect descriptors are not used. */
    private final int indirectMax;
    private final long indirectBase;
    private final int[] next;
    private final Object[] tokens;
    private final int[] chainCount;
    private final int[] writable;
    private int freeHead;
    private int numFree;
    private int availIdx;
    private int kickedIdx;
    private int lastUsed;
    private int outstanding;
    private String broken;

    /**
     * A queue over an already placed ring.
     *
     * @param indirectBase where {@code size} indirect tables of {@code indirectMax} entries lie, or any value when {@code indirectMax} is 0
     */
    public SplitQueue(int index, GuestMemory mem, RingLayout ring, boolean eventIdx, int indirectMax, long indirectBase) {
        if (Integer.bitCount(ring.size()) != 1 || ring.size() > RingLayout.MAX_SIZE) {
            throw new IllegalArgumentException("virtqueue size must be a power of two up to 32768: " + ring.size());
        }
        this.index = index;
        this.mem = mem;
        this.ring = ring;
        this.size = ring.size();
        this.eventIdx = eventIdx;
        this.indirectMax = indirectMax;
        this.indirectBase = indirectBase;
        this.next = new int[size];
        this.tokens = new Object[size];
        this.chainCount = new int[size];
        this.writable = new int[size];
        for (int i = 0; i < size; i++) {
            next[i] = i + 1;
        }
        numFree = size;
        mem.zero(ring.desc(), RingLayout.descBytes(size));
        mem.zero(ring.avail(), RingLayout.availBytes(size));
        mem.zero(ring.used(), RingLayout.usedBytes(size));
    }

    /**
     * Allocates the rings (and indirect tables) of a queue from {@code pool}, in the modern
     * layout, each part page-aligned.
     */
    public static SplitQueue allocate(int index, DmaPool pool, int size, boolean eventIdx, int indirectMax) throws ErrnoException {
        long desc = pool.alloc(RingLayout.descBytes(size));
        long avail = pool.alloc(RingLayout.availBytes(size));
        long used = pool.alloc(RingLayout.usedBytes(size));
        long ind = indirectMax > 0 ? pool.alloc(RingLayout.DESC_SIZE * indirectMax * size) : 0;
        return new SplitQueue(index, pool.memory(), new RingLayout(size, desc, avail, used), eventIdx, indirectMax, ind);
    }

    /** Allocates the legacy contiguous layout (for virtio-mmio version 1, whose only address is a page frame number). */
    public static SplitQueue allocateContiguous(int index, DmaPool pool, int size, int align, boolean eventIdx, int indirectMax)
            throws ErrnoException {
        long base = pool.alloc(RingLayout.contiguousBytes(size, align));
        long ind = indirectMax > 0 ? pool.alloc(RingLayout.DESC_SIZE * indirectMax * size) : 0;
        return new SplitQueue(index, pool.memory(), RingLayout.contiguous(size, base, align), eventIdx, indirectMax, ind);
    }

    public int index() {
        return index;
    }

    public int size() {
        return size;
    }

    public RingLayout layout() {
        return ring;
    }

    public int numFree() {
        return numFree;
    }

    /** Chains the device holds. */
    public int inFlight() {
        return outstanding;
    }

    /** Why the queue is broken, or null. */
    public String brokenReason() {
        return broken;
    }

    /** Descriptors one chain of {@code segments} takes. */
    int descriptorsFor(int segments) {
        return segments > 1 && segments <= indirectMax ? 1 : segments;
    }

    /**
     * Puts a chain on the available ring. Device-readable segments must come before writable ones
     * (2.7.4.2).
     *
     * @return false when there are not enough free descriptors (wait for {@link #poll})
     * @throws ErrnoException EIO when the queue is broken
     */
    public boolean add(List<Segment> segs, Object token) throws ErrnoException {
        checkBroken();
        int n = segs.size();
        if (n == 0 || token == null) {
            throw new IllegalArgumentException("empty chain or no token");
        }
        int needed = descriptorsFor(n);
        if (needed > numFree) {
            return false;
        }
        int head = freeHead;
        int writableBytes = 0;
        boolean sawWritable = false;
        for (Segment s : segs) {
            if (s.deviceWrites()) {
                sawWritable = true;
                writableBytes += s.len();
            } else if (sawWritable) {
                throw new IllegalArgumentException("device-readable segment after a writable one");
            }
        }
        if (needed == 1 && n > 1) {
            long table = indirectBase + (long) head * indirectMax * RingLayout.DESC_SIZE;
            for (int i = 0; i < n; i++) {
                Segment s = segs.get(i);
                int flags = (s.deviceWrites() ? RingLayout.DESC_F_WRITE : 0) | (i + 1 < n ? RingLayout.DESC_F_NEXT : 0);
                writeDesc(table + (long) i * RingLayout.DESC_SIZE, s.gpa(), s.len(), flags, i + 1 < n ? i + 1 : 0);
            }
            writeDesc(ring.descAt(head), table, n * RingLayout.DESC_SIZE, RingLayout.DESC_F_INDIRECT, 0);
            freeHead = next[head];
        } else {
            int d = head;
            for (int i = 0; i < n; i++) {
                Segment s = segs.get(i);
                int flags = (s.deviceWrites() ? RingLayout.DESC_F_WRITE : 0) | (i + 1 < n ? RingLayout.DESC_F_NEXT : 0);
                int nx = next[d];
                writeDesc(ring.descAt(d), s.gpa(), s.len(), flags, i + 1 < n ? nx : 0);
                d = nx;
            }
            freeHead = d;
        }
        numFree -= needed;
        tokens[head] = token;
        outstanding++;
        chainCount[head] = needed;
        writable[head] = writableBytes;
        mem.putShort(ring.availRing(availIdx & (size - 1)), head);
        VarHandle.releaseFence(); // the chain and the slot before the index that publishes them
        availIdx = (availIdx + 1) & 0xffff;
        mem.putShort(ring.availIdx(), availIdx);
        return true;
    }

    private void writeDesc(long at, long addr, int len, int flags, int nextIdx) {
        mem.putLong(at, addr);
        mem.putInt(at + 8, len);
        mem.putShort(at + 12, flags);
        mem.putShort(at + 14, nextIdx);
    }

    /**
     * Whether the device wants to hear about the chains added since the last call (2.7.10 and
     * 2.7.7.2: {@code used.flags} or, with EVENT_IDX, {@code avail_event}).
     */
    public boolean needsNotify() {
        VarHandle.fullFence(); // avail.idx visible before we read what the device asked for
        int old = kickedIdx;
        kickedIdx = availIdx;
        if (old == availIdx) {
            return false;
        }
        if (eventIdx) {
            return Virtio.needEvent(mem.getShort(ring.availEvent()), availIdx, old);
        }
        return (mem.getShort(ring.used()) & RingLayout.USED_F_NO_NOTIFY) == 0;
    }

    /** A chain the device has finished with: what was given to {@link #add} and the bytes the device wrote. */
    public record Used(Object token, int len) {
    }

    /**
     * Takes the next used chain back, or null when there is none.
     *
     * @throws ErrnoException EIO when the device broke the protocol; the queue stays broken
     */
    public Used poll() throws ErrnoException {
        checkBroken();
        int usedIdx = mem.getShort(ring.usedIdx());
        VarHandle.acquireFence(); // the index before the elements it covers
        if (usedIdx == lastUsed) {
            return null;
        }
        int pending = (usedIdx - lastUsed) & 0xffff;
        if (pending > outstanding) {
            throw breakQueue("used index jumped from " + lastUsed + " to " + usedIdx + " with " + inFlight() + " chains in flight");
        }
        long elem = ring.usedElem(lastUsed & (size - 1));
        long id = mem.getInt(elem) & 0xffffffffL;
        long len = mem.getInt(elem + 4) & 0xffffffffL;
        if (id >= size || tokens[(int) id] == null) {
            throw breakQueue("used id " + id + " was never issued or is already used");
        }
        int head = (int) id;
        if (len > writable[head]) {
            throw breakQueue("used length " + len + " of chain " + head + " is past its " + writable[head] + " writable bytes");
        }
        Object token = tokens[head];
        tokens[head] = null;
        outstanding--;
        freeChain(head);
        lastUsed = (lastUsed + 1) & 0xffff;
        if (eventIdx) {
            mem.putShort(ring.usedEvent(), lastUsed); // interrupt us for the next one
        }
        return new Used(token, (int) len);
    }

    /**
     * Whether the device has returned chains not yet taken back: a cheap look at
     * {@code used.idx} for a caller that polls before it sleeps (safe without the driver's
     * lock: only {@link #poll}, under it, acts on the answer).
     */
    public boolean hasUsed() {
        int usedIdx = mem.getShort(ring.usedIdx());
        VarHandle.acquireFence(); // a fresh read on every call of a polling loop
        return usedIdx != lastUsed;
    }

    /**
     * After {@link #poll} returned null: makes sure a used buffer that arrives now raises an
     * interrupt, and says whether one slipped in meanwhile (poll again when true).
     */
    public boolean enableInterrupts() {
        if (eventIdx) {
            mem.putShort(ring.usedEvent(), lastUsed);
        } else {
            mem.putShort(ring.avail(), 0);
        }
        VarHandle.fullFence();
        return mem.getShort(ring.usedIdx()) != lastUsed;
    }

    /**
     * Asks the device for no interrupts, for a driver that polls the used ring itself until the
     * next {@link #enableInterrupts} (or {@link #poll}, which asks for the next one). Without
     * EVENT_IDX the flag {@code VIRTQ_AVAIL_F_NO_INTERRUPT}; with it, {@code used_event} one
     * behind the next used entry the driver expects: the device signals only when its used
     * index crosses {@code used_event} (2.7.10), which it cannot do before it has returned a whole
     * ring's worth of 65,536 entries more. Either way only a hint: a device may still signal,
     * which costs the driver a spurious wake-up and nothing else.
     */
    public void disableInterrupts() {
        if (eventIdx) {
            mem.putShort(ring.usedEvent(), (lastUsed - 1) & 0xffff);
        } else {
            mem.putShort(ring.avail(), RingLayout.AVAIL_F_NO_INTERRUPT);
        }
    }

    private void freeChain(int head) {
        int n = chainCount[head];
        int last = head;
        for (int i = 1; i < n; i++) {
            last = next[last];
        }
        next[last] = freeHead;
        freeHead = head;
        numFree += n;
    }

    /** Marks the queue broken (a timeout, a closed connection); every later call fails with EIO naming why. */
    public ErrnoException breakQueue(String why) {
        if (broken == null) {
            broken = why;
        }
        return new ErrnoException(Errno.EIO, "virtqueue " + index + ": " + broken);
    }

    /** Takes back every chain's token without the device, after it is gone; the queue is unusable afterwards. */
    public List<Object> drain() {
        List<Object> out = new java.util.ArrayList<>();
        for (int i = 0; i < size; i++) {
            if (tokens[i] != null) {
                out.add(tokens[i]);
                tokens[i] = null;
                outstanding--;
            }
        }
        return out;
    }

    private void checkBroken() throws ErrnoException {
        if (broken != null) {
            throw new ErrnoException(Errno.EIO, "virtqueue " + index + ": " + broken);
        }
    }

    /** The index the driver will use next in the available ring, for tests and GET_VRING_BASE. */
    public int availIdx() {
        return availIdx;
    }

    public int lastUsed() {
        return lastUsed;
    }
}
