package io.jrump.xen.hv.emu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A typed view of a v1 grant table ({@code struct grant_entry_v1} in
 * {@code xen/include/public/grant_table.h}): 8-byte entries {@code uint16_t flags;
 * domid_t domid; uint32_t frame;}. The flags and the domid share the first 32-bit word, which
 * is updated with compare-and-set, as the hypervisor and the guest do with {@code cmpxchg}.
 */
final class GrantEntries {
    static final int ENTRY_SIZE = 8;
    static final int GTF_PERMIT_ACCESS = 1;
    static final int GTF_READONLY = 1 << 2;
    static final int GTF_READING = 1 << 3;
    static final int GTF_WRITING = 1 << 4;
    static final int GTF_TYPE_MASK = 3;

    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final ByteBuffer table;
    private final int count;

    GrantEntries(ByteBuffer table) {
        this.table = table;
        this.count = table.capacity() / ENTRY_SIZE;
    }

    int count() {
        return count;
    }

    /** The flags (low 16 bits) and domid (high 16 bits). */
    int word(int ref) {
        return (int) INT.getAcquire(table, ref * ENTRY_SIZE);
    }

    boolean compareAndSet(int ref, int expected, int value) {
        return INT.compareAndSet(table, ref * ENTRY_SIZE, expected, value);
    }

    int frame(int ref) {
        return (int) INT.getAcquire(table, ref * ENTRY_SIZE + 4);
    }

    /** Writes the frame and then, with release order, the flags and domid: the entry becomes valid last. */
    void publish(int ref, int flags, int domid, int frame) {
        INT.setRelease(table, ref * ENTRY_SIZE + 4, frame);
        INT.setRelease(table, ref * ENTRY_SIZE, (flags & 0xffff) | (domid << 16));
    }

    static int flags(int word) {
        return word & 0xffff;
    }

    static int domid(int word) {
        return word >>> 16;
    }
}
