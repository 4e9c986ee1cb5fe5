package io.jrump.netinet.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteRingTest {
    /**
     * Random appends, parked out-of-order writes, extends, reads and skips against a plain
     * array model, with a capacity well above the first array so the ring grows while it
     * wraps and holds parked bytes.
     */
    @Test
    void growingRingKeepsEveryByteInPlace() {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        int capacity = 8 * ByteRing.INITIAL_ARRAY + 123;
        ByteRing ring = new ByteRing(capacity);
        byte[] model = new byte[capacity]; // logical offset from the front -> byte
        int size = 0;
        for (int step = 0; step < 5_000; step++) {
            int op = r.nextInt(4);
            String where = "seed " + seed + " step " + step;
            if (op == 0) { // append
                byte[] src = new byte[r.nextInt(Math.max(1, Math.min(40_000, capacity - size)) + 1)];
                r.nextBytes(src);
                int n = ring.append(ByteBuffer.wrap(src));
                assertEquals(Math.min(src.length, capacity - size), n, where);
                System.arraycopy(src, 0, model, size, n);
                size += n;
            } else if (op == 1 && capacity - size > 2) { // park out of order, then fill the hole and extend
                int gap = 1 + r.nextInt(Math.min(1000, capacity - size - 1));
                int n = 1 + r.nextInt(Math.min(20_000, capacity - size - gap));
                byte[] src = new byte[n];
                r.nextBytes(src);
                ring.putAt(size + gap, ByteBuffer.wrap(src), n);
                System.arraycopy(src, 0, model, size + gap, n);
                byte[] hole = new byte[gap];
                r.nextBytes(hole);
                ring.append(ByteBuffer.wrap(hole));
                System.arraycopy(hole, 0, model, size, gap);
                size += gap;
                ring.extend(n);
                size += n;
            } else if (op == 2 && size > 0) { // read from the front, and drop what was read or not
                int n = 1 + r.nextInt(size);
                ByteBuffer dst = ByteBuffer.allocate(n);
                ring.copyOut(0, dst, n);
                assertArrayEquals(Arrays.copyOf(model, n), dst.array(), where);
                if (r.nextBoolean()) {
                    ring.skip(n);
                    System.arraycopy(model, n, model, 0, size - n);
                    size -= n;
                }
            } else if (op == 3 && size > 0) { // copy from the middle
                int off = r.nextInt(size);
                int n = 1 + r.nextInt(size - off);
                ByteBuffer dst = ByteBuffer.allocate(n);
                ring.copyOut(off, dst, n);
                assertArrayEquals(Arrays.copyOfRange(model, off, off + n), dst.array(), where);
            }
            assertEquals(size, ring.size(), where);
        }
    }
}
