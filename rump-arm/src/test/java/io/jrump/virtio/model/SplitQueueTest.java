package io.jrump.virtio.model;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.virtio.DmaPool;
import io.jrump.virtio.GuestMemory;
import io.jrump.virtio.RingLayout;
import io.jrump.virtio.Segment;
import io.jrump.virtio.SplitQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The driver's ring ({@link SplitQueue}) against the device's ({@link DeviceQueue}) over one memory. */
class SplitQueueTest {
    private final GuestMemory mem = GuestMemory.allocate(0x4000_0000L, 1 << 20);
    private final DmaPool pool = new DmaPool(mem);

    private DeviceQueue deviceSide(SplitQueue q, boolean eventIdx) {
        return new DeviceQueue(mem, q.layout(), eventIdx);
    }

    private static List<Segment> chain(long base, int outs, int ins) {
        List<Segment> s = new ArrayList<>();
        for (int i = 0; i < outs; i++) {
            s.add(Segment.out(base + 64L * i, 10 + i));
        }
        for (int i = 0; i < ins; i++) {
            s.add(Segment.in(base + 64L * (outs + i), 20 + i));
        }
        return s;
    }

    @Test
    void everyChainShapeArrivesAsWritten() throws Exception {
        long data = pool.alloc(8192);
        for (boolean indirect : new boolean[] {false, true}) {
            SplitQueue q = SplitQueue.allocate(0, pool, 16, false, indirect ? 8 : 0);
            DeviceQueue dq = deviceSide(q, false);
            int[][] shapes = {{1, 0}, {0, 1}, {1, 1}, {3, 0}, {0, 4}, {2, 3}, {1, 7}, {8, 0}};
            for (int[] shape : shapes) {
                List<Segment> segs = chain(data, shape[0], shape[1]);
                assertTrue(q.add(segs, shape));
                DeviceQueue.Chain c = dq.next();
                assertNotNull(c);
                assertEquals(segs.subList(0, shape[0]), c.readable(), "readable of " + shape[0] + "+" + shape[1]);
                assertEquals(segs.subList(shape[0], segs.size()), c.writable());
                dq.push(c.head(), c.writableBytes());
                SplitQueue.Used u = q.poll();
                assertSame(shape, u.token());
                assertEquals(c.writableBytes(), u.len());
                assertNull(q.poll());
                assertEquals(16, q.numFree(), "descriptors all back after " + shape[0] + "+" + shape[1]);
            }
        }
    }

    @Test
    void indirectChainTakesOneDescriptor() throws Exception {
        SplitQueue q = SplitQueue.allocate(0, pool, 4, false, 8);
        for (int i = 0; i < 4; i++) {
            assertTrue(q.add(chain(pool.memory().base(), 3, 3), i));
        }
        assertEquals(0, q.numFree());
        assertFalse(q.add(chain(pool.memory().base(), 1, 0), "full"));
    }

    @Test
    void directChainsNeedFreeDescriptorsAndGetThemBack() throws Exception {
        SplitQueue q = SplitQueue.allocate(0, pool, 8, false, 0);
        DeviceQueue dq = deviceSide(q, false);
        assertTrue(q.add(chain(0x4000_0000L, 2, 3), "a"));
        assertFalse(q.add(chain(0x4000_0000L, 2, 2), "b"), "4 descriptors wanted, 3 free");
        DeviceQueue.Chain c = dq.next();
        dq.push(c.head(), 0);
        assertEquals("a", q.poll().token());
        assertTrue(q.add(chain(0x4000_0000L, 2, 2), "b"));
    }

    @Test
    void indicesWrapPast65535() throws Exception {
        Random rnd = new Random(7);
        SplitQueue q = SplitQueue.allocate(0, pool, 8, true, 0);
        DeviceQueue dq = deviceSide(q, true);
        List<Integer> pending = new ArrayList<>();
        int issued = 0;
        int returned = 0;
        while (returned < 70_000) {
            int burst = 1 + rnd.nextInt(4);
            for (int i = 0; i < burst && q.add(chain(0x4000_0000L, 1, 1), issued); i++) {
                issued++;
            }
            DeviceQueue.Chain c;
            while ((c = dq.next()) != null) {
                pending.add(c.head());
            }
            // the device returns them out of order
            while (!pending.isEmpty()) {
                dq.push(pending.remove(rnd.nextInt(pending.size())), 0);
            }
            for (SplitQueue.Used u; (u = q.poll()) != null;) {
                returned++;
            }
        }
        assertEquals(issued, returned);
        assertTrue(issued > 65536);
        assertEquals(issued & 0xffff, q.availIdx());
    }

    @Test
    void eventIndexSuppressesNotifications() throws Exception {
        SplitQueue q = SplitQueue.allocate(0, pool, 8, true, 0);
        DeviceQueue dq = deviceSide(q, true);
        q.add(chain(0x4000_0000L, 1, 0), 1);
        assertTrue(q.needsNotify(), "avail_event 0: the device wants to hear of entry 0");
        q.add(chain(0x4000_0000L, 1, 0), 2);
        assertFalse(q.needsNotify(), "device has not caught up: no second kick for entry 1");
        while (dq.next() != null) {
            // the device drains and writes avail_event = 2
        }
        q.add(chain(0x4000_0000L, 1, 0), 3);
        assertTrue(q.needsNotify());
        // device side: used_event says when the driver wants an interrupt
        dq.push(0, 0);
        assertTrue(dq.needsInterrupt(), "used_event 0: first used entry interrupts");
        dq.push(1, 0);
        assertFalse(dq.needsInterrupt(), "driver has not consumed entry 0: no second interrupt");
        q.poll();
        q.poll();
        dq.push(2, 0);
        assertTrue(dq.needsInterrupt(), "driver consumed 2 and asked for the next");
    }

    /** A driver polling the used ring asks for no interrupts; with EVENT_IDX through used_event, also across the index's wrap. */
    @Test
    void interruptsOffWhilePollingWithEventIndex() throws Exception {
        SplitQueue q = SplitQueue.allocate(0, pool, 8, true, 0);
        DeviceQueue dq = deviceSide(q, true);
        for (int round = 0; round < 70_000; round++) {
            q.add(chain(0x4000_0000L, 1, 0), round + 1);
            q.add(chain(0x4000_0000L, 1, 0), -round - 1);
            q.disableInterrupts();
            dq.push(dq.next().head(), 0);
            assertFalse(dq.needsInterrupt(), "round " + round + ": polling, no interrupt");
            assertNotNull(q.poll());
            q.disableInterrupts();
            assertFalse(q.enableInterrupts(), "nothing came meanwhile");
            dq.push(dq.next().head(), 0);
            assertTrue(dq.needsInterrupt(), "round " + round + ": sleeping, interrupted");
            assertNotNull(q.poll());
        }
    }

    @Test
    void noNotifyFlagWithoutEventIndex() throws Exception {
        SplitQueue q = SplitQueue.allocate(0, pool, 8, false, 0);
        q.add(chain(0x4000_0000L, 1, 0), 1);
        mem.putShort(q.layout().used(), RingLayout.USED_F_NO_NOTIFY);
        assertFalse(q.needsNotify());
        mem.putShort(q.layout().used(), 0);
        q.add(chain(0x4000_0000L, 1, 0), 2);
        assertTrue(q.needsNotify());
        q.disableInterrupts();
        DeviceQueue dq = deviceSide(q, false);
        dq.push(dq.next().head(), 0);
        assertFalse(dq.needsInterrupt());
        q.enableInterrupts();
        dq.push(dq.next().head(), 0);
        assertTrue(dq.needsInterrupt());
    }

    @Test
    void usedIndexJumpBreaksTheQueue() throws Exception {
        SplitQueue q = SplitQueue.allocate(0, pool, 8, false, 0);
        DeviceQueue dq = deviceSide(q, false);
        q.add(chain(0x4000_0000L, 1, 1), "a");
        dq.forceUsedIdx(5);
        ErrnoException e = assertThrows(ErrnoException.class, q::poll);
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("jumped"), e.getMessage());
        assertThrows(ErrnoException.class, () -> q.add(chain(0x4000_0000L, 1, 0), "b"), "stays broken");
    }

    @Test
    void unknownIdBreaksTheQueue() throws Exception {
        SplitQueue q = SplitQueue.allocate(0, pool, 8, false, 0);
        DeviceQueue dq = deviceSide(q, false);
        q.add(chain(0x4000_0000L, 1, 1), "a");
        dq.push(3, 0);
        ErrnoException e = assertThrows(ErrnoException.class, q::poll);
        assertTrue(e.getMessage().contains("never issued"), e.getMessage());
    }

    @Test
    void idReturnedTwiceBreaksTheQueue() throws Exception {
        SplitQueue q = SplitQueue.allocate(0, pool, 8, false, 0);
        DeviceQueue dq = deviceSide(q, false);
        q.add(chain(0x4000_0000L, 1, 1), "a");
        q.add(chain(0x4000_0000L, 1, 1), "b");
        DeviceQueue.Chain c = dq.next();
        dq.push(c.head(), 0);
        dq.push(c.head(), 0);
        assertEquals("a", q.poll().token());
        assertThrows(ErrnoException.class, q::poll);
    }

    @Test
    void lengthPastTheBufferBreaksTheQueue() throws Exception {
        SplitQueue q = SplitQueue.allocate(0, pool, 8, false, 0);
        DeviceQueue dq = deviceSide(q, false);
        q.add(chain(0x4000_0000L, 1, 2), "a"); // 20 + 21 writable bytes
        DeviceQueue.Chain c = dq.next();
        assertEquals(41, c.writableBytes());
        dq.push(c.head(), 42);
        ErrnoException e = assertThrows(ErrnoException.class, q::poll);
        assertTrue(e.getMessage().contains("past"), e.getMessage());
    }

    @Test
    void deviceRejectsChainsADriverGotWrong() throws Exception {
        SplitQueue q = SplitQueue.allocate(0, pool, 8, false, 0);
        DeviceQueue dq = deviceSide(q, false);
        RingLayout l = q.layout();
        // a loop: descriptor 0 -> 1 -> 0
        writeDesc(l, 0, 0x4000_0000L, 8, RingLayout.DESC_F_NEXT, 1);
        writeDesc(l, 1, 0x4000_0000L, 8, RingLayout.DESC_F_NEXT, 0);
        publish(l, 0, 0);
        assertTrue(assertThrows(ErrnoException.class, dq::next).getMessage().contains("loops"));
        // a buffer outside guest memory
        DeviceQueue dq2 = deviceSide(q, false);
        writeDesc(l, 0, 0x1000, 8, 0, 0);
        assertTrue(assertThrows(ErrnoException.class, dq2::next).getMessage().contains("outside"));
        // readable after writable
        DeviceQueue dq3 = deviceSide(q, false);
        writeDesc(l, 0, 0x4000_0000L, 8, RingLayout.DESC_F_NEXT | RingLayout.DESC_F_WRITE, 1);
        writeDesc(l, 1, 0x4000_0000L, 8, 0, 0);
        assertTrue(assertThrows(ErrnoException.class, dq3::next).getMessage().contains("after a writable"));
        // an indirect table whose length is not whole descriptors
        DeviceQueue dq4 = deviceSide(q, false);
        writeDesc(l, 0, 0x4000_0000L, 17, RingLayout.DESC_F_INDIRECT, 0);
        assertTrue(assertThrows(ErrnoException.class, dq4::next).getMessage().contains("indirect"));
    }

    private void writeDesc(RingLayout l, int i, long addr, int len, int flags, int next) {
        long d = l.descAt(i);
        mem.putLong(d, addr);
        mem.putInt(d + 8, len);
        mem.putShort(d + 12, flags);
        mem.putShort(d + 14, next);
    }

    private void publish(RingLayout l, int slot, int head) {
        mem.putShort(l.availRing(slot), head);
        mem.putShort(l.availIdx(), slot + 1);
    }
}
