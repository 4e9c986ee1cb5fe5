package io.jrump.fs.ext2.disk;

import java.nio.ByteBuffer;

/**
 * The metadata_csum checksums, as the ext4 wiki "Ext4 Disk Layout" (section Checksums) and
 * Linux's {@code fs/ext4} define them: crc32c chained from a file-system seed (the crc of the
 * UUID, or {@code s_checksum_seed} with metadata_csum_seed), per inode continued with the inode
 * number and generation. Fields that hold a checksum count as zero while it is computed.
 */
public final class Checksums {
    private Checksums() {
    }

    /** The seed every other checksum starts from. */
    public static int fsSeed(Superblock sb) {
        if (sb.has(Feature.CSUM_SEED)) {
            return sb.checksumSeed();
        }
        byte[] uuid = sb.uuid();
        return Crc32c.update(~0, uuid, 0, uuid.length);
    }

    /** The superblock's: everything before {@code s_checksum}, seeded with ~0. */
    public static int superblock(Superblock sb) {
        return Crc32c.update(~0, sb.buffer(), sb.offset(), sb.offset() + Superblock.CHECKSUM);
    }

    /** A group descriptor's 16-bit checksum (metadata_csum form). */
    public static int groupDescriptor(int fsSeed, long group, GroupDescriptor gd, int descSize) {
        ByteBuffer b = gd.buffer();
        int at = gd.offset();
        int c = Crc32c.updateInt(fsSeed, (int) group);
        c = Crc32c.update(c, b, at, at + GroupDescriptor.CHECKSUM);
        c = Crc32c.update(c, new byte[2], 0, 2);
        c = Crc32c.update(c, b, at + GroupDescriptor.CHECKSUM + 2, at + descSize);
        return c & 0xFFFF;
    }

    /** The seed of one inode's checksums (inode, extent blocks, directory blocks). */
    public static int inodeSeed(int fsSeed, long ino, long generation) {
        return Crc32c.updateInt(Crc32c.updateInt(fsSeed, (int) ino), (int) generation);
    }

    /**
     * An inode's checksum over {@code s_inode_size} bytes with both checksum halves as zero;
     * only the low 16 bits count when the inode has no room for the high half.
     */
    public static long inode(int inodeSeed, Inode inode) {
        ByteBuffer b = inode.buffer();
        int at = inode.offset();
        byte[] zero = new byte[2];
        int c = Crc32c.update(inodeSeed, b, at, at + Inode.CHECKSUM_LO);
        c = Crc32c.update(c, zero, 0, 2);
        c = Crc32c.update(c, b, at + Inode.CHECKSUM_LO + 2, at + Superblock.GOOD_OLD_INODE_SIZE);
        if (inode.size() > Superblock.GOOD_OLD_INODE_SIZE) {
            c = Crc32c.update(c, b, at + Superblock.GOOD_OLD_INODE_SIZE, at + Inode.CHECKSUM_HI);
            int rest = Inode.CHECKSUM_HI;
            if (inode.hasChecksumHi()) {
                c = Crc32c.update(c, zero, 0, 2);
                rest += 2;
            }
            c = Crc32c.update(c, b, at + rest, at + inode.size());
        }
        long v = c & 0xFFFF_FFFFL;
        return inode.hasChecksumHi() ? v : v & 0xFFFF;
    }

    /** A block-sized extent node's checksum: the header and {@code eh_max} entries. */
    public static long extentBlock(int inodeSeed, ExtentNode node) {
        return Crc32c.update(inodeSeed, node.buffer(), node.offset(), node.offset() + node.tailOffset()) & 0xFFFF_FFFFL;
    }

    /** A directory leaf block's checksum: everything before the 12-byte tail. */
    public static long dirBlock(int inodeSeed, ByteBuffer block, int blockSize) {
        return Crc32c.update(inodeSeed, block, 0, blockSize - DirRecord.TAIL_SIZE) & 0xFFFF_FFFFL;
    }

    /**
     * A hashed directory's index block checksum ({@code dx_tail.dt_checksum}): the block up to
     * the last used entry, then the tail's reserved word and a zero word in place of the
     * checksum (ext4 wiki "Ext4 Disk Layout", Hash Tree Directories).
     */
    public static long dxBlock(int inodeSeed, DxNode node) {
        ByteBuffer b = node.buffer();
        int c = Crc32c.update(inodeSeed, b, 0, node.checkedLength());
        int tail = node.tailOffset();
        c = Crc32c.update(c, b, tail, tail + 4);
        c = Crc32c.updateInt(c, 0);
        return c & 0xFFFF_FFFFL;
    }

    /**
     * An extended-attribute block's {@code h_checksum}: the file-system seed continued with the
     * block's number (64 bits, little-endian), then the block with the checksum field as zero
     * (ext4 wiki "Ext4 Disk Layout", Extended Attributes).
     */
    public static int xattrBlock(int fsSeed, long block, ByteBuffer b, int blockSize) {
        int c = Crc32c.updateInt(Crc32c.updateInt(fsSeed, (int) block), (int) (block >>> 32));
        c = Crc32c.update(c, b, 0, XattrRegion.H_CHECKSUM);
        c = Crc32c.updateInt(c, 0);
        return Crc32c.update(c, b, XattrRegion.H_CHECKSUM + 4, blockSize);
    }
}
