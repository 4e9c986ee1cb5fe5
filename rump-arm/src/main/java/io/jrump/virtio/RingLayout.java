package io.jrump.virtio;

/**
 * Where the three parts of a split virtqueue lie (virtio 1.2 section 2.7): the descriptor
 * table (16 bytes per entry), the available ring ({@code flags}, {@code idx}, {@code ring[n]},
 * {@code used_event}) and the used ring ({@code flags}, {@code idx}, {@code ring[n]} of
 * {@code id}/{@code len} pairs, {@code avail_event}).
 */
public record RingLayout(int size, long desc, long avail, long used) {
    public static final int DESC_SIZE = 16;
    /** Descriptor flags (2.7.5). */
    public static final int DESC_F_NEXT = 1;
    public static final int DESC_F_WRITE = 2;
    public static final int DESC_F_INDIRECT = 4;
    /** avail.flags: the driver wants no used-buffer notification (2.7.7). */
    public static final int AVAIL_F_NO_INTERRUPT = 1;
    /** used.flags: the device wants no available-buffer notification (2.7.10). */
    public static final int USED_F_NO_NOTIFY = 1;
    /** The largest queue a split ring may have (2.7). */
    public static final int MAX_SIZE = 32768;

    public static int descBytes(int size) {
        return DESC_SIZE * size;
    }

    public static int availBytes(int size) {
        return 6 + 2 * size;
    }

    public static int usedBytes(int size) {
        return 6 + 8 * size;
    }

    /** The legacy contiguous layout (2.7.2, "Legacy Interfaces"): used ring aligned to {@code align}. */
    public static RingLayout contiguous(int size, long base, int align) {
        long avail = base + descBytes(size);
        long used = alignUp(avail + availBytes(size), align);
        return new RingLayout(size, base, avail, used);
    }

    /** Bytes of the legacy contiguous layout. */
    public static int contiguousBytes(int size, int align) {
        return (int) (alignUp(descBytes(size) + availBytes(size), align) + alignUp(usedBytes(size), align));
    }

    static long alignUp(long v, long align) {
        return (v + align - 1) & -align;
    }

    public long availIdx() {
        return avail + 2;
    }

    public long availRing(int slot) {
        return avail + 4 + 2L * slot;
    }

    /** The driver's {@code used_event}, after the available ring. */
    public long usedEvent() {
        return avail + 4 + 2L * size;
    }

    public long usedIdx() {
        return used + 2;
    }

    public long usedElem(int slot) {
        return used + 4 + 8L * slot;
    }

    /** The device's {@code avail_event}, after the used ring. */
    public long availEvent() {
        return used + 4 + 8L * size;
    }

    public long descAt(int i) {
        return desc + (long) DESC_SIZE * i;
    }
}
