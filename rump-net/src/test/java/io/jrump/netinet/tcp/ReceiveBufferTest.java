package io.jrump.netinet.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The receive buffer's two parts: held segments read before the ring, one capacity for both. */
class ReceiveBufferTest {
    private static final int BIG = ReceiveBuffer.HOLD_MIN;

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /** Reads everything in order, {@code chunk} bytes per read. */
    private static byte[] drain(ReceiveBuffer rb, int chunk) {
        byte[] all = new byte[rb.size()];
        int at = 0;
        while (rb.size() > 0) {
            ByteBuffer dst = ByteBuffer.allocate(chunk);
            int n = rb.read(dst, false);
            assertEquals(n, dst.position());
            System.arraycopy(dst.array(), 0, all, at, n);
            at += n;
        }
        assertEquals(all.length, at);
        return all;
    }

    @Test
    void heldAndCopiedBytesAreReadInStreamOrderAndShareTheCapacity() {
        ReceiveBuffer rb = new ReceiveBuffer(100_000);
        byte[] h1 = bytes(BIG, 1);
        byte[] small = bytes(BIG - 1, 2);
        byte[] h2 = bytes(BIG + 5000, 3);
        byte[] h3 = bytes(BIG, 4);
        byte[] notKeepable = bytes(20_000, 5);
        byte[] h4 = bytes(BIG + 1, 6);
        byte[] tail = bytes(100, 7);
        assertTrue(rb.append(ByteBuffer.wrap(h1), true));
        assertFalse(rb.append(ByteBuffer.wrap(small), true), "below HOLD_MIN: copied");
        assertTrue(rb.append(ByteBuffer.wrap(h2), true), "held behind copied bytes");
        assertTrue(rb.append(ByteBuffer.wrap(h3), true));
        assertFalse(rb.append(ByteBuffer.wrap(notKeepable), false));
        assertTrue(rb.append(ByteBuffer.wrap(h4), true));
        assertFalse(rb.append(ByteBuffer.wrap(tail), true));
        byte[] all = concat(h1, small, h2, h3, notKeepable, h4, tail);
        assertEquals(all.length, rb.size());
        assertEquals(100_000 - all.length, rb.free());
        assertArrayEquals(all, drain(rb, 3001), "reads cross held segments and copied bytes");
        assertEquals(0, rb.size());
        assertEquals(100_000, rb.free());
        byte[] again = bytes(BIG, 8);
        assertTrue(rb.append(ByteBuffer.wrap(again), true));
        assertArrayEquals(again, drain(rb, 1 << 16));
    }

    @Test
    void withoutPermissionEverythingIsCopied() {
        ReceiveBuffer rb = new ReceiveBuffer(1 << 20);
        byte[] b = bytes(64 << 10, 6);
        byte[] data = b.clone();
        assertFalse(rb.append(ByteBuffer.wrap(data), false));
        Arrays.fill(data, (byte) 0); // a copy does not see the caller's buffer change
        assertArrayEquals(b, drain(rb, 10_000));
    }

    @Test
    void heldViewIsTheBuffersOwnAndTheSourceIsConsumed() {
        ReceiveBuffer rb = new ReceiveBuffer(1 << 20);
        byte[] frame = bytes(BIG + 100, 7);
        ByteBuffer src = ByteBuffer.wrap(frame, 50, BIG);
        assertTrue(rb.append(src, true));
        assertEquals(50 + BIG, src.position(), "consumed like a copy");
        src.position(0).limit(10); // the caller reuses its view: the held segment keeps its own
        ByteBuffer dst = ByteBuffer.allocate(BIG + 10);
        assertEquals(BIG, rb.read(dst, false));
        assertArrayEquals(Arrays.copyOfRange(frame, 50, 50 + BIG), Arrays.copyOf(dst.array(), BIG));
    }

    @Test
    void peekLeavesHeldAndCopiedBytes() {
        ReceiveBuffer rb = new ReceiveBuffer(1 << 20);
        byte[] head = bytes(700, 8);
        byte[] h1 = bytes(BIG, 9);
        byte[] h2 = bytes(BIG, 10);
        byte[] between = bytes(1000, 11);
        byte[] h3 = bytes(BIG, 12);
        byte[] tail = bytes(1000, 13);
        for (byte[] b : new byte[][] {head, h1, h2, between, h3, tail}) {
            rb.append(ByteBuffer.wrap(b), true);
        }
        byte[] all = concat(head, h1, h2, between, h3, tail);
        int[] sizes = {1, 700, 701, BIG - 1, BIG + 700, 2 * BIG + 700, 2 * BIG + 1500, all.length - 1, all.length, all.length + 7};
        for (int n : sizes) {
            ByteBuffer dst = ByteBuffer.allocate(n);
            int got = rb.read(dst, true);
            assertEquals(Math.min(n, all.length), got);
            assertArrayEquals(Arrays.copyOf(all, got), Arrays.copyOf(dst.array(), got), "peek of " + n);
            assertEquals(all.length, rb.size());
        }
        ByteBuffer part = ByteBuffer.allocate(700 + BIG + 3);
        rb.read(part, false);
        ByteBuffer peek = ByteBuffer.allocate(all.length);
        assertEquals(all.length - part.capacity(), rb.read(peek, true), "peek from inside a held chunk");
        assertArrayEquals(Arrays.copyOfRange(all, part.capacity(), all.length), Arrays.copyOf(peek.array(), peek.position()));
        assertArrayEquals(Arrays.copyOfRange(all, part.capacity(), all.length), drain(rb, 777));
    }

    /** Out-of-order bytes parked while segments are held count from the ring's in-order end, RCV.NXT. */
    @Test
    void outOfOrderBytesParkBehindHeldSegments() {
        ReceiveBuffer rb = new ReceiveBuffer(200_000);
        byte[] first = bytes(500, 14);
        byte[] held = bytes(BIG * 2, 15);
        byte[] hole = bytes(BIG + 10, 16);
        byte[] parked = bytes(5000, 17);
        byte[] later = bytes(BIG, 18);
        assertFalse(rb.append(ByteBuffer.wrap(first), true));
        assertTrue(rb.append(ByteBuffer.wrap(held), true));
        rb.park(hole.length, ByteBuffer.wrap(parked), parked.length);
        int inOrder = first.length + held.length;
        assertEquals(inOrder, rb.size(), "parked bytes are not in order yet");
        assertEquals(200_000 - inOrder, rb.free(), "nor counted: the window covers them");
        assertFalse(rb.append(ByteBuffer.wrap(hole), false), "the connection forbids holding while bytes are parked");
        rb.extend(parked.length);
        assertTrue(rb.append(ByteBuffer.wrap(later), true), "nothing parked any more");
        assertEquals(inOrder + hole.length + parked.length + later.length, rb.size());
        assertArrayEquals(concat(first, held, hole, parked, later), drain(rb, 4096));
    }

    @Test
    void discardAndReleaseEmptyBothParts() {
        ReceiveBuffer rb = new ReceiveBuffer(1 << 20);
        rb.append(ByteBuffer.wrap(bytes(BIG, 14)), true);
        rb.append(ByteBuffer.wrap(bytes(100, 15)), true);
        rb.discard();
        assertEquals(0, rb.size());
        assertEquals(1 << 20, rb.free());
        assertEquals(0, rb.read(ByteBuffer.allocate(10), false));

        rb.append(ByteBuffer.wrap(bytes(BIG, 16)), true);
        rb.append(ByteBuffer.wrap(bytes(100, 17)), true);
        rb.release();
        assertEquals(0, rb.size());
        assertEquals(1 << 20, rb.free());
        byte[] after = bytes(BIG, 18);
        assertTrue(rb.append(ByteBuffer.wrap(after), true));
        assertArrayEquals(after, drain(rb, 5000));
    }

    /**
     * Random in-order appends (held or copied), parked out-of-order writes with the hole filled
     * later, reads and peeks against a plain array model; holding is offered only while nothing
     * is parked, as the connection does.
     */
    @Test
    void randomOperationsMatchAModel() {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        int capacity = 600_000;
        ReceiveBuffer rb = new ReceiveBuffer(capacity);
        byte[] model = new byte[capacity]; // in-order bytes from the read point
        int size = 0;
        int heldCount = 0;
        for (int step = 0; step < 4_000; step++) {
            String where = "seed " + seed + " step " + step;
            int free = capacity - size;
            int op = r.nextInt(4);
            if (op == 0 && free > 0) {
                byte[] src = bytes(1 + r.nextInt(Math.min(free, 3 * BIG)), r.nextLong());
                if (rb.append(ByteBuffer.wrap(src), r.nextBoolean())) {
                    heldCount++;
                }
                System.arraycopy(src, 0, model, size, src.length);
                size += src.length;
            } else if (op == 1 && free > 2) {
                int gap = 1 + r.nextInt(Math.min(2 * BIG, free - 1));
                int n = 1 + r.nextInt(Math.min(20_000, free - gap));
                byte[] parked = bytes(n, r.nextLong());
                rb.park(gap, ByteBuffer.wrap(parked), n);
                byte[] hole = bytes(gap, r.nextLong());
                assertFalse(rb.append(ByteBuffer.wrap(hole), false), where);
                rb.extend(n);
                System.arraycopy(hole, 0, model, size, gap);
                System.arraycopy(parked, 0, model, size + gap, n);
                size += gap + n;
            } else if (op >= 2 && size > 0) { // a read; op 3 reads everything, so the ring empties
                ByteBuffer dst = ByteBuffer.allocate(op == 3 ? size + r.nextInt(10) : 1 + r.nextInt(Math.min(size + 10, 4 * BIG)));
                boolean peek = r.nextInt(4) == 0;
                int n = rb.read(dst, peek);
                assertEquals(Math.min(size, dst.capacity()), n, where);
                assertArrayEquals(Arrays.copyOf(model, n), Arrays.copyOf(dst.array(), n), where);
                if (!peek) {
                    System.arraycopy(model, n, model, 0, size - n);
                    size -= n;
                }
            }
            assertEquals(size, rb.size(), where);
            assertEquals(capacity - size, rb.free(), where);
        }
        assertTrue(heldCount > 0, "seed " + seed + ": some segments were held");
    }
}
