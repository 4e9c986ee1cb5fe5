package io.jrump.fs.ext2.disk;

/**
 * Where the fixed metadata of each block group lies: which groups carry a copy of the
 * superblock and descriptor table (all, or with sparse_super groups 0, 1 and powers of 3, 5
 * and 7), how many blocks the descriptor table takes, and where the block holding a given
 * group's descriptor is (after the primary superblock, or with meta_bg in the first, second
 * and last group of its meta group). Source: ext4 wiki "Ext4 Disk Layout", sections Layout,
 * Flexible Block Groups and Meta Block Groups.
 */
public final class GroupLayout {
    private GroupLayout() {
    }

    /** Whether {@code group} holds a superblock copy (and with it, without meta_bg, a descriptor table copy). */
    public static boolean hasSuperblock(Superblock sb, long group) {
        if (group == 0) {
            return true;
        }
        if (sb.has(Feature.SPARSE_SUPER2)) {
            return group == sb.backupGroup(0) || group == sb.backupGroup(1);
        }
        if (!sb.has(Feature.SPARSE_SUPER)) {
            return true;
        }
        return group == 1 || isPowerOf(group, 3) || isPowerOf(group, 5) || isPowerOf(group, 7);
    }

    private static boolean isPowerOf(long n, int base) {
        long p = base;
        while (p < n) {
            p *= base;
        }
        return p == n;
    }

    /** Descriptors per block. */
    public static int descriptorsPerBlock(Superblock sb) {
        return sb.blockSize() / sb.descSize();
    }

    /** Blocks the whole descriptor table takes. */
    public static long descriptorBlocks(Superblock sb) {
        long per = descriptorsPerBlock(sb);
        return (sb.groupCount() + per - 1) / per;
    }

    /** First block of {@code group}. */
    public static long groupStart(Superblock sb, long group) {
        return sb.firstDataBlock() + group * sb.blocksPerGroup();
    }

    /** Blocks in {@code group} (the last may be short). */
    public static long blocksInGroup(Superblock sb, long group) {
        long start = groupStart(sb, group);
        return Math.min(sb.blocksPerGroup(), sb.blocksCount() - start);
    }

    /** The block holding descriptor number {@code index} of the table (index = block of the table, not group). */
    public static long descriptorBlock(Superblock sb, long tableBlock) {
        long firstMeta = sb.firstMetaBg();
        if (!sb.has(Feature.META_BG) || tableBlock < firstMeta) {
            return sb.firstDataBlock() + 1 + tableBlock;
        }
        long group = tableBlock * descriptorsPerBlock(sb);
        return groupStart(sb, group) + (hasSuperblock(sb, group) ? 1 : 0);
    }
}
