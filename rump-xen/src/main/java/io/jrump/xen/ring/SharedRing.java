package io.jrump.xen.ring;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The shared part of a Xen I/O ring ({@code xen/include/public/io/ring.h}, "sring"): a
 * 64-byte header ({@code req_prod, req_event, rsp_prod, rsp_event} as 32-bit free-running
 * indexes, then private and padding bytes) followed by a power-of-two number of slots, each
 * as large as the larger of the request and the response. The index fields are read with
 * acquire and written with release order, the Java form of the header's barriers.
 */
public final class SharedRing {
    public static final int HEADER_SIZE = 64;
    static final int REQ_PROD = 0;
    static final int REQ_EVENT = 4;
    static final int RSP_PROD = 8;
    static final int RSP_EVENT = 12;
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final ByteBuffer page;
    private final int slotSize;
    private final int size;

    /** A view of {@code page} (one or more whole pages) with slots of {@code slotSize} bytes. */
    public SharedRing(ByteBuffer page, int slotSize) {
        this.page = page.duplicate().clear();
        this.slotSize = slotSize;
        this.size = entries(page.capacity(), slotSize);
    }

    /** {@code __RING_SIZE}: the slots that fit after the header, rounded down to a power of two. */
    public static int entries(int bytes, int slotSize) {
        int n = (bytes - HEADER_SIZE) / slotSize;
        return n <= 0 ? 0 : Integer.highestOneBit(n);
    }

    /** {@code SHARED_RING_INIT}: both producers at 0, both event indexes at 1. Done by the frontend before it publishes the ring. */
    public void init() {
        page.put(0, new byte[HEADER_SIZE]);
        INT.setRelease(page, REQ_EVENT, 1);
        INT.setRelease(page, RSP_EVENT, 1);
    }

    public int size() {
        return size;
    }

    ByteBuffer page() {
        return page;
    }

    /** Byte offset of the slot for free-running index {@code idx}. */
    int slot(int idx) {
        return HEADER_SIZE + (idx & (size - 1)) * slotSize;
    }

    int get(int field) {
        return (int) INT.getAcquire(page, field);
    }

    void set(int field, int value) {
        INT.setRelease(page, field, value);
    }

    /** A full barrier between a store and a following load ({@code xen_mb()}). */
    static void fullFence() {
        VarHandle.fullFence();
    }
}
