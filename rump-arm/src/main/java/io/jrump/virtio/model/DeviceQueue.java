package io.jrump.virtio.model;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.virtio.GuestMemory;
import io.jrump.virtio.RingLayout;
import io.jrump.virtio.Segment;
import io.jrump.virtio.Virtio;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The device's side of a split virtqueue (virtio 1.2 section 2.7): takes chains from the
 * available ring, walks them (direct and indirect descriptors) and returns them on the used
 * ring. What a driver wrote is untrusted here, as in a real device: a head or {@code next}
 * past the table, a loop, a nested indirect table, a readable segment after a writable one,
 * or an address outside guest memory is an {@link ErrnoException} (the model then asks for a
 * reset).
 */
final class DeviceQueue {
    /** One chain taken from the available ring. */
    record Chain(int head, List<Segment> readable, List<Segment> writable) {
        int writableBytes() {
            int n = 0;
            for (Segment s : writable) {
                n += s.len();
            }
            return n;
        }
    }

    private final GuestMemory mem;
    private final RingLayout ring;
    private final boolean eventIdx;
    private int lastAvail;
    private int usedIdx;
    private int signalledIdx;

    DeviceQueue(GuestMemory mem, RingLayout ring, boolean eventIdx) {
        this.mem = mem;
        this.ring = ring;
        this.eventIdx = eventIdx;
    }

    RingLayout layout() {
        return ring;
    }

    int usedIdx() {
        return usedIdx;
    }

    /** The next available chain, or null. */
    Chain next() throws ErrnoException {
        int availIdx = mem.getShort(ring.availIdx());
        VarHandle.acquireFence();
        if (availIdx == lastAvail && eventIdx) {
            // ask for a kick at the next entry, then look once more for one that raced with the request
            mem.putShort(ring.availEvent(), lastAvail);
            VarHandle.fullFence();
            availIdx = mem.getShort(ring.availIdx());
            VarHandle.acquireFence();
        }
        if (availIdx == lastAvail) {
            return null;
        }
        if (((availIdx - lastAvail) & 0xffff) > ring.size()) {
            throw new ErrnoException(Errno.EIO, "avail index jumped from " + lastAvail + " to " + availIdx);
        }
        int head = mem.getShort(ring.availRing(lastAvail & (ring.size() - 1)));
        lastAvail = (lastAvail + 1) & 0xffff;
        return walk(head);
    }

    private Chain walk(int head) throws ErrnoException {
        if (head >= ring.size()) {
            throw new ErrnoException(Errno.EIO, "chain head " + head + " outside a table of " + ring.size());
        }
        List<Segment> readable = new ArrayList<>();
        List<Segment> writable = new ArrayList<>();
        long table = ring.desc();
        int tableSize = ring.size();
        boolean indirect = false;
        int i = head;
        for (int steps = 0;; steps++) {
            if (steps >= tableSize) {
                throw new ErrnoException(Errno.EIO, "descriptor chain from " + head + " loops");
            }
            long d = table + (long) RingLayout.DESC_SIZE * i;
            long addr = mem.getLong(d);
            int len = mem.getInt(d + 8);
            int flags = mem.getShort(d + 12);
            int nx = mem.getShort(d + 14);
            if ((flags & RingLayout.DESC_F_INDIRECT) != 0) {
                if (indirect || (flags & RingLayout.DESC_F_NEXT) != 0) {
                    throw new ErrnoException(Errno.EIO, "indirect descriptor " + i + " nested or chained");
                }
                if (len <= 0 || len % RingLayout.DESC_SIZE != 0 || !mem.contains(addr, len)) {
                    throw new ErrnoException(Errno.EIO, "indirect table of " + len + " bytes at 0x" + Long.toHexString(addr) + " is bad");
                }
                indirect = true;
                table = addr;
                tableSize = len / RingLayout.DESC_SIZE;
                i = 0;
                steps = -1;
                continue;
            }
            if (len < 0 || !mem.contains(addr, len)) {
                throw new ErrnoException(Errno.EIO, "descriptor " + i + " buffer 0x" + Long.toHexString(addr) + "+" + len
                        + " outside guest memory");
            }
            if ((flags & RingLayout.DESC_F_WRITE) != 0) {
                writable.add(Segment.in(addr, len));
            } else if (!writable.isEmpty()) {
                throw new ErrnoException(Errno.EIO, "readable descriptor " + i + " after a writable one");
            } else {
                readable.add(Segment.out(addr, len));
            }
            if ((flags & RingLayout.DESC_F_NEXT) == 0) {
                return new Chain(head, readable, writable);
            }
            if (nx >= tableSize) {
                throw new ErrnoException(Errno.EIO, "descriptor " + i + " next " + nx + " outside its table of " + tableSize);
            }
            i = nx;
        }
    }

    /** Returns a chain on the used ring. */
    void push(int id, int len) {
        long e = ring.usedElem(usedIdx & (ring.size() - 1));
        mem.putInt(e, id);
        mem.putInt(e + 4, len);
        VarHandle.releaseFence();
        usedIdx = (usedIdx + 1) & 0xffff;
        mem.putShort(ring.usedIdx(), usedIdx);
    }

    /** Sets {@code used.idx} to any value: the fault of a device that breaks the protocol. */
    void forceUsedIdx(int idx) {
        usedIdx = idx & 0xffff;
        VarHandle.releaseFence();
        mem.putShort(ring.usedIdx(), usedIdx);
    }

    /** Whether the driver wants an interrupt for what was pushed since the last call (2.7.7.2 / 2.7.10). */
    boolean needsInterrupt() {
        VarHandle.fullFence();
        int old = signalledIdx;
        signalledIdx = usedIdx;
        if (old == usedIdx) {
            return false;
        }
        if (eventIdx) {
            return Virtio.needEvent(mem.getShort(ring.usedEvent()), usedIdx, old);
        }
        return (mem.getShort(ring.avail()) & RingLayout.AVAIL_F_NO_INTERRUPT) == 0;
    }
}
