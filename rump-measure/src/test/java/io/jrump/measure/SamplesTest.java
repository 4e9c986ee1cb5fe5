package io.jrump.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SamplesTest {
    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(3, Samples.of(5, 1, 3).median());
        assertEquals(2.5, Samples.of(4L, 1L, 3L, 2L).median());
        assertEquals(7, Samples.of(7).median());
    }

    @Test
    void minMaxAndNearestRankPercentiles() {
        long[] v = new long[100];
        for (int i = 0; i < v.length; i++) {
            v[i] = 100 - i; // 100 .. 1, unsorted on purpose
        }
        Samples s = Samples.of(v);
        assertEquals(1, s.min());
        assertEquals(100, s.max());
        assertEquals(99, s.percentile(99));
        assertEquals(100, s.percentile(100));
        assertEquals(1, s.percentile(0.5));
        assertEquals(50, s.percentile(50));
        assertEquals(100, s.count());
    }

    @Test
    void rejectsNothingAndBadPercentiles() {
        assertThrows(IllegalArgumentException.class, Samples::of);
        assertThrows(IllegalArgumentException.class, () -> Samples.of(1).percentile(0));
        assertThrows(IllegalArgumentException.class, () -> Samples.of(1).percentile(101));
    }

    @Test
    void units() {
        assertEquals("950 ns", Units.nanos(950));
        assertEquals("48.2 µs", Units.nanos(48_210));
        assertEquals("1.50 ms", Units.nanos(1_500_000));
        assertEquals("2.00 s", Units.nanos(2e9));
        assertEquals("512 B", Units.bytes(512));
        assertEquals("17.5 KiB", Units.bytes(17.5 * 1024));
        assertEquals("64.0 MiB", Units.bytes(64 << 20));
        assertEquals("10,000", Units.count(10_000));
        assertEquals("0.250", Units.digits(0.25));
    }
}
