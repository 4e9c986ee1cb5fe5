package io.jrump.fs.ext2.disk;

import io.jrump.api.DeviceNumber;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * An on-disk inode: 128 bytes of {@code struct ext2_inode} plus, in larger inodes, the ext4
 * extra fields (nanosecond times, creation time, checksum high half) and room for in-inode
 * extended attributes (e2fsprogs {@code lib/ext2fs/ext2_fs.h}; ext4 wiki "Ext4 Disk Layout",
 * section Inode Table). Linux-specific {@code osd2} fields (uid/gid high halves, blocks high,
 * file ACL high, checksum low) are read as Linux does.
 */
public final class Inode extends LeView {
    public static final int ROOT_INO = 2;
    public static final int BAD_BLOCKS_INO = 1;
    public static final int RESIZE_INO = 7;
    public static final int JOURNAL_INO = 8;
    /** Number of block pointers in {@code i_block}: 12 direct, then single, double, triple indirect. */
    public static final int N_BLOCKS = 15;
    public static final int NDIR_BLOCKS = 12;
    public static final int IND_BLOCK = 12;
    public static final int DIND_BLOCK = 13;
    public static final int TIND_BLOCK = 14;
    /** Bytes of {@code i_block}; a symlink target shorter than this lives there (a "fast" symlink). */
    public static final int I_BLOCK_BYTES = 60;
    /** {@code i_extra_isize} that covers the extra times, creation time and version (as mke2fs writes). */
    public static final int DEFAULT_EXTRA_ISIZE = 32;

    // i_flags
    public static final int SECRM_FL = 0x1;
    public static final int IMMUTABLE_FL = 0x10;
    public static final int APPEND_FL = 0x20;
    /** Directory has an htree index. */
    public static final int INDEX_FL = 0x1000;
    /** {@code i_blocks} counts file system blocks, not 512-byte sectors (huge_file). */
    public static final int HUGE_FILE_FL = 0x40000;
    public static final int EXTENTS_FL = 0x80000;
    public static final int EA_INODE_FL = 0x200000;
    public static final int INLINE_DATA_FL = 0x10000000;

    private static final int MODE = 0x00;
    private static final int UID = 0x02;
    private static final int SIZE_LO = 0x04;
    private static final int ATIME = 0x08;
    private static final int CTIME = 0x0C;
    private static final int MTIME = 0x10;
    private static final int DTIME = 0x14;
    private static final int GID = 0x18;
    private static final int LINKS_COUNT = 0x1A;
    private static final int BLOCKS_LO = 0x1C;
    private static final int FLAGS = 0x20;
    private static final int BLOCK = 0x28;
    private static final int GENERATION = 0x64;
    private static final int FILE_ACL_LO = 0x68;
    private static final int SIZE_HIGH = 0x6C;
    private static final int BLOCKS_HIGH = 0x74;
    private static final int FILE_ACL_HIGH = 0x76;
    private static final int UID_HIGH = 0x78;
    private static final int GID_HIGH = 0x7A;
    public static final int CHECKSUM_LO = 0x7C;
    private static final int EXTRA_ISIZE = 0x80;
    public static final int CHECKSUM_HI = 0x82;
    private static final int CTIME_EXTRA = 0x84;
    private static final int MTIME_EXTRA = 0x88;
    private static final int ATIME_EXTRA = 0x8C;
    private static final int CRTIME = 0x90;
    private static final int CRTIME_EXTRA = 0x94;

    private static final long NANOS = 1_000_000_000L;
    /** Largest major and minor of the new device encoding (Linux's 12-bit major, 20-bit minor, {@code linux/kdev_t.h}). */
    private static final long MAX_MAJOR = 0xfff;
    private static final long MAX_MINOR = 0xfffff;
    /** Low bits of an {@code i_*time_extra} field that extend the seconds (EXT4_EPOCH_BITS, EXT4_EPOCH_MASK). */
    private static final int EPOCH_BITS = 2;
    private static final long EPOCH_MASK = (1 << EPOCH_BITS) - 1;
    /** Earliest time an inode holds, with or without an extra field: 1901-12-13T20:45:52Z (EXT4_TIMESTAMP_MIN). */
    private static final long TIME_MIN = Integer.MIN_VALUE;
    /** Latest time an inode with an extra field holds: 2446-05-10T22:38:55Z (EXT4_EXTRA_TIMESTAMP_MAX). */
    private static final long EXTRA_TIME_MAX = (1L << 34) - 1 + Integer.MIN_VALUE;

    private final int size;

    /** The inode of {@code size} bytes ({@code s_inode_size}) at {@code offset}. */
    public Inode(ByteBuffer buffer, int offset, int size) {
        super(buffer, offset, size);
        this.size = size;
    }

    public int size() { return size; }

    public int mode() { return u16(MODE); }
    public void setMode(int m) { put16(MODE, m); }
    public int uid() { return u16(UID) | u16(UID_HIGH) << 16; }
    public void setUid(int u) { put16(UID, u); put16(UID_HIGH, u >>> 16); }
    public int gid() { return u16(GID) | u16(GID_HIGH) << 16; }
    public void setGid(int g) { put16(GID, g); put16(GID_HIGH, g >>> 16); }
    public int linksCount() { return u16(LINKS_COUNT); }
    public void setLinksCount(int n) { put16(LINKS_COUNT, n); }
    public long flags() { return u32(FLAGS); }
    public void setFlags(long f) { put32(FLAGS, f); }
    public long generation() { return u32(GENERATION); }
    public void setGeneration(long g) { put32(GENERATION, g); }
    public long dtime() { return u32(DTIME); }
    public void setDtime(long t) { put32(DTIME, t); }

    /** File size; {@code i_size_high} is used for every file type (large_file, and ext4 directories). */
    public long fileSize() { return join(u32(SIZE_LO), u32(SIZE_HIGH)); }
    public void setFileSize(long s) { put32(SIZE_LO, s); put32(SIZE_HIGH, s >>> 32); }

    /** {@code i_blocks} as stored (48 bits): 512-byte units, or blocks with HUGE_FILE_FL. */
    public long rawBlocks() { return join(u32(BLOCKS_LO), u16(BLOCKS_HIGH)); }
    public void setRawBlocks(long n) { put32(BLOCKS_LO, n); put16(BLOCKS_HIGH, (int) (n >>> 32)); }

    public long fileAcl() { return join(u32(FILE_ACL_LO), u16(FILE_ACL_HIGH)); }
    public void setFileAcl(long b) { put32(FILE_ACL_LO, b); put16(FILE_ACL_HIGH, (int) (b >>> 32)); }

    /** Entry {@code i} (0..14) of {@code i_block}: a block number, or four bytes of an extent tree or fast symlink. */
    public long block(int i) { return u32(BLOCK + 4 * i); }
    public void setBlock(int i, long b) { put32(BLOCK + 4 * i, b); }
    /** Byte offset, within {@link #buffer()}, of {@code i_block} (extent root, fast symlink, inline data). */
    public int blockArrayOffset() { return base + BLOCK; }
    public byte[] blockBytes() { return bytes(BLOCK, I_BLOCK_BYTES); }
    public void setBlockBytes(byte[] b) { putBytes(BLOCK, b, I_BLOCK_BYTES); }

    /**
     * The device of a character or block device inode, as a {@link DeviceNumber}. Linux keeps
     * it in {@code i_block} in one of two encodings ({@code ext2_read_inode},
     * {@code ext2_write_inode}; {@code old_encode_dev}, {@code new_encode_dev} of
     * {@code linux/kdev_t.h}): {@code major << 8 | minor} in {@code i_block[0]} when both are
     * below 256, else {@code i_block[0]} zero and {@code minor & 0xff | major << 8 |
     * (minor & ~0xff) << 12} in {@code i_block[1]} (majors to 4095, minors to 2^20 - 1).
     */
    public long device() {
        long old = block(0);
        if (old != 0) {
            return DeviceNumber.of(old >>> 8 & 0xff, old & 0xff);
        }
        long nw = block(1);
        return DeviceNumber.of((nw & 0xfff00) >>> 8, (nw & 0xff) | (nw >>> 12 & 0xfff00));
    }

    /** Stores a device number as {@link #device} reads it; EINVAL-worthy numbers are the caller's to refuse ({@link #holdsDevice}). */
    public void setDevice(long dev) {
        long major = DeviceNumber.major(dev);
        long minor = DeviceNumber.minor(dev);
        if (major < 256 && minor < 256) {
            setBlock(0, major << 8 | minor);
            setBlock(1, 0);
        } else {
            setBlock(0, 0);
            setBlock(1, (minor & 0xff) | major << 8 | (minor & ~0xffL) << 12);
            setBlock(2, 0);
        }
    }

    /** Whether {@link #setDevice} can store {@code dev}: Linux's device numbers, a 12-bit major and a 20-bit minor. */
    public static boolean holdsDevice(long dev) {
        return DeviceNumber.major(dev) <= MAX_MAJOR && DeviceNumber.minor(dev) <= MAX_MINOR;
    }

    public int extraIsize() { return size > Superblock.GOOD_OLD_INODE_SIZE ? u16(EXTRA_ISIZE) : 0; }
    public void setExtraIsize(int n) { put16(EXTRA_ISIZE, n); }

    /** Whether the extra field ending at {@code end} (from the start of the inode) is present. */
    private boolean hasExtra(int end) {
        return size > Superblock.GOOD_OLD_INODE_SIZE && Superblock.GOOD_OLD_INODE_SIZE + extraIsize() >= end
                && end <= size;
    }

    public Instant atime() { return time(ATIME, ATIME_EXTRA); }
    public Instant mtime() { return time(MTIME, MTIME_EXTRA); }
    public Instant ctime() { return time(CTIME, CTIME_EXTRA); }
    /** Creation time, or null when the inode has no room for it. */
    public Instant crtime() { return hasExtra(CRTIME_EXTRA + 4) ? time(CRTIME, CRTIME_EXTRA) : null; }
    public void setAtime(Instant t) { setTime(ATIME, ATIME_EXTRA, t); }
    public void setMtime(Instant t) { setTime(MTIME, MTIME_EXTRA, t); }
    public void setCtime(Instant t) { setTime(CTIME, CTIME_EXTRA, t); }
    public void setCrtime(Instant t) { if (hasExtra(CRTIME_EXTRA + 4)) setTime(CRTIME, CRTIME_EXTRA, t); }

    /** Setters for a clock reading in nanoseconds since the epoch (a "now", which a {@code long} holds until 2262). */
    public void setAtimeNanos(long t) { setAtime(instant(t)); }
    public void setMtimeNanos(long t) { setMtime(instant(t)); }
    public void setCtimeNanos(long t) { setCtime(instant(t)); }
    public void setCrtimeNanos(long t) { setCrtime(instant(t)); }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, NANOS), Math.floorMod(nanos, NANOS));
    }

    /**
     * Seconds are a signed 32-bit field; an extra field, when present, adds two epoch bits
     * (the seconds' bits 32 and 33, extending the range to 2446) below 30 bits of nanoseconds
     * (ext4 wiki, "Inode Timestamps"; Linux {@code ext4_decode_extra_time}). Seconds and
     * nanoseconds stay apart: nanoseconds since the epoch overflow a {@code long} after 2262.
     */
    private Instant time(int at, int extraAt) {
        long seconds = s32(at);
        long nanos = 0;
        if (hasExtra(extraAt + 4)) {
            long extra = u32(extraAt);
            seconds += (extra & EPOCH_MASK) << 32;
            nanos = extra >>> EPOCH_BITS;
            if (nanos >= NANOS) {
                nanos = 0;
            }
        }
        return Instant.ofEpochSecond(seconds, nanos);
    }

    /**
     * Writes a time, clamped as Linux clamps to what the inode holds ({@code timestamp_truncate}
     * with {@code s_time_min}/{@code s_time_max}): 1901-12-13..2446-05-10 with an extra field,
     * 1901-12-13..2038-01-19 without one (an ext2 inode of 128 bytes), nanoseconds dropped at
     * either limit. The epoch bits are {@code (seconds - (int) seconds) >> 32}, which is what
     * the decoder above adds back.
     */
    private void setTime(int at, int extraAt, Instant t) {
        boolean extraField = hasExtra(extraAt + 4);
        long max = extraField ? EXTRA_TIME_MAX : Integer.MAX_VALUE;
        long seconds = t.getEpochSecond();
        long nanos = t.getNano();
        if (seconds <= TIME_MIN || seconds >= max) {
            seconds = Math.max(TIME_MIN, Math.min(max, seconds));
            nanos = 0;
        }
        put32(at, seconds);
        if (extraField) {
            long epoch = ((seconds - (int) seconds) >> 32) & EPOCH_MASK;
            put32(extraAt, nanos << EPOCH_BITS | epoch);
        }
    }

    /** Linux's checksum halves: low 16 bits in osd2, high 16 bits in the extra fields when they fit. */
    public long checksum() {
        long lo = u16(CHECKSUM_LO);
        return hasExtra(CHECKSUM_HI + 2) ? lo | (long) u16(CHECKSUM_HI) << 16 : lo;
    }

    public boolean hasChecksumHi() {
        return hasExtra(CHECKSUM_HI + 2);
    }

    /** Zeroes the whole inode. */
    public void clear() {
        for (int i = 0; i < size; i++) {
            buf.put(base + i, (byte) 0);
        }
    }
}
