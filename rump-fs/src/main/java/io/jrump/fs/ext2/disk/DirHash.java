package io.jrump.fs.ext2.disk;

/**
 * The hash of a name that places it in a hashed (htree) directory: ext3's "legacy" hash, the
 * first half of MD4 ("half_md4", the default) and TEA, each in a signed and an unsigned
 * variant that differ only in how the name's bytes are widened (the char signedness of the
 * machine that first wrote the file system, recorded in {@code s_flags}). Source: the ext4
 * wiki "Ext4 Disk Layout", section Hash Tree Directories, and the kernel's
 * {@code fs/ext4/hash.c} for the algorithms' definitions; the expected values are checked
 * against e2fsprogs' {@code debugfs dx_hash} in the tests.
 *
 * <p>Only the major hash is computed: it alone orders the index. Its low bit is always clear,
 * since index entries use that bit to mark a run of equal hashes continued in the next leaf.
 */
public final class DirHash {
    /** {@code dx_root_info.hash_version} values as stored, and their unsigned variants. */
    public static final int LEGACY = 0;
    public static final int HALF_MD4 = 1;
    public static final int TEA = 2;
    public static final int LEGACY_UNSIGNED = 3;
    public static final int HALF_MD4_UNSIGNED = 4;
    public static final int TEA_UNSIGNED = 5;
    /** What a stored version (0..2) is offset by when {@code s_flags} has {@link #FLAG_UNSIGNED}. */
    public static final int UNSIGNED_OFFSET = 3;
    /** {@code s_flags} bits saying which variant the file system uses. */
    public static final int FLAG_SIGNED = 0x1;
    public static final int FLAG_UNSIGNED = 0x2;

    /** The seed used when {@code s_hash_seed} is all zero (MD4's initial state). */
    private static final int[] DEFAULT_SEED = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    /** The end-of-directory cookie of 32-bit hashes, which no name may hash to. */
    private static final int EOF_32 = 0x7fffffff;
    private static final int TEA_DELTA = 0x9E3779B9;
    private static final int MD4_K2 = 013240474631;
    private static final int MD4_K3 = 015666365641;

    private DirHash() {
    }

    /** Whether {@code version} (already adjusted for signedness) is one this class computes. */
    public static boolean known(int version) {
        return version >= LEGACY && version <= TEA_UNSIGNED;
    }

    /** The version a directory uses: its root's stored version, made unsigned when {@code s_flags} says so. */
    public static int effectiveVersion(int stored, long superblockFlags) {
        if (stored <= TEA && (superblockFlags & FLAG_UNSIGNED) != 0) {
            return stored + UNSIGNED_OFFSET;
        }
        return stored;
    }

    /**
     * The major hash of {@code name} under {@code version} (see {@link #known}) with
     * {@code seed} ({@code s_hash_seed} as four little-endian words).
     */
    public static int hash(int version, byte[] name, int[] seed) {
        int h;
        switch (version) {
            case LEGACY, LEGACY_UNSIGNED -> h = legacy(name, version == LEGACY_UNSIGNED);
            case HALF_MD4, HALF_MD4_UNSIGNED -> {
                int[] buf = initial(seed);
                int[] in = new int[8];
                for (int at = 0; at < name.length; at += 32) {
                    pack(name, at, in, 8, version == HALF_MD4_UNSIGNED);
                    halfMd4(buf, in);
                }
                h = buf[1];
            }
            case TEA, TEA_UNSIGNED -> {
                int[] buf = initial(seed);
                int[] in = new int[4];
                for (int at = 0; at < name.length; at += 16) {
                    pack(name, at, in, 4, version == TEA_UNSIGNED);
                    tea(buf, in);
                }
                h = buf[0];
            }
            default -> throw new IllegalArgumentException("hash version " + version);
        }
        h &= ~1;
        if (h == EOF_32 << 1) {
            h = (EOF_32 - 1) << 1;
        }
        return h;
    }

    private static int[] initial(int[] seed) {
        if (seed != null && (seed[0] | seed[1] | seed[2] | seed[3]) != 0) {
            return seed.clone();
        }
        return DEFAULT_SEED.clone();
    }

    private static int widen(byte b, boolean unsigned) {
        return unsigned ? b & 0xFF : b;
    }

    /** ext3's original hash: a running mix of two words over the bytes. */
    private static int legacy(byte[] name, boolean unsigned) {
        int h0 = 0x12a3fe2d;
        int h1 = 0x37abe8f9;
        for (byte b : name) {
            int h = h1 + (h0 ^ (widen(b, unsigned) * 7152373));
            if ((h & 0x80000000) != 0) {
                h -= 0x7fffffff;
            }
            h1 = h0;
            h0 = h;
        }
        return h0 << 1;
    }

    /**
     * Packs up to {@code 4 * words} bytes of {@code name} from {@code at} into {@code out}, big
     * end first within each word, padding with a word made of the remaining length.
     */
    private static void pack(byte[] name, int at, int[] out, int words, boolean unsigned) {
        int len = name.length - at;
        int pad = len | (len << 8);
        pad |= pad << 16;
        int val = pad;
        int n = Math.min(len, words * 4);
        int w = 0;
        for (int i = 0; i < n; i++) {
            val = widen(name[at + i], unsigned) + (val << 8);
            if (i % 4 == 3) {
                out[w++] = val;
                val = pad;
            }
        }
        if (w < words) {
            out[w++] = val;
        }
        while (w < words) {
            out[w++] = pad;
        }
    }

    private static void tea(int[] buf, int[] in) {
        int sum = 0;
        int b0 = buf[0];
        int b1 = buf[1];
        int a = in[0];
        int b = in[1];
        int c = in[2];
        int d = in[3];
        for (int n = 0; n < 16; n++) {
            sum += TEA_DELTA;
            b0 += ((b1 << 4) + a) ^ (b1 + sum) ^ ((b1 >>> 5) + b);
            b1 += ((b0 << 4) + c) ^ (b0 + sum) ^ ((b0 >>> 5) + d);
        }
        buf[0] += b0;
        buf[1] += b1;
    }

    private static int f(int x, int y, int z) {
        return z ^ (x & (y ^ z));
    }

    private static int g(int x, int y, int z) {
        return (x & y) + ((x ^ y) & z);
    }

    private static int h(int x, int y, int z) {
        return x ^ y ^ z;
    }

    /** Three rounds of MD4 over eight words, without the fourth round: "half" MD4. */
    private static void halfMd4(int[] buf, int[] in) {
        int a = buf[0];
        int b = buf[1];
        int c = buf[2];
        int d = buf[3];
        a = Integer.rotateLeft(a + f(b, c, d) + in[0], 3);
        d = Integer.rotateLeft(d + f(a, b, c) + in[1], 7);
        c = Integer.rotateLeft(c + f(d, a, b) + in[2], 11);
        b = Integer.rotateLeft(b + f(c, d, a) + in[3], 19);
        a = Integer.rotateLeft(a + f(b, c, d) + in[4], 3);
        d = Integer.rotateLeft(d + f(a, b, c) + in[5], 7);
        c = Integer.rotateLeft(c + f(d, a, b) + in[6], 11);
        b = Integer.rotateLeft(b + f(c, d, a) + in[7], 19);

        a = Integer.rotateLeft(a + g(b, c, d) + in[1] + MD4_K2, 3);
        d = Integer.rotateLeft(d + g(a, b, c) + in[3] + MD4_K2, 5);
        c = Integer.rotateLeft(c + g(d, a, b) + in[5] + MD4_K2, 9);
        b = Integer.rotateLeft(b + g(c, d, a) + in[7] + MD4_K2, 13);
        a = Integer.rotateLeft(a + g(b, c, d) + in[0] + MD4_K2, 3);
        d = Integer.rotateLeft(d + g(a, b, c) + in[2] + MD4_K2, 5);
        c = Integer.rotateLeft(c + g(d, a, b) + in[4] + MD4_K2, 9);
        b = Integer.rotateLeft(b + g(c, d, a) + in[6] + MD4_K2, 13);

        a = Integer.rotateLeft(a + h(b, c, d) + in[3] + MD4_K3, 3);
        d = Integer.rotateLeft(d + h(a, b, c) + in[7] + MD4_K3, 9);
        c = Integer.rotateLeft(c + h(d, a, b) + in[2] + MD4_K3, 11);
        b = Integer.rotateLeft(b + h(c, d, a) + in[6] + MD4_K3, 15);
        a = Integer.rotateLeft(a + h(b, c, d) + in[1] + MD4_K3, 3);
        d = Integer.rotateLeft(d + h(a, b, c) + in[5] + MD4_K3, 9);
        c = Integer.rotateLeft(c + h(d, a, b) + in[0] + MD4_K3, 11);
        b = Integer.rotateLeft(b + h(c, d, a) + in[4] + MD4_K3, 15);

        buf[0] += a;
        buf[1] += b;
        buf[2] += c;
        buf[3] += d;
    }
}
