package io.jrump.dev.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChecksumTest {
    /** RFC 1071 as written: 16-bit big-endian words one at a time, folded at the end. */
    private static int reference(long sum, ByteBuffer b, int offset, int length) {
        int i = offset;
        for (; i + 1 < offset + length; i += 2) {
            sum += ((b.get(i) & 0xff) << 8) | (b.get(i + 1) & 0xff);
        }
        if (i < offset + length) {
            sum += (b.get(i) & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    @Test
    void wideSumEqualsSixteenBitSumOnRandomData() {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        for (int round = 0; round < 20_000; round++) {
            int cap = 1 + r.nextInt(round % 10 == 0 ? 70_000 : 200);
            ByteBuffer b = r.nextBoolean() ? ByteBuffer.allocate(cap) : ByteBuffer.allocateDirect(cap);
            if (r.nextBoolean()) {
                b.order(ByteOrder.LITTLE_ENDIAN);
            }
            for (int i = 0; i < cap; i++) {
                // runs of 0xff and 0x00 exercise the carries and the zero cases
                int kind = r.nextInt(4);
                b.put(i, (byte) (kind == 0 ? 0xff : kind == 1 ? 0 : r.nextInt(256)));
            }
            int offset = r.nextInt(cap);
            int length = r.nextInt(cap - offset + 1);
            long sum = r.nextBoolean() ? 0 : Checksum.pseudoHeader(r.nextInt(), r.nextInt(), 6, length);
            assertEquals(reference(sum, b, offset, length), Checksum.finish(Checksum.add(sum, b, offset, length)),
                    "seed " + seed + " round " + round + " offset " + offset + " length " + length);
        }
    }

    @Test
    void allOnesAndAllZeros() {
        for (int n : new int[] {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 65535}) {
            ByteBuffer ones = ByteBuffer.allocate(n);
            for (int i = 0; i < n; i++) {
                ones.put(i, (byte) 0xff);
            }
            assertEquals(reference(0, ones, 0, n), Checksum.of(ones, 0, n), "ones " + n);
            ByteBuffer zeros = ByteBuffer.allocate(n);
            assertEquals(reference(0, zeros, 0, n), Checksum.of(zeros, 0, n), "zeros " + n);
        }
    }

    /** Sums chained over split ranges equal one sum, as pseudo header plus payload are used. */
    @Test
    void chainedSumsOverEvenSplits() {
        Random r = new Random(7);
        byte[] data = new byte[1001];
        r.nextBytes(data);
        ByteBuffer b = ByteBuffer.wrap(data);
        for (int split = 0; split <= 1000; split += 2) {
            long s = Checksum.add(Checksum.add(0, b, 0, split), b, split, 1001 - split);
            assertEquals(Checksum.of(b, 0, 1001), Checksum.finish(s));
        }
    }
}
