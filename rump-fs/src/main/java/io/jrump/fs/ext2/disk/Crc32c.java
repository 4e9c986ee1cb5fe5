package io.jrump.fs.ext2.disk;

/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78) with a caller-supplied running value
 * and no final inversion, which is how ext4's {@code ext4_chksum} chains checksums: the seed
 * of an inode checksum is the checksum of the UUID, continued with the inode number and the
 * generation. {@link java.util.zip.CRC32C} cannot start from an arbitrary value, so the running
 * form is computed here; {@code Crc32cTest} checks it against the JDK's for the ~0 seed.
 */
public final class Crc32c {
    private static final int POLY = 0x82F63B78;
    /**
     * Slicing-by-8 tables: {@code TABLES[k][n]} is the CRC of byte {@code n} followed by
     * {@code k} zero bytes, so eight bytes fold in with eight look-ups instead of eight
     * dependent steps (inode, directory and extent checksums run on every metadata read).
     */
    private static final int[][] TABLES = new int[8][256];

    static {
        int[] t0 = TABLES[0];
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ POLY : c >>> 1;
            }
            t0[i] = c;
        }
        for (int k = 1; k < 8; k++) {
            for (int i = 0; i < 256; i++) {
                int prev = TABLES[k - 1][i];
                TABLES[k][i] = (prev >>> 8) ^ t0[prev & 0xFF];
            }
        }
    }

    private Crc32c() {
    }

    /** Continues {@code crc} over {@code len} bytes of {@code b} from {@code off}. */
    public static int update(int crc, byte[] b, int off, int len) {
        int[] t0 = TABLES[0];
        int[] t1 = TABLES[1];
        int[] t2 = TABLES[2];
        int[] t3 = TABLES[3];
        int[] t4 = TABLES[4];
        int[] t5 = TABLES[5];
        int[] t6 = TABLES[6];
        int[] t7 = TABLES[7];
        int c = crc;
        int i = off;
        int end = off + len;
        for (; i <= end - 8; i += 8) {
            int lo = c ^ ((b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24);
            int hi = (b[i + 4] & 0xFF) | (b[i + 5] & 0xFF) << 8 | (b[i + 6] & 0xFF) << 16 | (b[i + 7] & 0xFF) << 24;
            c = t7[lo & 0xFF] ^ t6[(lo >>> 8) & 0xFF] ^ t5[(lo >>> 16) & 0xFF] ^ t4[lo >>> 24]
                    ^ t3[hi & 0xFF] ^ t2[(hi >>> 8) & 0xFF] ^ t1[(hi >>> 16) & 0xFF] ^ t0[hi >>> 24];
        }
        for (; i < end; i++) {
            c = t0[(c ^ b[i]) & 0xFF] ^ (c >>> 8);
        }
        return c;
    }

    /** Continues {@code crc} over the four little-endian bytes of {@code v}. */
    public static int updateInt(int crc, int v) {
        int[] t0 = TABLES[0];
        int c = crc;
        for (int i = 0; i < 4; i++) {
            c = t0[(c ^ (v >>> (8 * i))) & 0xFF] ^ (c >>> 8);
        }
        return c;
    }

    /** Continues {@code crc} over bytes {@code [from, to)} of a buffer, without moving its position. */
    public static int update(int crc, java.nio.ByteBuffer b, int from, int to) {
        if (b.hasArray()) {
            return update(crc, b.array(), b.arrayOffset() + from, to - from);
        }
        int[] t0 = TABLES[0];
        int c = crc;
        for (int i = from; i < to; i++) {
            c = t0[(c ^ b.get(i)) & 0xFF] ^ (c >>> 8);
        }
        return c;
    }
}
