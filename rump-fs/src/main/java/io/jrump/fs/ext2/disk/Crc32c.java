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
    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ POLY : c >>> 1;
            }
            TABLE[i] = c;
        }
    }

    private Crc32c() {
    }

    /** Continues {@code crc} over {@code len} bytes of {@code b} from {@code off}. */
    public static int update(int crc, byte[] b, int off, int len) {
        int c = crc;
        for (int i = off; i < off + len; i++) {
            c = TABLE[(c ^ b[i]) & 0xFF] ^ (c >>> 8);
        }
        return c;
    }

    /** Continues {@code crc} over the four little-endian bytes of {@code v}. */
    public static int updateInt(int crc, int v) {
        int c = crc;
        for (int i = 0; i < 4; i++) {
            c = TABLE[(c ^ (v >>> (8 * i))) & 0xFF] ^ (c >>> 8);
        }
        return c;
    }

    /** Continues {@code crc} over bytes {@code [from, to)} of a buffer, without moving its position. */
    public static int update(int crc, java.nio.ByteBuffer b, int from, int to) {
        int c = crc;
        for (int i = from; i < to; i++) {
            c = TABLE[(c ^ b.get(i)) & 0xFF] ^ (c >>> 8);
        }
        return c;
    }
}
