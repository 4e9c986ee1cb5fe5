package io.jrump.fs.ext2.disk;

import java.nio.ByteBuffer;

/**
 * One block group descriptor: where the group's bitmaps and inode table are and how much of
 * it is free. 32 bytes, or {@code s_desc_size} (64) with the 64bit feature, whose upper half
 * holds the high words (e2fsprogs {@code struct ext4_group_desc}; ext4 wiki "Ext4 Disk
 * Layout", section Block Group Descriptors).
 */
public final class GroupDescriptor extends LeView {
    public static final int SIZE = 32;
    public static final int SIZE_64 = 64;
    /** {@code bg_flags}: inode table and bitmap not initialised. */
    public static final int INODE_UNINIT = 0x0001;
    /** {@code bg_flags}: block bitmap not initialised. */
    public static final int BLOCK_UNINIT = 0x0002;
    /** {@code bg_flags}: inode table zeroed. */
    public static final int ITABLE_ZEROED = 0x0004;

    private static final int BLOCK_BITMAP_LO = 0x00;
    private static final int INODE_BITMAP_LO = 0x04;
    private static final int INODE_TABLE_LO = 0x08;
    private static final int FREE_BLOCKS_LO = 0x0C;
    private static final int FREE_INODES_LO = 0x0E;
    private static final int USED_DIRS_LO = 0x10;
    private static final int FLAGS = 0x12;
    private static final int BLOCK_BITMAP_CSUM_LO = 0x18;
    private static final int INODE_BITMAP_CSUM_LO = 0x1A;
    private static final int ITABLE_UNUSED_LO = 0x1C;
    /** {@code bg_checksum}: the field a descriptor's checksum skips. */
    public static final int CHECKSUM = 0x1E;
    private static final int BLOCK_BITMAP_HI = 0x20;
    private static final int INODE_BITMAP_HI = 0x24;
    private static final int INODE_TABLE_HI = 0x28;
    private static final int FREE_BLOCKS_HI = 0x2C;
    private static final int FREE_INODES_HI = 0x2E;
    private static final int USED_DIRS_HI = 0x30;
    private static final int ITABLE_UNUSED_HI = 0x32;
    private static final int BLOCK_BITMAP_CSUM_HI = 0x38;
    private static final int INODE_BITMAP_CSUM_HI = 0x3A;

    private final boolean wide;

    /** A descriptor of {@code size} bytes (32, or 64 and more for 64bit) at {@code offset}. */
    public GroupDescriptor(ByteBuffer buffer, int offset, int size) {
        super(buffer, offset, size);
        this.wide = size >= SIZE_64;
    }

    public long blockBitmap() { return join(u32(BLOCK_BITMAP_LO), wide ? u32(BLOCK_BITMAP_HI) : 0); }
    public void setBlockBitmap(long b) { put32(BLOCK_BITMAP_LO, b); if (wide) put32(BLOCK_BITMAP_HI, b >>> 32); }
    public long inodeBitmap() { return join(u32(INODE_BITMAP_LO), wide ? u32(INODE_BITMAP_HI) : 0); }
    public void setInodeBitmap(long b) { put32(INODE_BITMAP_LO, b); if (wide) put32(INODE_BITMAP_HI, b >>> 32); }
    public long inodeTable() { return join(u32(INODE_TABLE_LO), wide ? u32(INODE_TABLE_HI) : 0); }
    public void setInodeTable(long b) { put32(INODE_TABLE_LO, b); if (wide) put32(INODE_TABLE_HI, b >>> 32); }

    public long freeBlocks() { return u16(FREE_BLOCKS_LO) | (wide ? (long) u16(FREE_BLOCKS_HI) << 16 : 0); }
    public void setFreeBlocks(long n) { put16(FREE_BLOCKS_LO, (int) n); if (wide) put16(FREE_BLOCKS_HI, (int) (n >>> 16)); }
    public long freeInodes() { return u16(FREE_INODES_LO) | (wide ? (long) u16(FREE_INODES_HI) << 16 : 0); }
    public void setFreeInodes(long n) { put16(FREE_INODES_LO, (int) n); if (wide) put16(FREE_INODES_HI, (int) (n >>> 16)); }
    public long usedDirs() { return u16(USED_DIRS_LO) | (wide ? (long) u16(USED_DIRS_HI) << 16 : 0); }
    public void setUsedDirs(long n) { put16(USED_DIRS_LO, (int) n); if (wide) put16(USED_DIRS_HI, (int) (n >>> 16)); }
    public long itableUnused() { return u16(ITABLE_UNUSED_LO) | (wide ? (long) u16(ITABLE_UNUSED_HI) << 16 : 0); }
    public void setItableUnused(long n) { put16(ITABLE_UNUSED_LO, (int) n); if (wide) put16(ITABLE_UNUSED_HI, (int) (n >>> 16)); }

    public int flags() { return u16(FLAGS); }
    public void setFlags(int f) { put16(FLAGS, f); }
    public int checksum() { return u16(CHECKSUM); }
    public void setChecksum(int c) { put16(CHECKSUM, c); }

    /** The block bitmap's crc32c (low half only without 64-bit descriptors). */
    public long blockBitmapChecksum() { return u16(BLOCK_BITMAP_CSUM_LO) | (wide ? (long) u16(BLOCK_BITMAP_CSUM_HI) << 16 : 0); }
    public long inodeBitmapChecksum() { return u16(INODE_BITMAP_CSUM_LO) | (wide ? (long) u16(INODE_BITMAP_CSUM_HI) << 16 : 0); }
    public void setBitmapChecksums(long blockCsum, long inodeCsum) {
        put16(BLOCK_BITMAP_CSUM_LO, (int) blockCsum);
        put16(INODE_BITMAP_CSUM_LO, (int) inodeCsum);
        if (wide) {
            put16(BLOCK_BITMAP_CSUM_HI, (int) (blockCsum >>> 16));
            put16(INODE_BITMAP_CSUM_HI, (int) (inodeCsum >>> 16));
        }
    }

    public boolean isWide() {
        return wide;
    }
}
