package io.jrump.fs.ext2;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.fs.bio.Buf;
import io.jrump.fs.bio.BufferCache;
import io.jrump.fs.ext2.disk.GroupDescriptor;
import io.jrump.fs.ext2.disk.GroupLayout;
import io.jrump.fs.ext2.disk.Inode;
import io.jrump.fs.ext2.disk.Superblock;
import io.jrump.fs.vfs.VopCredentials;
import io.jrump.kern.Cred;
import java.util.BitSet;

/**
 * Takes and gives back blocks and inodes through the per-group bitmaps, keeping each group's
 * free counts (and its directory count) in step, so bitmaps, descriptors and, at write-back,
 * the superblock's totals agree as e2fsck requires. Blocks are taken near a goal (the block
 * after the file's last one, or the inode's group), which keeps files contiguous so the buffer
 * cache can move them in long runs. Every method that reads or changes bitmaps or descriptors
 * holds this object's monitor (see the lock order in {@link Ext2Fs}), which the file system
 * also takes for the superblock's copy and for shared extended-attribute blocks.
 *
 * <p>The last {@code s_r_blocks_count} free blocks are for root (and the superblock's reserved
 * uid and gid), as in Linux's {@code ext2_has_free_blocks}: anyone else gets ENOSPC when only
 * those are left. Who asks is {@link VopCredentials#current()}; none means the kernel itself.
 *
 * <p><b>Bitmaps are checked before they are trusted</b>, since a damaged bitmap turns every
 * allocation into a write over something live. Before the first allocation from a group, its
 * block bitmap must show every metadata block of the {@link SystemZone} in use and as many
 * free blocks as the descriptor counts, and its inode bitmap as many free inodes (Linux's ext4
 * checks the same in {@code ext4_validate_block_bitmap} and {@code ext4_mb_generate_buddy}); a
 * block taken is never one of the zone's, and an inode taken is never one whose on-disk record
 * is still live. Freeing a block of the zone, or a block or inode that the bitmap already shows
 * free, is damage too. Damage is reported (EUCLEAN), never repaired, and found before any bit
 * changes, so the caller's operation leaves the image as it was.
 */
final class Allocator {
    private final Superblock sb;
    private final GroupTable groups;
    private final BufferCache cache;
    private final SystemZone zone;
    /** Reads an inode's on-disk record, to see that an inode the bitmap calls free is not live. */
    private final InodeReader inodes;
    /** Groups whose block bitmap, and whose inode bitmap, passed the check before first use. */
    private final BitSet blockGroupsChecked = new BitSet();
    private final BitSet inodeGroupsChecked = new BitSet();
    /** Free blocks in all groups, kept with the descriptors' counts. */
    private long freeBlocks;

    /** Reads inode {@code ino}'s on-disk record. */
    interface InodeReader {
        Inode read(long ino) throws ErrnoException;
    }

    Allocator(Superblock sb, GroupTable groups, BufferCache cache, SystemZone zone, InodeReader inodes) {
        this.sb = sb;
        this.groups = groups;
        this.cache = cache;
        this.zone = zone;
        this.inodes = inodes;
        this.freeBlocks = groups.freeBlocks();
    }

    /** Whether {@code cred} may take reserved blocks: the kernel, root, the reserved uid, or a member of the reserved gid (if not 0). */
    private boolean mayUseReserved(Cred cred) {
        return cred == null || cred.isSuperuser() || cred.euid() == sb.defResuid()
                || sb.defResgid() != 0 && cred.inGroup(sb.defResgid());
    }

    /** Allocates one block, as near {@code goal} as there is a free one; ENOSPC when none is left. */
    synchronized long allocBlock(long goal) throws ErrnoException {
        if (freeBlocks <= sb.reservedBlocksCount() && !mayUseReserved(VopCredentials.current())) {
            throw new ErrnoException(Errno.ENOSPC, "ext2: only the " + sb.reservedBlocksCount() + " blocks reserved for root are free");
        }
        long first = sb.firstDataBlock();
        if (goal < first || goal >= sb.blocksCount()) {
            goal = first;
        }
        long bpg = sb.blocksPerGroup();
        long g0 = (goal - first) / bpg;
        long n = groups.count();
        for (long k = 0; k <= n; k++) {
            long g = (g0 + k) % n;
            GroupDescriptor d = groups.get(g);
            if (d.freeBlocks() == 0) {
                continue;
            }
            checkBlockBitmap(g, d);
            int from = k == 0 ? (int) (goal - first - g * bpg) : 0;
            int bit = findZero(d.blockBitmap(), from, (int) GroupLayout.blocksInGroup(sb, g), "block bitmap of group " + g);
            if (bit < 0 && from > 0) {
                bit = findZero(d.blockBitmap(), 0, from, "block bitmap of group " + g);
            }
            if (bit < 0) {
                throw Damage.corrupt("group " + g + ": descriptor says " + d.freeBlocks() + " free blocks, bitmap has none");
            }
            long block = first + g * bpg + bit;
            if (zone.contains(block)) {
                throw Damage.corrupt("group " + g + ": block bitmap shows metadata block " + block + " free");
            }
            setBit(d.blockBitmap(), bit, true);
            d.setFreeBlocks(d.freeBlocks() - 1);
            freeBlocks--;
            groups.changed(g);
            return block;
        }
        throw new ErrnoException(Errno.ENOSPC, "ext2: no free blocks");
    }

    synchronized void freeBlock(long block) throws ErrnoException {
        requireAllocated(block);
        long first = sb.firstDataBlock();
        long g = (block - first) / sb.blocksPerGroup();
        GroupDescriptor d = groups.get(g);
        int bit = (int) ((block - first) % sb.blocksPerGroup());
        setBit(d.blockBitmap(), bit, false);
        d.setFreeBlocks(d.freeBlocks() + 1);
        freeBlocks++;
        groups.changed(g);
        cache.forget(block);
    }

    /**
     * EUCLEAN unless {@code block} may be freed: inside the file system, not metadata, and in
     * use by the bitmap. What a free checks first, for every block, before it frees any.
     */
    synchronized void requireAllocated(long block) throws ErrnoException {
        long first = sb.firstDataBlock();
        if (block < first || block >= sb.blocksCount()) {
            throw Damage.corrupt("freeing block " + block + " outside the file system");
        }
        if (zone.contains(block)) {
            throw Damage.corrupt("freeing block " + block + ", which is file system metadata");
        }
        long g = (block - first) / sb.blocksPerGroup();
        if (!testBit(groups.get(g).blockBitmap(), (int) ((block - first) % sb.blocksPerGroup()))) {
            throw Damage.corrupt("freeing block " + block + ", which the bitmap of group " + g + " shows free");
        }
    }

    /** EUCLEAN unless the inode bitmap shows {@code ino} in use: checked when a name leads to it and before it is freed. */
    synchronized void requireInodeAllocated(long ino) throws ErrnoException {
        long ipg = sb.inodesPerGroup();
        if (!testBit(groups.get((ino - 1) / ipg).inodeBitmap(), (int) ((ino - 1) % ipg))) {
            throw Damage.inode(ino, "in use, but the inode bitmap shows it free");
        }
    }

    /**
     * Checks group {@code g}'s block bitmap before its first use: every metadata block in the
     * group shown in use, and the free bits agreeing with the descriptor's count.
     */
    private void checkBlockBitmap(long g, GroupDescriptor d) throws ErrnoException {
        if (blockGroupsChecked.get((int) g)) {
            return;
        }
        long start = GroupLayout.groupStart(sb, g);
        int size = (int) GroupLayout.blocksInGroup(sb, g);
        long bitmap = d.blockBitmap();
        zone.forEachIn(start, start + size, b -> {
            if (!testBit(bitmap, (int) (b - start))) {
                throw Damage.corrupt("group " + g + ": block bitmap (block " + bitmap + ") shows metadata block " + b + " free");
            }
        });
        long free = countZeros(bitmap, size);
        if (free != d.freeBlocks()) {
            throw Damage.corrupt("group " + g + ": block bitmap (block " + bitmap + ") has " + free
                    + " free blocks, the descriptor counts " + d.freeBlocks());
        }
        blockGroupsChecked.set((int) g);
    }

    /** Checks group {@code g}'s inode bitmap before its first use: free bits agree with the descriptor's count. */
    private void checkInodeBitmap(long g, GroupDescriptor d) throws ErrnoException {
        if (inodeGroupsChecked.get((int) g)) {
            return;
        }
        long free = countZeros(d.inodeBitmap(), (int) sb.inodesPerGroup());
        if (free != d.freeInodes()) {
            throw Damage.corrupt("group " + g + ": inode bitmap (block " + d.inodeBitmap() + ") has " + free
                    + " free inodes, the descriptor counts " + d.freeInodes());
        }
        inodeGroupsChecked.set((int) g);
    }

    /**
     * EUCLEAN if inode {@code ino}, which the bitmap shows free, is live on disk: it has links,
     * or a mode and no deletion time (a freed inode has none, or a dtime, as Linux and e2fsck
     * leave it).
     */
    private void requireDead(long ino) throws ErrnoException {
        Inode in = inodes.read(ino);
        if (in.linksCount() != 0 || in.mode() != 0 && in.dtime() == 0) {
            throw Damage.inode(ino, "the inode bitmap shows it free, but it is in use (mode "
                    + Integer.toOctalString(in.mode()) + ", links " + in.linksCount() + ")");
        }
    }

    /** Allocates an inode, preferring {@code group}; counts a directory in its group. */
    synchronized long allocInode(long group, boolean directory) throws ErrnoException {
        long n = groups.count();
        long ipg = sb.inodesPerGroup();
        for (long k = 0; k < n; k++) {
            long g = (group + k) % n;
            GroupDescriptor d = groups.get(g);
            if (d.freeInodes() == 0) {
                continue;
            }
            checkInodeBitmap(g, d);
            int from = g == 0 ? (int) sb.firstIno() - 1 : 0;
            int bit = findZero(d.inodeBitmap(), from, (int) ipg, "inode bitmap of group " + g);
            if (bit < 0) {
                throw Damage.corrupt("group " + g + ": descriptor says " + d.freeInodes() + " free inodes, bitmap has none");
            }
            requireDead(g * ipg + bit + 1);
            setBit(d.inodeBitmap(), bit, true);
            d.setFreeInodes(d.freeInodes() - 1);
            if (directory) {
                d.setUsedDirs(d.usedDirs() + 1);
            }
            groups.changed(g);
            return g * ipg + bit + 1;
        }
        throw new ErrnoException(Errno.ENOSPC, "ext2: no free inodes");
    }

    synchronized void freeInode(long ino, boolean directory) throws ErrnoException {
        long ipg = sb.inodesPerGroup();
        long g = (ino - 1) / ipg;
        GroupDescriptor d = groups.get(g);
        if (!setBit(d.inodeBitmap(), (int) ((ino - 1) % ipg), false)) {
            throw Damage.inode(ino, "freeing it, but the inode bitmap shows it free");
        }
        d.setFreeInodes(d.freeInodes() + 1);
        if (directory && d.usedDirs() > 0) {
            d.setUsedDirs(d.usedDirs() - 1);
        }
        groups.changed(g);
    }

    /** Group of an inode. */
    long groupOf(long ino) {
        return (ino - 1) / sb.inodesPerGroup();
    }

    /** First block of the group holding {@code ino}, a goal for its first data block. */
    long goalFor(long ino) {
        return GroupLayout.groupStart(sb, groupOf(ino));
    }

    private int findZero(long bitmapBlock, int from, int to, String what) throws ErrnoException {
        try (Buf b = cache.read(bitmapBlock)) {
            byte[] a = b.array();
            int limit = Math.min(to, a.length * 8);
            int i = from;
            while (i < limit) {
                if ((i & 7) == 0 && a[i >>> 3] == (byte) 0xFF) {
                    i += 8;
                    continue;
                }
                if ((a[i >>> 3] & (1 << (i & 7))) == 0) {
                    return i;
                }
                i++;
            }
            return -1;
        }
    }

    private boolean testBit(long bitmapBlock, int bit) throws ErrnoException {
        try (Buf b = cache.read(bitmapBlock)) {
            return (b.array()[bit >>> 3] & (1 << (bit & 7))) != 0;
        }
    }

    /** Clear bits among the first {@code bits} of a bitmap block. */
    private long countZeros(long bitmapBlock, int bits) throws ErrnoException {
        try (Buf b = cache.read(bitmapBlock)) {
            byte[] a = b.array();
            int limit = Math.min(bits, a.length * 8);
            long set = 0;
            int i = 0;
            for (; i + 8 <= limit; i += 8) {
                set += Integer.bitCount(a[i >>> 3] & 0xFF);
            }
            for (; i < limit; i++) {
                set += (a[i >>> 3] >>> (i & 7)) & 1;
            }
            return limit - set;
        }
    }

    /** Sets or clears a bit; returns whether it changed. */
    private boolean setBit(long bitmapBlock, int bit, boolean value) throws ErrnoException {
        try (Buf b = cache.read(bitmapBlock)) {
            byte[] a = b.array();
            int m = 1 << (bit & 7);
            boolean was = (a[bit >>> 3] & m) != 0;
            if (was == value) {
                return false;
            }
            a[bit >>> 3] = (byte) (value ? a[bit >>> 3] | m : a[bit >>> 3] & ~m);
            b.markDirty();
            return true;
        }
    }
}
