package io.jrump.fs.ext2.disk;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The superblock, 1024 bytes at byte 1024 of the device (and copies at the start of some
 * groups). Field offsets are those of {@code struct ext2_super_block} in e2fsprogs
 * {@code lib/ext2fs/ext2_fs.h} and of the ext4 wiki "Ext4 Disk Layout", section Super Block.
 *
 * <p>A view: it reads and writes the buffer it was made over. {@link #check} validates the
 * fields every other computation depends on (magic, sizes, counts, geometry), so code that runs
 * after it may divide by them and size arrays from them.
 */
public final class Superblock extends LeView {
    /** Bytes in a superblock. */
    public static final int SIZE = 1024;
    /** Byte offset of the primary superblock on the device, whatever the block size. */
    public static final int OFFSET = 1024;
    public static final int MAGIC = 0xEF53;
    /** {@code s_state}: unmounted cleanly. */
    public static final int STATE_VALID = 0x0001;
    /** {@code s_state}: errors detected. */
    public static final int STATE_ERROR = 0x0002;
    public static final int REV_GOOD_OLD = 0;
    public static final int REV_DYNAMIC = 1;
    /** Inode size and first inode of revision 0 file systems. */
    public static final int GOOD_OLD_INODE_SIZE = 128;
    public static final int GOOD_OLD_FIRST_INO = 11;
    /** {@code s_checksum_type} of crc32c, the only one defined. */
    public static final int CHECKSUM_CRC32C = 1;
    /** Largest block size ext4 defines (log 6 above 1 KiB). */
    public static final int MAX_BLOCK_SIZE = 65536;

    private static final int INODES_COUNT = 0x00;
    private static final int BLOCKS_COUNT_LO = 0x04;
    private static final int R_BLOCKS_COUNT_LO = 0x08;
    private static final int FREE_BLOCKS_COUNT_LO = 0x0C;
    private static final int FREE_INODES_COUNT = 0x10;
    private static final int FIRST_DATA_BLOCK = 0x14;
    private static final int LOG_BLOCK_SIZE = 0x18;
    private static final int LOG_CLUSTER_SIZE = 0x1C;
    private static final int BLOCKS_PER_GROUP = 0x20;
    private static final int CLUSTERS_PER_GROUP = 0x24;
    private static final int INODES_PER_GROUP = 0x28;
    private static final int MTIME = 0x2C;
    private static final int WTIME = 0x30;
    private static final int MNT_COUNT = 0x34;
    private static final int MAX_MNT_COUNT = 0x36;
    private static final int MAGIC_AT = 0x38;
    private static final int STATE = 0x3A;
    private static final int ERRORS = 0x3C;
    private static final int MINOR_REV_LEVEL = 0x3E;
    private static final int LASTCHECK = 0x40;
    private static final int CHECKINTERVAL = 0x44;
    private static final int CREATOR_OS = 0x48;
    private static final int REV_LEVEL = 0x4C;
    private static final int DEF_RESUID = 0x50;
    private static final int DEF_RESGID = 0x52;
    private static final int FIRST_INO = 0x54;
    private static final int INODE_SIZE = 0x58;
    private static final int BLOCK_GROUP_NR = 0x5A;
    private static final int FEATURE_COMPAT = 0x5C;
    private static final int FEATURE_INCOMPAT = 0x60;
    private static final int FEATURE_RO_COMPAT = 0x64;
    private static final int UUID = 0x68;
    private static final int VOLUME_NAME = 0x78;
    private static final int LAST_MOUNTED = 0x88;
    private static final int RESERVED_GDT_BLOCKS = 0xCE;
    private static final int JOURNAL_INUM = 0xE0;
    private static final int HASH_SEED = 0xEC;
    private static final int DEF_HASH_VERSION = 0xFC;
    private static final int DESC_SIZE = 0xFE;
    private static final int DEFAULT_MOUNT_OPTS = 0x100;
    private static final int FIRST_META_BG = 0x104;
    private static final int MKFS_TIME = 0x108;
    private static final int BLOCKS_COUNT_HI = 0x150;
    private static final int R_BLOCKS_COUNT_HI = 0x154;
    private static final int FREE_BLOCKS_COUNT_HI = 0x158;
    private static final int MIN_EXTRA_ISIZE = 0x15C;
    private static final int WANT_EXTRA_ISIZE = 0x15E;
    private static final int FLAGS = 0x160;
    private static final int LOG_GROUPS_PER_FLEX = 0x174;
    private static final int CHECKSUM_TYPE = 0x175;
    private static final int KBYTES_WRITTEN = 0x178;
    private static final int BACKUP_BGS = 0x24C;
    private static final int CHECKSUM_SEED = 0x270;
    private static final int WTIME_HI = 0x274;
    private static final int MTIME_HI = 0x275;
    /** {@code s_checksum}, the last field; the checksum covers everything before it. */
    public static final int CHECKSUM = 0x3FC;

    public Superblock(ByteBuffer buffer, int offset) {
        super(buffer, offset, SIZE);
    }

    /** A view of a fresh 1024-byte buffer (all zero), for writing a new superblock. */
    public static Superblock allocate() {
        return new Superblock(ByteBuffer.allocate(SIZE), 0);
    }

    // ---- counts ----
    public long inodesCount() { return u32(INODES_COUNT); }
    public void setInodesCount(long v) { put32(INODES_COUNT, v); }

    /** Blocks in the file system; the high word counts only with the 64bit feature. */
    public long blocksCount() { return join(u32(BLOCKS_COUNT_LO), is64bit() ? u32(BLOCKS_COUNT_HI) : 0); }
    public void setBlocksCount(long v) { put32(BLOCKS_COUNT_LO, v); put32(BLOCKS_COUNT_HI, v >>> 32); }

    public long reservedBlocksCount() { return join(u32(R_BLOCKS_COUNT_LO), is64bit() ? u32(R_BLOCKS_COUNT_HI) : 0); }
    public void setReservedBlocksCount(long v) { put32(R_BLOCKS_COUNT_LO, v); put32(R_BLOCKS_COUNT_HI, v >>> 32); }

    public long freeBlocksCount() { return join(u32(FREE_BLOCKS_COUNT_LO), is64bit() ? u32(FREE_BLOCKS_COUNT_HI) : 0); }
    public void setFreeBlocksCount(long v) { put32(FREE_BLOCKS_COUNT_LO, v); put32(FREE_BLOCKS_COUNT_HI, v >>> 32); }

    public long freeInodesCount() { return u32(FREE_INODES_COUNT); }
    public void setFreeInodesCount(long v) { put32(FREE_INODES_COUNT, v); }

    // ---- geometry ----
    public long firstDataBlock() { return u32(FIRST_DATA_BLOCK); }
    public void setFirstDataBlock(long v) { put32(FIRST_DATA_BLOCK, v); }
    public long logBlockSize() { return u32(LOG_BLOCK_SIZE); }
    public void setLogBlockSize(int v) { put32(LOG_BLOCK_SIZE, v); }
    public long logClusterSize() { return u32(LOG_CLUSTER_SIZE); }
    public void setLogClusterSize(int v) { put32(LOG_CLUSTER_SIZE, v); }

    /** 1024 shifted by {@code s_log_block_size}; only meaningful once {@link #check} passed. */
    public int blockSize() { return 1024 << (int) Math.min(logBlockSize(), 6); }

    public long blocksPerGroup() { return u32(BLOCKS_PER_GROUP); }
    public void setBlocksPerGroup(long v) { put32(BLOCKS_PER_GROUP, v); }
    public long clustersPerGroup() { return u32(CLUSTERS_PER_GROUP); }
    public void setClustersPerGroup(long v) { put32(CLUSTERS_PER_GROUP, v); }
    public long inodesPerGroup() { return u32(INODES_PER_GROUP); }
    public void setInodesPerGroup(long v) { put32(INODES_PER_GROUP, v); }

    // ---- times and state ----
    /** Last mount time, seconds since the epoch (with the ext4 high byte). */
    public long mountTime() { return join(u32(MTIME), u8(MTIME_HI)); }
    public void setMountTime(long s) { put32(MTIME, s); put8(MTIME_HI, (int) (s >>> 32)); }
    public long writeTime() { return join(u32(WTIME), u8(WTIME_HI)); }
    public void setWriteTime(long s) { put32(WTIME, s); put8(WTIME_HI, (int) (s >>> 32)); }
    public int mountCount() { return u16(MNT_COUNT); }
    public void setMountCount(int v) { put16(MNT_COUNT, v); }
    /** Signed: -1 disables the mount-count check. */
    public int maxMountCount() { return buf.getShort(base + MAX_MNT_COUNT); }
    public void setMaxMountCount(int v) { put16(MAX_MNT_COUNT, v); }
    public int magic() { return u16(MAGIC_AT); }
    public void setMagic(int v) { put16(MAGIC_AT, v); }
    public int state() { return u16(STATE); }
    public void setState(int v) { put16(STATE, v); }
    public int errors() { return u16(ERRORS); }
    public void setErrors(int v) { put16(ERRORS, v); }
    public int minorRevLevel() { return u16(MINOR_REV_LEVEL); }
    public long lastCheck() { return u32(LASTCHECK); }
    public void setLastCheck(long v) { put32(LASTCHECK, v); }
    public long checkInterval() { return u32(CHECKINTERVAL); }
    public void setCheckInterval(long v) { put32(CHECKINTERVAL, v); }
    public long creatorOs() { return u32(CREATOR_OS); }
    public void setCreatorOs(long v) { put32(CREATOR_OS, v); }
    public long revLevel() { return u32(REV_LEVEL); }
    public void setRevLevel(long v) { put32(REV_LEVEL, v); }
    public int defResuid() { return u16(DEF_RESUID); }
    public int defResgid() { return u16(DEF_RESGID); }
    public long mkfsTime() { return u32(MKFS_TIME); }
    public void setMkfsTime(long v) { put32(MKFS_TIME, v); }

    // ---- revision 1 fields (revision 0 has fixed values) ----
    public long firstIno() { return revLevel() == REV_GOOD_OLD ? GOOD_OLD_FIRST_INO : u32(FIRST_INO); }
    public void setFirstIno(long v) { put32(FIRST_INO, v); }
    public int inodeSize() { return revLevel() == REV_GOOD_OLD ? GOOD_OLD_INODE_SIZE : u16(INODE_SIZE); }
    public void setInodeSize(int v) { put16(INODE_SIZE, v); }
    public int blockGroupNr() { return u16(BLOCK_GROUP_NR); }
    public void setBlockGroupNr(int v) { put16(BLOCK_GROUP_NR, v); }

    public int features(Feature.Kind kind) {
        if (revLevel() == REV_GOOD_OLD) {
            return 0;
        }
        return switch (kind) {
            case COMPAT -> s32(FEATURE_COMPAT);
            case INCOMPAT -> s32(FEATURE_INCOMPAT);
            case RO_COMPAT -> s32(FEATURE_RO_COMPAT);
        };
    }

    public void setFeatures(Feature.Kind kind, int word) {
        put32(switch (kind) {
            case COMPAT -> FEATURE_COMPAT;
            case INCOMPAT -> FEATURE_INCOMPAT;
            case RO_COMPAT -> FEATURE_RO_COMPAT;
        }, word);
    }

    public boolean has(Feature f) {
        return f.in(this);
    }

    public byte[] uuid() { return bytes(UUID, 16); }
    public void setUuid(byte[] u) { putBytes(UUID, u, 16); }

    public String volumeName() { return cString(VOLUME_NAME, 16); }
    public void setVolumeName(String name) { putBytes(VOLUME_NAME, name.getBytes(StandardCharsets.UTF_8), 16); }
    public String lastMounted() { return cString(LAST_MOUNTED, 64); }
    public void setLastMounted(String path) { putBytes(LAST_MOUNTED, path.getBytes(StandardCharsets.UTF_8), 64); }

    public int reservedGdtBlocks() { return u16(RESERVED_GDT_BLOCKS); }
    public void setReservedGdtBlocks(int v) { put16(RESERVED_GDT_BLOCKS, v); }
    public long journalInum() { return u32(JOURNAL_INUM); }

    /** {@code s_hash_seed}: four words seeding the htree hash. */
    public int[] hashSeed() {
        return new int[] {s32(HASH_SEED), s32(HASH_SEED + 4), s32(HASH_SEED + 8), s32(HASH_SEED + 12)};
    }

    public void setHashSeed(byte[] seed) { putBytes(HASH_SEED, seed, 16); }
    public int defHashVersion() { return u8(DEF_HASH_VERSION); }
    public void setDefHashVersion(int v) { put8(DEF_HASH_VERSION, v); }

    /** Group descriptor size: 32, or {@code s_desc_size} with the 64bit feature. */
    public int descSize() { return is64bit() ? u16(DESC_SIZE) : GroupDescriptor.SIZE; }
    public int rawDescSize() { return u16(DESC_SIZE); }
    public void setDescSize(int v) { put16(DESC_SIZE, v); }
    public long defaultMountOpts() { return u32(DEFAULT_MOUNT_OPTS); }
    public void setDefaultMountOpts(long v) { put32(DEFAULT_MOUNT_OPTS, v); }
    public long firstMetaBg() { return u32(FIRST_META_BG); }
    public int minExtraIsize() { return u16(MIN_EXTRA_ISIZE); }
    public void setMinExtraIsize(int v) { put16(MIN_EXTRA_ISIZE, v); }
    public int wantExtraIsize() { return u16(WANT_EXTRA_ISIZE); }
    public void setWantExtraIsize(int v) { put16(WANT_EXTRA_ISIZE, v); }
    public long flags() { return u32(FLAGS); }
    public void setFlags(long v) { put32(FLAGS, v); }
    public int logGroupsPerFlex() { return u8(LOG_GROUPS_PER_FLEX); }
    public int checksumType() { return u8(CHECKSUM_TYPE); }
    public long kbytesWritten() { return u64(KBYTES_WRITTEN); }
    public void setKbytesWritten(long v) { put64(KBYTES_WRITTEN, v); }
    /** {@code s_checksum_seed}: used instead of the UUID's checksum with metadata_csum_seed. */
    public int checksumSeed() { return s32(CHECKSUM_SEED); }
    /** {@code s_backup_bgs[i]} (i = 0, 1): the groups with superblock copies under sparse_super2. */
    public long backupGroup(int i) { return u32(BACKUP_BGS + 4 * i); }
    public int checksum() { return s32(CHECKSUM); }
    public void setChecksum(int v) { put32(CHECKSUM, v & 0xFFFF_FFFFL); }

    public boolean is64bit() {
        return revLevel() != REV_GOOD_OLD && (s32(FEATURE_INCOMPAT) & Feature.BIT64.mask()) != 0;
    }

    /** Block groups: blocks after the first data block, divided by blocks per group, rounded up. Needs {@link #check}. */
    public long groupCount() {
        long bpg = blocksPerGroup();
        return (blocksCount() - firstDataBlock() + bpg - 1) / bpg;
    }

    /** The raw 1024 bytes, copied. */
    public byte[] toBytes() {
        return bytes(0, SIZE);
    }

    private String cString(int at, int max) {
        byte[] b = bytes(at, max);
        int n = 0;
        while (n < max && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /**
     * Null when every field that sizes or places something is sane for a device of
     * {@code deviceBytes}; otherwise what is wrong, for an EUCLEAN/EINVAL message.
     */
    public String check(long deviceBytes) {
        if (magic() != MAGIC) {
            return String.format("bad magic 0x%04x (not ext2/3/4)", magic());
        }
        if (revLevel() > REV_DYNAMIC) {
            return "revision " + revLevel() + " unknown";
        }
        if (logBlockSize() > 6) {
            return "block size 1024<<" + logBlockSize() + " too large";
        }
        int bs = blockSize();
        long blocks = blocksCount();
        if (blocks == 0 || (blocks > deviceBytes / bs)) {
            return "blocks count " + blocks + " beyond end of device (" + deviceBytes / bs + " blocks)";
        }
        if (firstDataBlock() != (bs == 1024 ? 1 : 0)) {
            return "first data block " + firstDataBlock() + " wrong for block size " + bs;
        }
        long bpg = blocksPerGroup();
        if (bpg == 0 || bpg > 8L * bs) {
            return "blocks per group " + bpg + " out of range (1.." + 8L * bs + ")";
        }
        if (!has(Feature.BIGALLOC) && clustersPerGroup() != 0 && clustersPerGroup() != bpg) {
            return "clusters per group " + clustersPerGroup() + " differs from blocks per group " + bpg;
        }
        if (logClusterSize() != logBlockSize() && has(Feature.BIGALLOC)) {
            return "bigalloc cluster size differs from block size";
        }
        int is = inodeSize();
        if (is < GOOD_OLD_INODE_SIZE || is > bs || Integer.bitCount(is) != 1) {
            return "inode size " + is + " invalid";
        }
        long ipg = inodesPerGroup();
        if (ipg == 0 || ipg > 8L * bs || (ipg * is) % bs != 0 && revLevel() == REV_GOOD_OLD) {
            return "inodes per group " + ipg + " out of range";
        }
        long groups = groupCount();
        if (groups * ipg != inodesCount()) {
            return "inodes count " + inodesCount() + " is not " + groups + " groups of " + ipg;
        }
        if (firstIno() < 11 || firstIno() > inodesCount()) {
            return "first inode " + firstIno() + " out of range";
        }
        if (is64bit()) {
            int ds = u16(DESC_SIZE);
            if (ds < GroupDescriptor.SIZE_64 || ds > 1024 || Integer.bitCount(ds) != 1) {
                return "group descriptor size " + ds + " invalid";
            }
        }
        if (freeBlocksCount() > blocks) {
            return "free blocks count " + freeBlocksCount() + " exceeds blocks count " + blocks;
        }
        if (freeInodesCount() > inodesCount()) {
            return "free inodes count " + freeInodesCount() + " exceeds inodes count " + inodesCount();
        }
        if (has(Feature.METADATA_CSUM) && checksumType() != CHECKSUM_CRC32C) {
            return "checksum type " + checksumType() + " unknown";
        }
        return null;
    }
}
