package io.jrump.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Kept arrays are handed out again only once nobody holds their lease, least recently taken
 * first; past the bound, or larger than the kept size, an array of its own without a lease.
 */
class LeasedArraysTest {
    @Test
    void anArrayWhoseLeaseIsHeldIsNotHandedOutUntilReleased() {
        LeasedArrays arrays = new LeasedArrays(128, 4);
        LeasedArrays.Taken a = arrays.take(100);
        assertTrue(a.kept());
        FrameLease held = a.lease().retain(); // a receiver keeps a frame of it
        a.release();
        assertFalse(a.lease().isFree());
        LeasedArrays.Taken b = arrays.take(100);
        assertNotSame(a.array(), b.array(), "an array whose frame is still held is filled again");
        b.release();
        assertSame(b.array(), arrays.take(100).array(), "the free one is taken, not a new one");
        held.release();
        assertSame(a.array(), arrays.take(100).array(), "free again once the holder let go");
        assertEquals(2, arrays.kept());
    }

    @Test
    void theLeastRecentlyTakenFreeArrayComesFirst() {
        LeasedArrays arrays = new LeasedArrays(64, 3);
        LeasedArrays.Taken a = arrays.take(64);
        LeasedArrays.Taken b = arrays.take(64);
        LeasedArrays.Taken c = arrays.take(64);
        FrameLease holdA = a.lease().retain();
        a.release();
        b.release();
        c.release();
        assertSame(b, arrays.take(10), "the oldest is held: the next oldest free one, not a new array");
        holdA.release();
        assertSame(a, arrays.take(10), "a is the least recently taken now");
        assertEquals(3, arrays.kept());
    }

    @Test
    void pastTheBoundOrTheSizeAnArrayOfItsOwnWithoutALease() {
        LeasedArrays arrays = new LeasedArrays(256, 2);
        LeasedArrays.Taken a = arrays.take(256);
        LeasedArrays.Taken b = arrays.take(200);
        LeasedArrays.Taken own = arrays.take(50);
        assertFalse(own.kept());
        assertNull(own.lease());
        assertEquals(50, own.array().length);
        own.release(); // nothing to end
        LeasedArrays.Taken large = arrays.take(257);
        assertFalse(large.kept());
        assertEquals(257, large.array().length);
        assertEquals(2, arrays.kept());
        assertEquals(256, a.array().length);
        assertEquals(256, b.array().length);
        b.release();
        assertSame(b, arrays.take(1));
        assertTrue(new LeasedArrays(64, 0).take(1).lease() == null, "a bound of 0 keeps nothing");
        assertThrows(IllegalArgumentException.class, () -> new LeasedArrays(-1, 1));
    }

    /**
     * Random takes, holds and releases against a model of who holds what: whatever the order,
     * an array is never handed out while anyone holds its lease, and never more are kept than
     * the bound.
     */
    @Test
    void noRandomOrderHandsOutAHeldArray() {
        SplittableRandom random = new SplittableRandom(7);
        LeasedArrays arrays = new LeasedArrays(512, 6);
        Map<byte[], Integer> holders = new IdentityHashMap<>();
        List<LeasedArrays.Taken> held = new ArrayList<>();
        for (int step = 0; step < 20_000; step++) {
            if (held.isEmpty() || random.nextInt(3) > 0) {
                int bytes = 1 + random.nextInt(600);
                LeasedArrays.Taken t = arrays.take(bytes);
                assertTrue(t.array().length >= bytes);
                assertTrue(t.kept() ? t.array().length == 512 : t.array().length == bytes);
                assertTrue(bytes <= 512 || !t.kept());
                assertEquals(0, holders.getOrDefault(t.array(), 0), "step " + step + ": handed out an array that is held");
                if (!t.kept()) {
                    continue;
                }
                int extra = random.nextInt(3); // receivers keeping frames of it
                for (int i = 0; i < extra; i++) {
                    t.lease().retain();
                }
                holders.put(t.array(), 1 + extra);
                for (int i = 0; i <= extra; i++) {
                    held.add(t);
                }
            } else {
                LeasedArrays.Taken t = held.remove(random.nextInt(held.size()));
                t.release();
                holders.merge(t.array(), -1, Integer::sum);
            }
            assertTrue(arrays.kept() <= 6);
        }
    }

    /** Threads taking at once never share an array: each fills it with its own mark and finds it unchanged before releasing. */
    @Test
    void concurrentTakersNeverShareAnArray() throws Exception {
        LeasedArrays arrays = new LeasedArrays(256, 3);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                byte mark = (byte) (w + 1);
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 20_000; i++) {
                        LeasedArrays.Taken t = arrays.take(256);
                        java.util.Arrays.fill(t.array(), mark);
                        Thread.yield();
                        for (byte x : t.array()) {
                            assertEquals(mark, x, "another taker wrote the array while it was lent");
                        }
                        t.release();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(arrays.kept() <= 3, arrays.kept() + " kept");
    }
}
