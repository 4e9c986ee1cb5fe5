package io.jrump.fs.ext2.journal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The journal superblock (journal block 0), and the header every journal block starts with,
 * both big-endian, unlike the rest of ext4. Field offsets are those of {@code journal_header_t}
 * and {@code journal_superblock_t} in e2fsprogs {@code lib/ext2fs/kernel-jbd.h} and the ext4
 * wiki "Ext4 Disk Layout", section Journal (jbd2).
 */
public final class JournalSuperblock {
    /** {@code h_magic} of every journal metadata block. */
    public static final int MAGIC = 0xC03B3998;
    /** {@code h_blocktype} values. */
    public static final int DESCRIPTOR = 1;
    public static final int COMMIT = 2;
    public static final int SUPERBLOCK_V1 = 3;
    public static final int SUPERBLOCK_V2 = 4;
    public static final int REVOKE = 5;
    /** Bytes of {@code journal_header_t}: magic, block type, sequence. */
    public static final int HEADER = 12;
    /** Bytes the superblock's checksum covers. */
    public static final int SIZE = 1024;

    /** {@code s_feature_compat}: commit blocks carry a crc32 of the data (v1 checksums, not verified here). */
    public static final int COMPAT_CHECKSUM = 0x1;
    /** {@code s_feature_incompat} bits. */
    public static final int INCOMPAT_REVOKE = 0x1;
    public static final int INCOMPAT_64BIT = 0x2;
    public static final int INCOMPAT_ASYNC_COMMIT = 0x4;
    public static final int INCOMPAT_CSUM_V2 = 0x8;
    public static final int INCOMPAT_CSUM_V3 = 0x10;
    public static final int INCOMPAT_FAST_COMMIT = 0x20;
    /** The incompat features this replay understands. */
    public static final int KNOWN_INCOMPAT = INCOMPAT_REVOKE | INCOMPAT_64BIT | INCOMPAT_ASYNC_COMMIT | INCOMPAT_CSUM_V2 | INCOMPAT_CSUM_V3;
    /** {@code s_checksum_type} of crc32c, the only one v2/v3 checksums use. */
    public static final int CHECKSUM_CRC32C = 4;

    static final int H_MAGIC = 0x0;
    static final int H_BLOCKTYPE = 0x4;
    static final int H_SEQUENCE = 0x8;
    private static final int S_BLOCKSIZE = 0xC;
    private static final int S_MAXLEN = 0x10;
    private static final int S_FIRST = 0x14;
    private static final int S_SEQUENCE = 0x18;
    private static final int S_START = 0x1C;
    private static final int S_FEATURE_COMPAT = 0x24;
    private static final int S_FEATURE_INCOMPAT = 0x28;
    private static final int S_UUID = 0x30;
    private static final int S_CHECKSUM_TYPE = 0x50;
    /** {@code s_checksum}: crc32c of the 1024 bytes with this field zero. */
    public static final int S_CHECKSUM = 0xFC;

    private final ByteBuffer b;

    /** A view of the first {@link #SIZE} bytes of {@code block}. */
    public JournalSuperblock(ByteBuffer block) {
        this.b = block.duplicate().order(ByteOrder.BIG_ENDIAN);
    }

    public int magic() { return b.getInt(H_MAGIC); }
    public int blockType() { return b.getInt(H_BLOCKTYPE); }
    public long blockSize() { return u32(S_BLOCKSIZE); }
    /** Blocks of the journal, counting the superblock. */
    public long maxLen() { return u32(S_MAXLEN); }
    /** The first block of the log. */
    public long first() { return u32(S_FIRST); }
    /** The sequence number of the first transaction to replay. */
    public int sequence() { return b.getInt(S_SEQUENCE); }
    /** Where the log to replay starts; 0 when the journal is clean. */
    public long start() { return u32(S_START); }
    public int compat() { return isV2() ? b.getInt(S_FEATURE_COMPAT) : 0; }
    public int incompat() { return isV2() ? b.getInt(S_FEATURE_INCOMPAT) : 0; }
    public int checksumType() { return b.get(S_CHECKSUM_TYPE) & 0xFF; }
    public int checksum() { return b.getInt(S_CHECKSUM); }

    public byte[] uuid() {
        byte[] u = new byte[16];
        b.get(S_UUID, u);
        return u;
    }

    public boolean isV2() {
        return blockType() == SUPERBLOCK_V2;
    }

    public boolean has(int incompatBit) {
        return (incompat() & incompatBit) != 0;
    }

    /** Whether blocks carry v2 or v3 checksums (crc32c). */
    public boolean checksummed() {
        return has(INCOMPAT_CSUM_V2) || has(INCOMPAT_CSUM_V3);
    }

    private long u32(int at) {
        return b.getInt(at) & 0xFFFF_FFFFL;
    }

    /**
     * Null when the superblock can be replayed from, on a journal of {@code blocks} blocks of
     * {@code blockSize} bytes; otherwise what is wrong.
     */
    public String check(int blockSize, long blocks) {
        if (magic() != MAGIC) {
            return String.format("bad magic 0x%08x", magic());
        }
        if (blockType() != SUPERBLOCK_V1 && blockType() != SUPERBLOCK_V2) {
            return "block type " + blockType() + " is not a journal superblock";
        }
        if (blockSize() != blockSize) {
            return "block size " + blockSize() + " differs from the file system's " + blockSize;
        }
        if (maxLen() > blocks || maxLen() < 2) {
            return "length " + maxLen() + " blocks out of range (2.." + blocks + ")";
        }
        if (first() < 1 || first() >= maxLen()) {
            return "first log block " + first() + " out of range (1.." + (maxLen() - 1) + ")";
        }
        if (start() != 0 && (start() < first() || start() >= maxLen())) {
            return "log start " + start() + " out of range (" + first() + ".." + (maxLen() - 1) + ")";
        }
        if (checksummed() && checksumType() != CHECKSUM_CRC32C) {
            return "checksum type " + checksumType() + " unknown";
        }
        if (has(INCOMPAT_CSUM_V2) && has(INCOMPAT_CSUM_V3)) {
            return "both checksum v2 and v3";
        }
        return null;
    }
}
