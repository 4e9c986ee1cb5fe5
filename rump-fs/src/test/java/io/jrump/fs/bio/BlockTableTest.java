package io.jrump.fs.bio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.jrump.dev.MemoryBlockDevice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The cache's table against an access-ordered {@link LinkedHashMap}: the same answers and the
 * same least-recently-used order after every step of random gets, puts (new and replacing),
 * removes and containment checks, over keys that crowd a few slots (runs of neighbours and
 * numbers far apart), so that probing wraps around the table and removals shift entries back.
 */
class BlockTableTest {
    private final BufferCache cache = new BufferCache(new MemoryBlockDevice(1 << 16), 1024, 1 << 16, false);

    private Buf buf(long block) {
        return new Buf(cache, block, 0);
    }

    private static List<Long> order(BlockTable t) {
        List<Long> out = new ArrayList<>();
        for (Buf b = t.oldest(); b != null; b = b.newer) {
            out.add(b.block());
        }
        return out;
    }

    @Test
    void agreesWithAnAccessOrderedMap() {
        Random r = new Random(42);
        for (int round = 0; round < 20; round++) {
            BlockTable t = new BlockTable();
            Map<Long, Buf> ref = new LinkedHashMap<>(16, 0.75f, true);
            int span = 8 + r.nextInt(400);
            for (int step = 0; step < 5000; step++) {
                long key = r.nextBoolean() ? r.nextInt(span) : (long) r.nextInt(span) << 33 | r.nextInt(3);
                switch (r.nextInt(4)) {
                    case 0 -> assertSame(ref.get(key), t.get(key), "get " + key);
                    case 1 -> {
                        Buf b = buf(key);
                        ref.put(key, b);
                        t.put(b);
                    }
                    case 2 -> assertSame(ref.remove(key), t.remove(key), "remove " + key);
                    default -> assertEquals(ref.containsKey(key), t.contains(key), "contains " + key);
                }
                assertEquals(ref.size(), t.size());
            }
            assertEquals(new ArrayList<>(ref.keySet()), order(t), "least recently used first");
            for (Map.Entry<Long, Buf> e : ref.entrySet()) {
                assertSame(e.getValue(), t.get(e.getKey()));
            }
        }
    }

    @Test
    void emptiedTableFindsNothing() {
        BlockTable t = new BlockTable();
        for (long k = 0; k < 1000; k++) {
            t.put(buf(k * 1024));
        }
        for (long k = 0; k < 1000; k++) {
            assertEquals(k * 1024, t.remove(k * 1024).block());
        }
        assertEquals(0, t.size());
        assertEquals(null, t.oldest());
        assertEquals(null, t.get(0));
    }
}
