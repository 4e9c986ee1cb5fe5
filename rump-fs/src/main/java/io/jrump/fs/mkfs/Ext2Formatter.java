package io.jrump.fs.mkfs;

import io.jrump.api.BlockDevice;
import io.jrump.api.ErrnoException;
import io.jrump.fs.ext2.disk.DirRecord;
import io.jrump.fs.ext2.disk.Feature;
import io.jrump.fs.ext2.disk.GroupDescriptor;
import io.jrump.fs.ext2.disk.Inode;
import io.jrump.fs.ext2.disk.Superblock;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * Writes a new ext2 file system of a given {@link Ext2Geometry} onto a device: what
 * {@code mke2fs -t ext2} writes, with its default features (sparse_super, large_file,
 * filetype, resize_inode, dir_index, ext_attr) and its first files: the root directory,
 * {@code lost+found} (grown to 16 KiB, or 12 blocks, as mke2fs grows it so that e2fsck has
 * room to reconnect files without allocating) and the resize inode that reserves the
 * descriptor blocks for growth.
 *
 * <p>Layout of every group, as mke2fs lays out ext2 (no flex_bg): a superblock copy,
 * descriptors and reserved GDT blocks in the groups that have them, then block bitmap, inode
 * bitmap and inode table; the first files' blocks follow group 0's inode table. Sources: the
 * ext4 wiki "Ext4 Disk Layout"; e2fsprogs {@code misc/mke2fs.c} and
 * {@code lib/ext2fs/res_gdt.c} (the resize inode's shape, which e2fsck checks exactly).
 */
final class Ext2Formatter {
    private static final int ROOT_MODE = 040755;
    private static final int LOST_FOUND_MODE = 040700;
    private static final int RESIZE_MODE = 0100600;
    /** The inode of lost+found: the first non-reserved inode of revision 1. */
    private static final int LOST_FOUND_INO = Superblock.GOOD_OLD_FIRST_INO;
    /** mke2fs grows lost+found to this many bytes (but to at least two blocks, within the direct blocks). */
    private static final int LOST_FOUND_BYTES = 16 * 1024;
    /** {@code s_errors}: continue on errors, mke2fs's default. */
    private static final int ERRORS_CONTINUE = 1;
    /** {@code s_default_mount_opts}: user_xattr and acl (mke2fs.conf {@code default_mntopts}). */
    private static final long DEFAULT_MOUNT_OPTS = 0x0004 | 0x0008;
    /** {@code s_def_hash_version}: half_md4, the default of mke2fs. */
    private static final int HASH_HALF_MD4 = 1;
    /** {@code s_flags}: directory hashes use signed chars, as on x86 where mke2fs runs. */
    private static final long FLAGS_SIGNED_HASH = 0x0001;
    private static final int ZERO_CHUNK = 1 << 20;

    private final BlockDevice dev;
    private final Ext2Geometry g;
    private final MkfsOptions options;
    /** Whether the device reads as zeros already (a new sparse file): then zeros are not written. */
    private final boolean zeroed;
    private final long now;
    private final int bs;

    Ext2Formatter(BlockDevice dev, Ext2Geometry geometry, MkfsOptions options, boolean zeroed, long nowNanos) {
        this.dev = dev;
        this.g = geometry;
        this.options = options;
        this.zeroed = zeroed;
        this.now = nowNanos;
        this.bs = geometry.blockSize;
    }

    /** Blocks of lost+found (mke2fs's loop: at least two, up to 16 KiB, within the 12 direct blocks). */
    static int lostFoundBlocks(int blockSize) {
        int blocks = 1;
        int bytes = 0;
        for (int i = 1; i < Inode.NDIR_BLOCKS; i++) {
            bytes += blockSize;
            if (bytes >= LOST_FOUND_BYTES && bytes >= 2 * blockSize) {
                break;
            }
            blocks++;
        }
        return blocks;
    }

    void format() throws ErrnoException {
        long next = g.firstFree(0);
        long rootBlock = next++;
        int lpfBlocks = lostFoundBlocks(bs);
        long lpfFirst = next;
        next += lpfBlocks;
        long dind = next++;
        if (next > g.groupStart(0) + g.blocksInGroup(0)) {
            throw new ErrnoException(io.jrump.api.Errno.EINVAL, "no room in group 0 for the first directories");
        }
        long dataInGroup0 = next - g.firstFree(0);

        ByteBuffer gdt = ByteBuffer.allocate((int) (g.descBlocks * bs)).order(ByteOrder.LITTLE_ENDIAN);
        long freeBlocks = 0;
        long freeInodes = 0;
        for (long group = 0; group < g.groups; group++) {
            long used = g.firstFree(group) - g.groupStart(group) + (group == 0 ? dataInGroup0 : 0);
            long inGroup = g.blocksInGroup(group);
            long usedInodes = group == 0 ? LOST_FOUND_INO : 0;
            GroupDescriptor d = new GroupDescriptor(gdt, (int) (group * GroupDescriptor.SIZE), GroupDescriptor.SIZE);
            d.setBlockBitmap(g.blockBitmap(group));
            d.setInodeBitmap(g.inodeBitmap(group));
            d.setInodeTable(g.inodeTable(group));
            d.setFreeBlocks(inGroup - used);
            d.setFreeInodes(g.inodesPerGroup - usedInodes);
            d.setUsedDirs(group == 0 ? 2 : 0);
            freeBlocks += inGroup - used;
            freeInodes += g.inodesPerGroup - usedInodes;
            writeBlock(g.blockBitmap(group), bitmap(used, inGroup));
            writeBlock(g.inodeBitmap(group), bitmap(usedInodes, g.inodesPerGroup));
            if (group != 0) {
                zero(g.inodeTable(group), g.inodeTableBlocks);
                if (g.hasSuperblock(group)) {
                    zero(g.groupStart(group) + 1 + g.descBlocks, g.reservedGdt);
                }
            }
            progress(group + 1, g.groups + 1);
        }

        writeInodeTable0(rootBlock, lpfFirst, lpfBlocks, dind);
        writeBlock(rootBlock, rootDirectory());
        for (int i = 0; i < lpfBlocks; i++) {
            writeBlock(lpfFirst + i, lostFoundBlock(i == 0));
        }
        writeResizeBlocks(dind);

        Superblock sb = superblock(freeBlocks, freeInodes);
        writeSuperblocks(sb, gdt);
        dev.flush();
        progress(g.groups + 1, g.groups + 1);
    }

    /** A bitmap block: the first {@code used} bits set, and the padding past {@code count} set, as e2fsck expects. */
    private ByteBuffer bitmap(long used, long count) {
        byte[] b = new byte[bs];
        setBits(b, 0, used);
        setBits(b, count, 8L * bs);
        return ByteBuffer.wrap(b);
    }

    private static void setBits(byte[] b, long from, long to) {
        for (long i = from; i < to; i++) {
            b[(int) (i >>> 3)] |= (byte) (1 << (i & 7));
        }
    }

    private void writeInodeTable0(long rootBlock, long lpfFirst, int lpfBlocks, long dind) throws ErrnoException {
        // Only the blocks holding inodes 1 to 11 have content; the rest of the table is zeros.
        long written = Ext2Geometry.ceil((long) LOST_FOUND_INO * Ext2Geometry.INODE_SIZE, bs);
        ByteBuffer table = ByteBuffer.allocate((int) (written * bs)).order(ByteOrder.LITTLE_ENDIAN);
        newInode(table, Inode.BAD_BLOCKS_INO, 0, 0); // mke2fs gives the bad-blocks inode its times and nothing else
        Inode root = newInode(table, Inode.ROOT_INO, ROOT_MODE, 3);
        root.setFileSize(bs);
        root.setRawBlocks(bs / 512);
        root.setBlock(0, rootBlock);

        Inode lpf = newInode(table, LOST_FOUND_INO, LOST_FOUND_MODE, 2);
        lpf.setFileSize((long) lpfBlocks * bs);
        lpf.setRawBlocks((long) lpfBlocks * bs / 512);
        for (int i = 0; i < lpfBlocks; i++) {
            lpf.setBlock(i, lpfFirst + i);
        }

        long apb = bs / 4;
        Inode resize = newInode(table, Inode.RESIZE_INO, RESIZE_MODE, 1);
        resize.setFileSize((apb * apb + apb + Inode.NDIR_BLOCKS) * bs);
        long blocks = 1 + (long) g.reservedGdt * (1 + g.backupGroups().size());
        resize.setRawBlocks(blocks * (bs / 512));
        resize.setBlock(Inode.DIND_BLOCK, dind);

        writeBlocks(g.inodeTable(0), table);
        zero(g.inodeTable(0) + written, g.inodeTableBlocks - written);
    }

    private Inode newInode(ByteBuffer table, int ino, int mode, int links) {
        Inode in = new Inode(table, (ino - 1) * Ext2Geometry.INODE_SIZE, Ext2Geometry.INODE_SIZE);
        in.setExtraIsize(Inode.DEFAULT_EXTRA_ISIZE);
        in.setMode(mode);
        in.setLinksCount(links);
        in.setAtimeNanos(now);
        in.setMtimeNanos(now);
        in.setCtimeNanos(now);
        in.setCrtimeNanos(now);
        return in;
    }

    private ByteBuffer rootDirectory() {
        ByteBuffer b = ByteBuffer.allocate(bs);
        int dot = DirRecord.sizeFor(1);
        int dotdot = DirRecord.sizeFor(2);
        new DirRecord(b, 0).set(Inode.ROOT_INO, dot, bytes("."), DirRecord.FT_DIR);
        new DirRecord(b, dot).set(Inode.ROOT_INO, dotdot, bytes(".."), DirRecord.FT_DIR);
        new DirRecord(b, dot + dotdot).set(LOST_FOUND_INO, bs - dot - dotdot, bytes("lost+found"), DirRecord.FT_DIR);
        return b;
    }

    private ByteBuffer lostFoundBlock(boolean first) {
        ByteBuffer b = ByteBuffer.allocate(bs);
        if (first) {
            int dot = DirRecord.sizeFor(1);
            new DirRecord(b, 0).set(LOST_FOUND_INO, dot, bytes("."), DirRecord.FT_DIR);
            new DirRecord(b, dot).set(Inode.ROOT_INO, bs - dot, bytes(".."), DirRecord.FT_DIR);
        } else {
            new DirRecord(b, 0).set(0, bs, new byte[0], DirRecord.FT_UNKNOWN);
        }
        return b;
    }

    /**
     * The resize inode's double-indirect block lists the primary reserved GDT blocks (at
     * index descBlocks + i, modulo the block's capacity); each primary reserved GDT block, read
     * as an indirect block, lists its copies in the backup groups (res_gdt.c).
     */
    private void writeResizeBlocks(long dind) throws ErrnoException {
        int apb = bs / 4;
        ByteBuffer dindBuf = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
        List<Long> backups = g.backupGroups();
        for (int i = 0; i < g.reservedGdt; i++) {
            long primary = g.firstDataBlock + 1 + g.descBlocks + i;
            dindBuf.putInt((int) ((g.descBlocks + i) % apb) * 4, (int) primary);
            ByteBuffer list = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < backups.size() && k < apb; k++) {
                list.putInt(k * 4, (int) (primary + backups.get(k) * g.blocksPerGroup));
            }
            writeBlock(primary, list);
        }
        writeBlock(dind, dindBuf);
    }

    private Superblock superblock(long freeBlocks, long freeInodes) {
        Superblock sb = Superblock.allocate();
        long seconds = Math.floorDiv(now, 1_000_000_000L);
        int log = Integer.numberOfTrailingZeros(bs) - 10;
        sb.setInodesCount(g.inodes());
        sb.setBlocksCount(g.blocks);
        sb.setReservedBlocksCount(g.reservedBlocks);
        sb.setFreeBlocksCount(freeBlocks);
        sb.setFreeInodesCount(freeInodes);
        sb.setFirstDataBlock(g.firstDataBlock);
        sb.setLogBlockSize(log);
        sb.setLogClusterSize(log);
        sb.setBlocksPerGroup(g.blocksPerGroup);
        sb.setClustersPerGroup(g.blocksPerGroup);
        sb.setInodesPerGroup(g.inodesPerGroup);
        sb.setWriteTime(seconds);
        sb.setMaxMountCount(-1);
        sb.setMagic(Superblock.MAGIC);
        sb.setState(Superblock.STATE_VALID);
        sb.setErrors(ERRORS_CONTINUE);
        sb.setLastCheck(seconds);
        sb.setRevLevel(Superblock.REV_DYNAMIC);
        sb.setFirstIno(Superblock.GOOD_OLD_FIRST_INO);
        sb.setInodeSize(Ext2Geometry.INODE_SIZE);
        sb.setFeatures(Feature.Kind.COMPAT, Feature.maskOf(Feature.Kind.COMPAT,
                Feature.EXT_ATTR, Feature.RESIZE_INODE, Feature.DIR_INDEX));
        sb.setFeatures(Feature.Kind.INCOMPAT, Feature.maskOf(Feature.Kind.INCOMPAT, Feature.FILETYPE));
        sb.setFeatures(Feature.Kind.RO_COMPAT, Feature.maskOf(Feature.Kind.RO_COMPAT,
                Feature.SPARSE_SUPER, Feature.LARGE_FILE));
        sb.setUuid(uuidBytes());
        sb.setVolumeName(options.label());
        sb.setReservedGdtBlocks(g.reservedGdt);
        sb.setHashSeed(uuidBytes());
        sb.setDefHashVersion(HASH_HALF_MD4);
        sb.setDefaultMountOpts(DEFAULT_MOUNT_OPTS);
        sb.setMkfsTime(seconds);
        sb.setMinExtraIsize(Inode.DEFAULT_EXTRA_ISIZE);
        sb.setWantExtraIsize(Inode.DEFAULT_EXTRA_ISIZE);
        sb.setFlags(FLAGS_SIGNED_HASH);
        return sb;
    }

    /** The primary superblock at byte 1024, copies at the start of the backup groups, each followed by the descriptors. */
    private void writeSuperblocks(Superblock sb, ByteBuffer gdt) throws ErrnoException {
        ByteBuffer first = ByteBuffer.allocate(bs);
        int at = bs == 1024 ? 0 : Superblock.OFFSET;
        first.put(at, sb.toBytes());
        writeBlock(g.firstDataBlock == 1 ? 1 : 0, first);
        writeBlocks(g.firstDataBlock + 1, gdt);
        for (long group : g.backupGroups()) {
            sb.setBlockGroupNr((int) group);
            ByteBuffer copy = ByteBuffer.allocate(bs);
            copy.put(0, sb.toBytes());
            writeBlock(g.groupStart(group), copy);
            writeBlocks(g.groupStart(group) + 1, gdt);
        }
    }

    private static byte[] uuidBytes() {
        UUID u = UUID.randomUUID();
        return ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private void writeBlock(long block, ByteBuffer data) throws ErrnoException {
        writeBlocks(block, data);
    }

    private void writeBlocks(long block, ByteBuffer data) throws ErrnoException {
        dev.write(block * bs / dev.sectorSize(), data.duplicate().clear());
    }

    private void zero(long block, long count) throws ErrnoException {
        if (zeroed || count <= 0) {
            return;
        }
        int perChunk = ZERO_CHUNK / bs;
        ByteBuffer zeros = ByteBuffer.allocate(ZERO_CHUNK);
        for (long done = 0; done < count; done += perChunk) {
            int n = (int) Math.min(perChunk, count - done);
            dev.write((block + done) * bs / dev.sectorSize(), zeros.clear().limit(n * bs));
        }
    }

    private void progress(long done, long total) {
        if (options.progress() != null) {
            options.progress().accept(done * 1000 / total);
        }
    }
}
