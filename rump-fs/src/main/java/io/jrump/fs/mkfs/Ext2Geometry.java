package io.jrump.fs.mkfs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.fs.ext2.disk.Feature;
import io.jrump.fs.ext2.disk.GroupDescriptor;
import io.jrump.fs.ext2.disk.GroupLayout;
import io.jrump.fs.ext2.disk.Superblock;

/**
 * The shape of a new ext2 file system, computed the way {@code mke2fs} computes it so that
 * the same size gives the same file system: the size type and its block size and inode ratio
 * from e2fsprogs' default {@code mke2fs.conf} ({@code floppy} under 3 MiB, {@code small} under
 * 512 MiB, {@code default}, {@code big} from 4 TiB, {@code huge} from 16 TiB), then
 * {@code ext2fs_initialize}'s rules: inodes per group rounded to fill whole inode-table blocks
 * and to a multiple of 8, reserved GDT blocks for growth to 1024 times the size (at most 2^32
 * blocks), 5% reserved blocks, and a last group too small for its own metadata plus 50 blocks
 * dropped. Sources: e2fsprogs {@code misc/mke2fs.c}, {@code misc/mke2fs.conf.in},
 * {@code lib/ext2fs/initialize.c} (1.47).
 */
final class Ext2Geometry {
    static final int INODE_SIZE = 256;
    /** mke2fs's default {@code -m}: percent of blocks reserved for root. */
    private static final double RESERVED_PERCENT = 5.0;
    /** A last group with fewer blocks than its metadata plus this is dropped (initialize.c). */
    private static final int LAST_GROUP_SLACK = 50;
    private static final long MIB = 1L << 20;
    /** The page size mke2fs assumes on x86. */
    private static final int PAGE_SIZE = 4096;
    private static final long TIB = 1L << 40;
    /** Without the 64bit feature block numbers are 32 bits. */
    private static final long MAX_BLOCKS = 0xFFFF_FFFFL;

    final int blockSize;
    final long blocks;
    final long firstDataBlock;
    final long blocksPerGroup;
    final long groups;
    final long descBlocks;
    final int reservedGdt;
    final long inodesPerGroup;
    final long inodeTableBlocks;
    final long reservedBlocks;
    /** A superblock with the feature words set, to ask {@link GroupLayout} which groups hold copies. */
    final Superblock features;

    private Ext2Geometry(int blockSize, long blocks, long firstDataBlock, long blocksPerGroup, long groups, long descBlocks,
            int reservedGdt, long inodesPerGroup, long inodeTableBlocks, long reservedBlocks, Superblock features) {
        this.blockSize = blockSize;
        this.blocks = blocks;
        this.firstDataBlock = firstDataBlock;
        this.blocksPerGroup = blocksPerGroup;
        this.groups = groups;
        this.descBlocks = descBlocks;
        this.reservedGdt = reservedGdt;
        this.inodesPerGroup = inodesPerGroup;
        this.inodeTableBlocks = inodeTableBlocks;
        this.reservedBlocks = reservedBlocks;
        this.features = features;
    }

    /** The block size mke2fs picks for a device of {@code bytes}. */
    static int defaultBlockSize(long bytes) {
        return bytes < 512 * MIB ? 1024 : 4096;
    }

    /** Bytes of device per inode, by size type. */
    private static long inodeRatio(long bytes) {
        if (bytes < 3 * MIB) {
            return 8192; // floppy
        }
        if (bytes < 512 * MIB) {
            return 4096; // small
        }
        if (bytes < 4 * TIB) {
            return 16384; // default
        }
        return bytes < 16 * TIB ? 32768 : 65536; // big, huge
    }

    /**
     * @param blockSize 1024, 2048, 4096, or 0 for mke2fs's choice
     * @param sectorSize the device's sector size, which a block may not be smaller than
     */
    static Ext2Geometry compute(long bytes, int blockSize, int sectorSize) throws ErrnoException {
        int bs = blockSize == 0 ? Math.max(defaultBlockSize(bytes), sectorSize) : blockSize;
        if (bs != 1024 && bs != 2048 && bs != 4096) {
            throw new ErrnoException(Errno.EINVAL, "block size " + bs + " is not 1024, 2048 or 4096");
        }
        if (bs < sectorSize) {
            throw new ErrnoException(Errno.EINVAL, "block size " + bs + " is smaller than the device's " + sectorSize + "-byte sector");
        }
        // mke2fs rounds a device's size down to whole 4 KiB pages (misc/mke2fs.c, PRS).
        long paramBlocks = bytes / bs & ~(PAGE_SIZE / bs - 1L);
        if (paramBlocks > MAX_BLOCKS) {
            throw new ErrnoException(Errno.EFBIG, bytes + " bytes is " + paramBlocks + " blocks of " + bs
                    + ", more than ext2's 2^32 without the 64bit feature");
        }
        long ratio = Math.max(inodeRatio(bytes), bs);
        long paramInodes = paramBlocks * bs / ratio;
        long paramReserved = (long) (RESERVED_PERCENT * paramBlocks / 100.0);
        long first = bs == 1024 ? 1 : 0;
        long bpg = 8L * bs;
        long blocks = paramBlocks;
        long reserved = paramReserved;

        Superblock sb = Superblock.allocate();
        sb.setRevLevel(Superblock.REV_DYNAMIC);
        sb.setFeatures(Feature.Kind.RO_COMPAT, Feature.maskOf(Feature.Kind.RO_COMPAT, Feature.SPARSE_SUPER, Feature.LARGE_FILE));

        while (true) {
            if (blocks <= first) {
                throw tooSmall(bytes);
            }
            long groups = ceil(blocks - first, bpg);
            long descBlocks = ceil(groups, bs / GroupDescriptor.SIZE);
            long inodes = Math.max(paramInodes, Superblock.GOOD_OLD_FIRST_INO + 1);
            long ipg = ceil(inodes, groups);
            if (ipg > 8L * bs) {
                // Too many inodes for one bitmap block: smaller groups, more of them (initialize.c).
                bpg -= 8;
                blocks = paramBlocks;
                continue;
            }
            int perBlock = bs / INODE_SIZE;
            ipg = Math.min(ipg, 65536 - perBlock);
            long itb = ceil(ipg * INODE_SIZE, bs);
            ipg = (itb * bs / INODE_SIZE) & ~7L;
            itb = ceil(ipg * INODE_SIZE, bs);
            int rsv = reservedGdt(blocks, first, bpg, bs, descBlocks);
            if (3 + itb + rsv + descBlocks > bpg) {
                throw new ErrnoException(Errno.EINVAL, "too many inodes (" + ipg + " per group) for " + bpg + "-block groups");
            }
            long lastOverhead = 2 + itb;
            if (GroupLayout.hasSuperblock(sb, groups - 1)) {
                lastOverhead += 1 + descBlocks + rsv;
            }
            long rem = (blocks - first) % bpg;
            if (groups == 1 && rem != 0 && rem < lastOverhead) {
                throw tooSmall(bytes);
            }
            if (rem != 0 && rem < lastOverhead + LAST_GROUP_SLACK) {
                double ratioReserved = 100.0 * paramReserved / paramBlocks;
                blocks -= rem;
                reserved = (long) (ratioReserved * blocks / 100.0);
                continue;
            }
            return new Ext2Geometry(bs, blocks, first, bpg, groups, descBlocks, rsv, ipg, itb, reserved, sb);
        }
    }

    /** {@code calc_reserved_gdt_blocks}: room for the descriptors of 1024 times the size, at most 2^32 blocks, at most one indirect block's worth. */
    private static int reservedGdt(long blocks, long first, long bpg, int bs, long descBlocks) {
        long max = blocks < MAX_BLOCKS / 1024 ? blocks * 1024 : MAX_BLOCKS;
        long rsvGroups = ceil(max - first, bpg);
        long rsv = ceil(rsvGroups, bs / GroupDescriptor.SIZE) - descBlocks;
        return (int) Math.max(0, Math.min(rsv, bs / 4));
    }

    private static ErrnoException tooSmall(long bytes) {
        return new ErrnoException(Errno.EINVAL, bytes + " bytes is too small for an ext2 file system");
    }

    static long ceil(long a, long b) {
        return (a + b - 1) / b;
    }

    long inodes() {
        return inodesPerGroup * groups;
    }

    boolean hasSuperblock(long group) {
        return GroupLayout.hasSuperblock(features, group);
    }

    long groupStart(long group) {
        return firstDataBlock + group * blocksPerGroup;
    }

    long blocksInGroup(long group) {
        return Math.min(blocksPerGroup, blocks - groupStart(group));
    }

    /** Blocks at the start of a group taken by the superblock copy, descriptors and reserved GDT blocks. */
    long superblockArea(long group) {
        return hasSuperblock(group) ? 1 + descBlocks + reservedGdt : 0;
    }

    long blockBitmap(long group) {
        return groupStart(group) + superblockArea(group);
    }

    long inodeBitmap(long group) {
        return blockBitmap(group) + 1;
    }

    long inodeTable(long group) {
        return blockBitmap(group) + 2;
    }

    /** The first block of a group after its fixed metadata. */
    long firstFree(long group) {
        return inodeTable(group) + inodeTableBlocks;
    }

    /** The groups after 0 that hold a superblock copy, in order. */
    java.util.List<Long> backupGroups() {
        java.util.List<Long> out = new java.util.ArrayList<>();
        for (long g = 1; g < groups; g++) {
            if (hasSuperblock(g)) {
                out.add(g);
            }
        }
        return out;
    }
}
