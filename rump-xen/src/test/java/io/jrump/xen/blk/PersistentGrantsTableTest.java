package io.jrump.xen.blk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.GrantMapper;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The table of kept mappings against a plain model: what is kept, what is evicted (least recently used first), what is unmapped. */
class PersistentGrantsTableTest {
    /** Maps any reference but those it refuses; remembers which mappings are open. */
    private static final class FakeMapper implements GrantMapper {
        final Set<Integer> open = new HashSet<>();
        final Set<Integer> refused = new HashSet<>();
        int calls;

        @Override
        public Mapping map(int domid, int ref, boolean writable) throws ErrnoException {
            if (refused.contains(ref) || ref < 0) {
                throw new ErrnoException(Errno.EINVAL, "map grant " + ref + ": not granted");
            }
            calls++;
            assertTrue(open.add(ref), "mapped twice while kept: " + ref);
            return new Mapping() {
                @Override
                public ByteBuffer page() {
                    return ByteBuffer.allocate(0);
                }

                @Override
                public void close() {
                    assertTrue(open.remove(ref), "unmapped twice: " + ref);
                }
            };
        }

        @Override
        public void close() {
        }
    }

    @Test
    void agreesWithAnLruModelUnderRandomUse() throws ErrnoException {
        FakeMapper mapper = new FakeMapper();
        int cap = 100;
        PersistentGrants table = new PersistentGrants(mapper, 1, cap);
        LinkedHashMap<Integer, GrantMapper.Mapping> model = new LinkedHashMap<>(16, 0.75f, true);
        Random rnd = new Random(42);
        for (int round = 0; round < 2000; round++) {
            int n = 1 + rnd.nextInt(40); // a request's segments
            for (int i = 0; i < n; i++) {
                int ref = rnd.nextBoolean() ? rnd.nextInt(150) : 5000 + rnd.nextInt(2) * 70_000 + rnd.nextInt(300);
                GrantMapper.Mapping m = table.get(ref);
                GrantMapper.Mapping before = model.get(ref);
                if (before != null) {
                    assertSame(before, m, "a kept reference keeps its mapping: " + ref);
                } else {
                    model.put(ref, m);
                }
            }
            table.trim();
            while (model.size() > cap) {
                Integer oldest = model.keySet().iterator().next();
                model.remove(oldest);
            }
            assertEquals(model.size(), table.size());
            assertEquals(model.keySet(), mapper.open, "round " + round + ": exactly the model's references stay mapped");
        }
        table.close();
        assertTrue(mapper.open.isEmpty(), "close unmaps everything");
        assertEquals(0, table.size());
    }

    @Test
    void aReferenceNeverGrantedIsRefusedAndNotKept() throws ErrnoException {
        FakeMapper mapper = new FakeMapper();
        mapper.refused.add(7);
        PersistentGrants table = new PersistentGrants(mapper, 1, 4);
        table.get(6);
        assertThrows(ErrnoException.class, () -> table.get(7));
        assertThrows(ErrnoException.class, () -> table.get(-1), "the reference whose key would be the empty mark");
        assertEquals(1, table.size());
        mapper.refused.clear();
        table.get(7);
        assertEquals(2, table.size());
        assertEquals(2, mapper.calls);
    }
}
