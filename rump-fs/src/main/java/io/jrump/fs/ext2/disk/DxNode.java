package io.jrump.fs.ext2.disk;

import java.nio.ByteBuffer;

/**
 * One block of a hashed directory's index: the root ({@code struct dx_root}, block 0) or an
 * interior node ({@code struct dx_node}). Both hide the index behind directory records, so
 * that a reader that knows nothing of it sees an ordinary directory: the root holds "." (12
 * bytes) and ".." (spanning the rest of the block), then an 8-byte {@code dx_root_info}
 * (reserved word, hash version, info length 8, indirect levels, flags) at byte 24; an interior
 * node is one unused record spanning the whole block. The entries follow ({@code struct
 * dx_entry}: hash, logical block), the first of which keeps {@code limit} and {@code count}
 * (16 bits each) where its hash would be, its hash being implicitly 0. With metadata_csum,
 * the entry slot after {@code limit} entries is a {@code struct dx_tail} (reserved word,
 * checksum). Source: the ext4 wiki "Ext4 Disk Layout", section Hash Tree Directories;
 * e2fsprogs {@code lib/ext2fs/ext2_fs.h}.
 */
public final class DxNode extends LeView {
    /** Where the root's {@code dx_root_info} starts: after "." and "..". */
    public static final int ROOT_INFO = 24;
    /** Size of {@code dx_root_info}, the only {@code info_length} there is. */
    public static final int ROOT_INFO_LENGTH = 8;
    /** Where {@code limit}/{@code count} lie in a root and in an interior node. */
    public static final int ROOT_COUNT_OFFSET = ROOT_INFO + ROOT_INFO_LENGTH;
    public static final int NODE_COUNT_OFFSET = 8;
    /** Bytes of one {@code dx_entry}. */
    public static final int ENTRY_SIZE = 8;
    /** Bytes of {@code dx_tail}. */
    public static final int TAIL_SIZE = 8;
    /** Bits of {@code dx_entry.block} that name the block (the top four are reserved). */
    public static final long BLOCK_MASK = 0x0FFF_FFFFL;
    /** {@code dx_root_info.unused_flags} bit that no kernel implements. */
    public static final int FLAG_UNIMPLEMENTED = 0x1;

    private final int countOffset;
    private final int blockSize;

    private DxNode(ByteBuffer block, int blockSize, int countOffset) {
        super(block, 0, blockSize);
        this.blockSize = blockSize;
        this.countOffset = countOffset;
    }

    /** The root view of a directory's block 0. */
    public static DxNode root(ByteBuffer block, int blockSize) {
        return new DxNode(block, blockSize, ROOT_COUNT_OFFSET);
    }

    /** The interior-node view of a block. */
    public static DxNode node(ByteBuffer block, int blockSize) {
        return new DxNode(block, blockSize, NODE_COUNT_OFFSET);
    }

    public boolean isRoot() {
        return countOffset == ROOT_COUNT_OFFSET;
    }

    public int hashVersion() { return u8(ROOT_INFO + 4); }
    public int infoLength() { return u8(ROOT_INFO + 5); }
    public int indirectLevels() { return u8(ROOT_INFO + 6); }
    public int unusedFlags() { return u8(ROOT_INFO + 7); }

    public int limit() { return u16(countOffset); }
    public int count() { return u16(countOffset + 2); }

    /** Entry {@code i}'s hash: 0 for the first, whose slot holds limit and count. */
    public int hash(int i) {
        return i == 0 ? 0 : s32(countOffset + i * ENTRY_SIZE);
    }

    /** Entry {@code i}'s logical block in the directory. */
    public long block(int i) {
        return u32(countOffset + i * ENTRY_SIZE + 4) & BLOCK_MASK;
    }

    /** How many entries fit: what {@link #limit()} must say. */
    public int expectedLimit(boolean checksummed) {
        return (blockSize - countOffset - (checksummed ? TAIL_SIZE : 0)) / ENTRY_SIZE;
    }

    /** Where the {@code dx_tail} lies (after {@code limit} entries); valid once {@link #check} passed. */
    public int tailOffset() {
        return countOffset + limit() * ENTRY_SIZE;
    }

    /** The checksum stored in the {@code dx_tail}. */
    public long storedChecksum() {
        return u32(tailOffset() + 4);
    }

    /** Bytes the checksum covers before the tail: the header up to and including the used entries. */
    public int checkedLength() {
        return countOffset + count() * ENTRY_SIZE;
    }

    /**
     * Null when the records that hide the index, {@code limit} and {@code count} (and for the
     * root its info) are what the kernel writes; otherwise what is wrong. After it passed,
     * every entry up to {@link #count()} and the tail lie inside the block.
     */
    public String check(boolean checksummed) {
        if (isRoot()) {
            DirRecord dot = new DirRecord(buf, 0);
            DirRecord dotdot = new DirRecord(buf, 12);
            if (dot.rawRecLen() != 12 || dotdot.recLen(blockSize) != blockSize - 12) {
                return "index root does not start with '.' and '..' records";
            }
            if (infoLength() != ROOT_INFO_LENGTH) {
                return "index root info length " + infoLength() + " (not 8)";
            }
            if ((unusedFlags() & FLAG_UNIMPLEMENTED) != 0) {
                return "index root has unimplemented flags 0x" + Integer.toHexString(unusedFlags());
            }
        } else {
            DirRecord fake = new DirRecord(buf, 0);
            if (fake.inode() != 0 || fake.recLen(blockSize) != blockSize) {
                return "index node does not start with an empty record spanning the block";
            }
        }
        if (limit() != expectedLimit(checksummed)) {
            return "index limit " + limit() + " (expected " + expectedLimit(checksummed) + ")";
        }
        if (count() == 0 || count() > limit()) {
            return "index count " + count() + " out of range (1.." + limit() + ")";
        }
        return null;
    }
}
