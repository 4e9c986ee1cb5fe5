package io.jrump.fs.ext2;

import io.jrump.api.ErrnoException;
import io.jrump.fs.bio.Buf;
import io.jrump.fs.bio.BufferCache;
import io.jrump.fs.ext2.disk.Checksums;
import io.jrump.fs.ext2.disk.Feature;
import io.jrump.fs.ext2.disk.GroupDescriptor;
import io.jrump.fs.ext2.disk.GroupLayout;
import io.jrump.fs.ext2.disk.Superblock;
import java.nio.ByteBuffer;

/**
 * The block group descriptors, read whole at mount and kept in memory (as Linux keeps
 * {@code s_group_desc}): they are consulted on every allocation and inode read. Checked once
 * at mount, so every bitmap and inode table they name lies inside the file system; changes
 * are written back to the primary table by {@link #writeBack}. Backup copies are left as
 * mke2fs wrote them, as Linux's ext2 does, since e2fsck only compares their geometry.
 */
final class GroupTable {
    private final Superblock sb;
    private final int descSize;
    private final int perBlock;
    private final long groups;
    private final byte[] table;
    private final GroupDescriptor[] descs;
    private final boolean[] dirtyBlocks;
    private final long inodeTableBlocks;

    private GroupTable(Superblock sb, byte[] table) {
        this.sb = sb;
        this.descSize = sb.descSize();
        this.perBlock = GroupLayout.descriptorsPerBlock(sb);
        this.groups = sb.groupCount();
        this.table = table;
        this.descs = new GroupDescriptor[(int) groups];
        ByteBuffer b = ByteBuffer.wrap(table);
        for (int g = 0; g < groups; g++) {
            descs[g] = new GroupDescriptor(b, g * descSize, descSize);
        }
        this.dirtyBlocks = new boolean[(int) GroupLayout.descriptorBlocks(sb)];
        this.inodeTableBlocks = (sb.inodesPerGroup() * sb.inodeSize() + sb.blockSize() - 1) / sb.blockSize();
    }

    /** Reads and checks the descriptor table. */
    static GroupTable load(Superblock sb, BufferCache cache) throws ErrnoException {
        long groups = sb.groupCount();
        long tableBlocks = GroupLayout.descriptorBlocks(sb);
        int bs = sb.blockSize();
        if (groups > Integer.MAX_VALUE / 64 || tableBlocks * bs > 256L << 20) {
            throw Damage.corrupt("superblock: " + groups + " block groups is more than this driver holds in memory");
        }
        byte[] table = new byte[(int) (tableBlocks * bs)];
        for (long i = 0; i < tableBlocks; i++) {
            long blk = GroupLayout.descriptorBlock(sb, i);
            if (blk >= sb.blocksCount()) {
                throw Damage.corrupt("group descriptor block " + blk + " beyond end of file system (" + sb.blocksCount() + " blocks)");
            }
            try (Buf b = cache.read(blk)) {
                System.arraycopy(b.array(), 0, table, (int) (i * bs), bs);
            }
        }
        GroupTable t = new GroupTable(sb, table);
        t.check();
        return t;
    }

    private void check() throws ErrnoException {
        boolean csum = sb.has(Feature.METADATA_CSUM);
        int seed = csum ? Checksums.fsSeed(sb) : 0;
        boolean flex = sb.has(Feature.FLEX_BG);
        long blocks = sb.blocksCount();
        long ipg = sb.inodesPerGroup();
        for (int g = 0; g < groups; g++) {
            GroupDescriptor d = descs[g];
            long where = GroupLayout.descriptorBlock(sb, g / perBlock);
            String name = "group descriptor " + g + " (block " + where + ")";
            if (csum) {
                int want = Checksums.groupDescriptor(seed, g, d, descSize);
                if (want != d.checksum()) {
                    throw Damage.checksum(name, where, d.checksum(), want);
                }
            }
            long start = GroupLayout.groupStart(sb, g);
            long end = start + GroupLayout.blocksInGroup(sb, g);
            long lo = flex ? sb.firstDataBlock() : start;
            long hi = flex ? blocks : end;
            checkIn(name, "block bitmap", d.blockBitmap(), 1, lo, hi);
            checkIn(name, "inode bitmap", d.inodeBitmap(), 1, lo, hi);
            checkIn(name, "inode table", d.inodeTable(), inodeTableBlocks, lo, hi);
            if (d.freeBlocks() > GroupLayout.blocksInGroup(sb, g)) {
                throw Damage.corrupt(name + ": free blocks count " + d.freeBlocks() + " exceeds group size");
            }
            if (d.freeInodes() > ipg || d.usedDirs() > ipg) {
                throw Damage.corrupt(name + ": inode counts " + d.freeInodes() + "/" + d.usedDirs() + " exceed " + ipg + " inodes");
            }
        }
    }

    private static void checkIn(String name, String what, long block, long count, long lo, long hi) throws ErrnoException {
        if (block < lo || block + count > hi) {
            throw Damage.corrupt(name + ": " + what + " at block " + block + " outside " + lo + ".." + (hi - 1));
        }
    }

    long count() {
        return groups;
    }

    GroupDescriptor get(long group) {
        return descs[(int) group];
    }

    long inodeTableBlocks() {
        return inodeTableBlocks;
    }

    /** Records that {@code group}'s descriptor changed. */
    void changed(long group) {
        dirtyBlocks[(int) (group / perBlock)] = true;
    }

    long freeBlocks() {
        long n = 0;
        for (GroupDescriptor d : descs) {
            n += d.freeBlocks();
        }
        return n;
    }

    long freeInodes() {
        long n = 0;
        for (GroupDescriptor d : descs) {
            n += d.freeInodes();
        }
        return n;
    }

    /** Copies changed descriptor blocks into the cache, to be written with it. */
    void writeBack(BufferCache cache) throws ErrnoException {
        int bs = sb.blockSize();
        for (int i = 0; i < dirtyBlocks.length; i++) {
            if (!dirtyBlocks[i]) {
                continue;
            }
            try (Buf b = cache.read(GroupLayout.descriptorBlock(sb, i))) {
                System.arraycopy(table, i * bs, b.array(), 0, bs);
                b.markDirty();
            }
            dirtyBlocks[i] = false;
        }
    }
}
