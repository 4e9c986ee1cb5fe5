package io.jrump.virtio.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;

/** Test frames for macswap peers: random payload behind two MAC addresses, and the check of what comes back. */
public final class Frames {
    private Frames() {
    }

    public static byte[] frame(int len, byte[] dst, byte[] src, Random rnd) {
        byte[] f = new byte[len];
        rnd.nextBytes(f);
        System.arraycopy(dst, 0, f, 0, 6);
        System.arraycopy(src, 0, f, 6, 6);
        return f;
    }

    /** {@code back} is {@code sent} with destination and source swapped and nothing else changed. */
    public static void assertSwapped(byte[] sent, byte[] back) {
        assertEquals(sent.length, back.length, "length");
        assertArrayEquals(Arrays.copyOfRange(sent, 0, 6), Arrays.copyOfRange(back, 6, 12), "source is the old destination");
        assertArrayEquals(Arrays.copyOfRange(sent, 6, 12), Arrays.copyOfRange(back, 0, 6), "destination is the old source");
        assertArrayEquals(Arrays.copyOfRange(sent, 12, sent.length), Arrays.copyOfRange(back, 12, back.length), "payload");
    }
}
