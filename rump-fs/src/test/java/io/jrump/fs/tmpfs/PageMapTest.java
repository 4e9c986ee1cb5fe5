package io.jrump.fs.tmpfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The radix tree of pages against a plain map, with sparse and far indices. */
class PageMapTest {

    @Test
    void sparseIndicesGrowTheTreeAndReadBack() {
        PageMap m = new PageMap();
        long[] indices = {0, 63, 64, 4095, 4096, 1L << 30, (1L << 38) - 1, 7};
        for (long i : indices) {
            m.put(i, new byte[] {(byte) i});
        }
        for (long i : indices) {
            assertEquals((byte) i, m.get(i)[0], "index " + i);
        }
        assertNull(m.get(1));
        assertNull(m.get(1L << 31));
        assertNull(m.get(1L << 40), "beyond the tree's height");
        assertEquals(indices.length, m.count());
    }

    @Test
    void removeFromMatchesAMap() {
        Random rnd = new Random(7);
        for (int round = 0; round < 50; round++) {
            PageMap m = new PageMap();
            Map<Long, byte[]> ref = new HashMap<>();
            for (int i = 0; i < 200; i++) {
                long idx = rnd.nextInt(4) == 0 ? rnd.nextInt(1 << 20) : rnd.nextInt(300);
                if (!ref.containsKey(idx)) {
                    byte[] page = new byte[1];
                    ref.put(idx, page);
                    m.put(idx, page);
                }
            }
            long cut = rnd.nextInt(400);
            long expectRemoved = ref.keySet().stream().filter(k -> k >= cut).count();
            assertEquals(expectRemoved, m.removeFrom(cut));
            ref.keySet().removeIf(k -> k >= cut);
            assertEquals(ref.size(), m.count());
            for (long i = 0; i < 400; i++) {
                byte[] want = ref.get(i);
                if (want == null) {
                    assertNull(m.get(i));
                } else {
                    assertSame(want, m.get(i));
                }
            }
        }
    }

    @Test
    void emptiedMapStartsOver() {
        PageMap m = new PageMap();
        m.put(1L << 20, new byte[1]);
        assertEquals(1, m.removeFrom(0));
        assertEquals(0, m.count());
        m.put(3, new byte[1]);
        assertEquals(1, m.count());
        assertNull(m.get(1L << 20));
    }
}
