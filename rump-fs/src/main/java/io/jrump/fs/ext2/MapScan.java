package io.jrump.fs.ext2;

import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.fs.bio.Buf;
import io.jrump.fs.bio.BufferCache;
import io.jrump.fs.ext2.disk.DirRecord;
import io.jrump.fs.ext2.disk.GroupDescriptor;
import io.jrump.fs.ext2.disk.GroupLayout;
import io.jrump.fs.ext2.disk.Inode;
import io.jrump.fs.ext2.disk.Superblock;
import java.nio.ByteBuffer;
import java.util.BitSet;

/**
 * A read-write mount's cross-check of every block map against the block bitmaps — the part
 * of e2fsck's pass 1 that decides whether writing can spread damage. The checks made while
 * writing ({@link SystemZone}, the allocator's bitmap checks) see one block at a time, so they
 * cannot tell that a block the bitmap shows free is mapped by some file, or that two files map
 * one block: the next allocation would hand that block to a new file, and freeing one of the
 * two files would give away the other's data. This scan finds both before anything is
 * written: every block that an in-use inode maps (data, indirect and extended-attribute
 * blocks) must lie inside the file system and outside its metadata, be shown in use by its
 * group's bitmap, and be mapped once (a loop in the indirect blocks maps a block twice).
 * Every directory entry, {@code .} and {@code ..} included, must name an inode the bitmap
 * shows in use, and not a reserved one (the journal, the resize inode): otherwise the next
 * create takes that inode, and the stray entry then names a live file. No inode may have
 * fewer links than names (as e2fsck's pass 4 counts them, {@code .} and {@code ..} included),
 * or unlinking one name would free it while another still leads to it; a directory's size
 * must be what its blocks hold, and only directories carry the hashed-index flag. The
 * bad-blocks inode (whose mode is 0) is scanned as a file: a block it lists may not be
 * metadata, nor another file's, as e2fsck requires. Damage refuses the read-write mount (EUCLEAN), which writes
 * nothing.
 *
 * <p>The cost is one read of each in-use inode and each indirect block, so by default
 * ({@code check=auto}) it runs when the file system has at most {@link #AUTO_INODES} inodes
 * in use; {@code check=strict} always runs it and {@code check=normal} never does (the names of
 * Linux 2.4's ext2 {@code check=} option). Without the scan, a name that leads to a free
 * inode is still found when it is looked up ({@link Ext2Fs#node}).
 */
final class MapScan {
    /** In-use inodes up to which {@code check=auto} scans: 64 MiB of 256-byte inodes, well under a second. */
    static final long AUTO_INODES = 1L << 18;

    private final Superblock sb;
    private final GroupTable groups;
    private final BufferCache cache;
    private final SystemZone zone;
    private final int perBlock;
    /** Blocks mapped as data or indirect blocks, each by one inode. */
    private final BitSet mapped = new BitSet();
    /** Extended-attribute blocks, which inodes with equal attributes share. */
    private final BitSet shared = new BitSet();
    /** Inodes the inode bitmaps show in use (bit {@code ino}). */
    private final BitSet inodes = new BitSet();
    /** The in-use inodes, ascending; {@link #links} and {@link #names} are indexed alike. */
    private int[] used;
    /** Each in-use inode's links count. */
    private int[] links;
    /** Directory entries found naming each in-use inode. */
    private int[] names;
    /** The data blocks of the directory being scanned, in map order. */
    private long[] dirBlocks = new long[16];
    private int dirCount;
    private boolean inDirectory;

    private MapScan(Superblock sb, GroupTable groups, BufferCache cache, SystemZone zone) {
        this.sb = sb;
        this.groups = groups;
        this.cache = cache;
        this.zone = zone;
        this.perBlock = sb.blockSize() / 4;
    }

    /** How a read-write mount decides whether to scan: the {@code check} mount option. */
    enum Mode {
        AUTO, STRICT, NORMAL;

        /** Whether to scan a file system with {@code inUse} inodes in use. */
        boolean scans(long inUse) {
            return this == STRICT || this == AUTO && inUse <= AUTO_INODES;
        }
    }

    /** Scans every map; EUCLEAN naming the first inode whose map is damaged. */
    static void run(Superblock sb, GroupTable groups, BufferCache cache, SystemZone zone) throws ErrnoException {
        if (sb.blocksCount() > Integer.MAX_VALUE) {
            return; // block numbers beyond a BitSet's index; such file systems are not written by this driver's ext2 anyway
        }
        MapScan s = new MapScan(sb, groups, cache, zone);
        for (long g = 0; g < groups.count(); g++) {
            s.readInodeBitmap(g);
        }
        s.used = s.inodes.stream().toArray();
        s.links = new int[s.used.length];
        s.names = new int[s.used.length];
        for (long g = 0; g < groups.count(); g++) {
            s.scanGroup(g);
        }
        s.checkBitmaps();
        s.checkLinkCounts();
    }

    private void readInodeBitmap(long g) throws ErrnoException {
        int ipg = (int) sb.inodesPerGroup();
        try (Buf b = cache.read(groups.get(g).inodeBitmap())) {
            byte[] a = b.array();
            for (int i = 0; i < ipg && i < a.length * 8; i++) {
                if ((a[i >>> 3] & (1 << (i & 7))) != 0) {
                    inodes.set((int) (g * ipg + i + 1));
                }
            }
        }
    }

    private void scanGroup(long g) throws ErrnoException {
        GroupDescriptor d = groups.get(g);
        int ipg = (int) sb.inodesPerGroup();
        int size = sb.inodeSize();
        int bs = sb.blockSize();
        for (int i = 0; i < ipg; i++) {
            long ino = g * ipg + i + 1;
            if (!inodes.get((int) ino)) {
                continue;
            }
            if (ino == Inode.RESIZE_INO) {
                continue; // its map names the reserved descriptor blocks, which are metadata
            }
            long at = (long) i * size;
            ByteBuffer raw = ByteBuffer.allocate(size);
            try (Buf b = cache.read(d.inodeTable() + at / bs)) {
                raw.put(0, b.array(), (int) (at % bs), size);
            }
            scanInode(ino, new Inode(raw, 0, size));
        }
    }

    private void scanInode(long ino, Inode in) throws ErrnoException {
        links[java.util.Arrays.binarySearch(used, (int) ino)] = in.linksCount();
        int type = in.mode() & FileMode.S_IFMT;
        if (in.mode() != 0 && type != FileMode.S_IFDIR && (in.flags() & Inode.INDEX_FL) != 0) {
            throw Damage.inode(ino, "hashed-index flag on a file that is not a directory");
        }
        boolean badBlocks = ino == Inode.BAD_BLOCKS_INO;
        if (in.mode() == 0 && !badBlocks || type == FileMode.S_IFCHR || type == FileMode.S_IFBLK || type == FileMode.S_IFIFO
                || type == FileMode.S_IFSOCK || (in.flags() & (Inode.EXTENTS_FL | Inode.INLINE_DATA_FL)) != 0) {
            return;
        }
        if (in.fileAcl() != 0) {
            claim(ino, in.fileAcl(), shared);
        }
        if (type == FileMode.S_IFLNK && in.fileSize() < Inode.I_BLOCK_BYTES) {
            return; // a fast symlink: i_block holds the target's text
        }
        inDirectory = type == FileMode.S_IFDIR;
        dirCount = 0;
        for (int i = 0; i < Inode.NDIR_BLOCKS; i++) {
            claimData(ino, in.block(i));
        }
        for (int level = 1; level <= 3; level++) {
            long b = in.block(Inode.IND_BLOCK + level - 1);
            if (b != 0) {
                claimTree(ino, b, level);
            }
        }
        if (inDirectory && in.fileSize() != (long) dirCount * sb.blockSize()) {
            throw Damage.inode(ino, "directory of " + in.fileSize() + " bytes maps " + dirCount + " blocks");
        }
        for (int i = 0; i < dirCount; i++) {
            checkEntries(ino, dirBlocks[i]);
        }
    }

    /** No inode has fewer links than the entries that name it. */
    private void checkLinkCounts() throws ErrnoException {
        for (int i = 0; i < used.length; i++) {
            if (names[i] > links[i]) {
                throw Damage.inode(used[i], "links count " + links[i] + ", but " + names[i] + " directory entries name it");
            }
        }
    }

    /** Every entry of directory block {@code block} of {@code dir} must name an inode in use. */
    private void checkEntries(long dir, long block) throws ErrnoException {
        int bs = sb.blockSize();
        try (Buf b = cache.read(block)) {
            ByteBuffer d = b.data();
            int off = 0;
            while (off + DirRecord.HEADER <= bs) {
                DirRecord r = new DirRecord(d, off);
                int rl = r.recLen(bs);
                if (rl < DirRecord.HEADER + 4 || (rl & 3) != 0 || off + rl > bs) {
                    throw Damage.inode(dir, "directory block " + block + ", offset " + off + ": record length " + rl + " invalid");
                }
                long target = r.inode();
                if (target != 0 && (target > sb.inodesCount() || !inodes.get((int) target))) {
                    throw Damage.inode(dir, "directory block " + block + ": entry '" + r.name() + "' names inode " + target
                            + ", which is not in use");
                }
                if (target != 0 && target != Inode.ROOT_INO && target < sb.firstIno()) {
                    throw Damage.inode(dir, "directory block " + block + ": entry '" + r.name() + "' names reserved inode " + target);
                }
                if (target != 0) {
                    names[java.util.Arrays.binarySearch(used, (int) target)]++;
                }
                off += rl;
            }
        }
    }

    private void claimTree(long ino, long block, int level) throws ErrnoException {
        claim(ino, block, mapped);
        long[] children = new long[perBlock];
        try (Buf b = cache.read(block)) {
            ByteBuffer d = b.data();
            for (int i = 0; i < perBlock; i++) {
                children[i] = d.getInt(i * 4) & 0xFFFF_FFFFL;
            }
        }
        for (long c : children) {
            if (c == 0) {
                continue;
            }
            if (level == 1) {
                claimData(ino, c);
            } else {
                claimTree(ino, c, level - 1);
            }
        }
    }

    private void claimData(long ino, long block) throws ErrnoException {
        if (block != 0) {
            claim(ino, block, mapped);
            if (inDirectory) {
                if (dirCount == dirBlocks.length) {
                    dirBlocks = java.util.Arrays.copyOf(dirBlocks, dirCount * 2);
                }
                dirBlocks[dirCount++] = block;
            }
        }
    }

    private void claim(long ino, long block, BitSet set) throws ErrnoException {
        if (block < sb.firstDataBlock() || block >= sb.blocksCount()) {
            throw Damage.inode(ino, "block " + block + " beyond end of device (" + sb.blocksCount() + " blocks)");
        }
        if (zone.contains(block)) {
            throw Damage.inode(ino, "block " + block + " is file system metadata (superblock, descriptors, bitmaps or inode table)");
        }
        if (set == mapped && (mapped.get((int) block) || shared.get((int) block))
                || set == shared && mapped.get((int) block)) {
            throw Damage.inode(ino, "block " + block + " is mapped twice (by another inode, or a loop in this one's map)");
        }
        set.set((int) block);
    }

    /** Every claimed block must be shown in use by its group's block bitmap. */
    private void checkBitmaps() throws ErrnoException {
        BitSet all = (BitSet) mapped.clone();
        all.or(shared);
        for (long g = 0; g < groups.count(); g++) {
            long start = GroupLayout.groupStart(sb, g);
            long end = start + GroupLayout.blocksInGroup(sb, g);
            int b = all.nextSetBit((int) start);
            if (b < 0 || b >= end) {
                continue;
            }
            long bitmapBlock = groups.get(g).blockBitmap();
            try (Buf buf = cache.read(bitmapBlock)) {
                byte[] a = buf.array();
                for (; b >= 0 && b < end; b = all.nextSetBit(b + 1)) {
                    int bit = (int) (b - start);
                    if ((a[bit >>> 3] & (1 << (bit & 7))) == 0) {
                        throw Damage.corrupt("group " + g + ": block " + b + " is mapped by a file but the block bitmap (block "
                                + bitmapBlock + ") shows it free");
                    }
                }
            }
        }
    }
}
