package io.jrump.fs.ext2.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** The sliced CRC32C against the definition, one bit at a time, from any seed, offset and length. */
class Crc32cTest {
    private static int bitwise(int crc, byte[] b, int off, int len) {
        int c = crc;
        for (int i = off; i < off + len; i++) {
            c ^= b[i] & 0xFF;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
            }
        }
        return c;
    }

    @Test
    void agreesWithTheDefinitionForAnySeedOffsetAndLength() {
        SplittableRandom r = new SplittableRandom(7);
        byte[] data = new byte[4200];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) r.nextInt();
        }
        for (int round = 0; round < 500; round++) {
            int seed = r.nextInt();
            int off = r.nextInt(64);
            int len = round < 40 ? round : r.nextInt(data.length - off);
            int want = bitwise(seed, data, off, len);
            assertEquals(want, Crc32c.update(seed, data, off, len), "array, off " + off + " len " + len);
            ByteBuffer slice = ByteBuffer.wrap(data, 3, data.length - 3).slice();
            if (off >= 3) {
                assertEquals(want, Crc32c.update(seed, slice, off - 3, off - 3 + len), "heap buffer slice, off " + off + " len " + len);
            }
            ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data);
            assertEquals(want, Crc32c.update(seed, direct, off, off + len), "direct buffer, off " + off + " len " + len);
        }
    }

    @Test
    void fromTheStandardSeedItIsTheJdksComplement() {
        byte[] data = "123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        CRC32C jdk = new CRC32C();
        jdk.update(data);
        assertEquals(0xE3069283L, jdk.getValue(), "the CRC-32C check value");
        assertEquals((int) jdk.getValue(), ~Crc32c.update(~0, data, 0, data.length));
    }
}
