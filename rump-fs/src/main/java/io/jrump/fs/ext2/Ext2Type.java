package io.jrump.fs.ext2;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.fs.bio.BufferCache;
import io.jrump.fs.ext2.disk.Feature;
import io.jrump.fs.ext2.disk.Superblock;
import io.jrump.fs.vfs.FileSystem;
import io.jrump.fs.vfs.FileSystemType;
import io.jrump.fs.vfs.MountOptions;
import io.jrump.fs.vfs.MountRequest;
import java.nio.ByteBuffer;

/**
 * The "ext2" file system type; "ext3" and "ext4" ({@link Ext3Type}, {@link Ext4Type}) are the
 * same driver under the names users will type, since what an image can do is decided by its
 * superblock's features, not by the name given to mount (see {@link FeaturePolicy}).
 *
 * <p>Mount options: {@code cache=SIZE} (k/m/g suffixes), the buffer cache's memory limit,
 * default {@link BufferCache#DEFAULT_LIMIT}; {@code check=auto|strict|normal}, whether a
 * read-write mount first cross-checks every block map against the bitmaps ({@link MapScan}).
 */
public class Ext2Type implements FileSystemType {
    public static final String NAME = "ext2";
    /** Mount option: buffer cache size. */
    public static final String CACHE_OPTION = "cache";
    /** Mount option: how much a read-write mount checks before it writes. */
    public static final String CHECK_OPTION = "check";

    private final String name;

    public Ext2Type() {
        this(NAME);
    }

    Ext2Type(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public FileSystem mount(MountRequest request) throws ErrnoException {
        MountOptions o = request.options();
        o.rejectUnknown(CACHE_OPTION, CHECK_OPTION);
        long cacheBytes = o.size(CACHE_OPTION, BufferCache.DEFAULT_LIMIT);
        MapScan.Mode check = checkMode(o.get(CHECK_OPTION));
        BlockDevice dev = request.device();
        Superblock sb = readSuperblock(dev);
        FeaturePolicy.Verdict verdict = FeaturePolicy.decide(sb);
        System.Logger log = request.logger();
        boolean replayed = sb.has(Feature.RECOVER);
        if (replayed) {
            // Linux replays the journal even for a read-only mount; here it is replayed in memory
            JournalRecovery.Result r = JournalRecovery.replay(dev, sb, request.source(), log);
            dev = r.device();
            sb = readSuperblock(dev);
            verdict = new FeaturePolicy.Verdict(true, r.message());
            log.log(System.Logger.Level.WARNING, "ext2: " + request.source() + ": " + r.message());
        }
        boolean readOnly = request.readOnly() || verdict.readOnly() || dev.isReadOnly();
        if (verdict.readOnly() && !request.readOnly() && !replayed) {
            log.log(System.Logger.Level.WARNING, "ext2: " + request.source() + ": " + verdict.reason());
        }
        if (sb.blockSize() % dev.sectorSize() != 0) {
            throw new ErrnoException(Errno.EINVAL, "ext2: block size " + sb.blockSize() + " smaller than the device's sectors (" + dev.sectorSize() + ")");
        }
        BufferCache cache = new BufferCache(dev, sb.blockSize(), cacheBytes, readOnly);
        GroupTable groups = GroupTable.load(sb, cache);
        SystemZone zone = SystemZone.NONE;
        if (!readOnly) {
            // metadata that overlaps, or a map that a write would spread, refuses writing before anything is written
            try {
                zone = SystemZone.build(sb, groups);
                if (check.scans(sb.inodesCount() - groups.freeInodes())) {
                    MapScan.run(sb, groups, cache, zone);
                }
            } catch (ErrnoException e) {
                throw new ErrnoException(e.errno(), e.detail() + " (refusing to mount read-write; it may be mounted read-only)");
            }
        }
        return new Ext2Fs(dev, cache, sb, groups, zone, readOnly, request::now, log, name);
    }

    private static MapScan.Mode checkMode(String value) throws ErrnoException {
        if (value == null) {
            return MapScan.Mode.AUTO;
        }
        try {
            return MapScan.Mode.valueOf(value.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ErrnoException(Errno.EINVAL, "ext2: check=" + value + ": expected auto, strict or normal");
        }
    }

    /** Reads and checks the primary superblock, at byte 1024 whatever the block size. */
    static Superblock readSuperblock(BlockDevice dev) throws ErrnoException {
        int sector = dev.sectorSize();
        int span = Math.max(2 * Superblock.OFFSET, sector);
        span = (span + sector - 1) / sector * sector;
        if (dev.size() < span) {
            throw new ErrnoException(Errno.EINVAL, "ext2: device of " + dev.size() + " bytes is too small for a superblock");
        }
        ByteBuffer head = ByteBuffer.allocate(span);
        dev.read(0, head);
        ByteBuffer copy = ByteBuffer.allocate(Superblock.SIZE);
        copy.put(0, head, Superblock.OFFSET, Superblock.SIZE);
        Superblock sb = new Superblock(copy, 0);
        if (sb.magic() == Superblock.MAGIC && sb.revLevel() <= Superblock.REV_DYNAMIC) {
            FeaturePolicy.requireReadable(sb);
        }
        String bad = sb.check(dev.size());
        if (bad != null) {
            throw new ErrnoException(Errno.EINVAL, "ext2: superblock (block " + (Superblock.OFFSET / Math.max(1024, sb.blockSize())) + "): " + bad);
        }
        if (sb.has(io.jrump.fs.ext2.disk.Feature.METADATA_CSUM)) {
            int want = io.jrump.fs.ext2.disk.Checksums.superblock(sb);
            if (want != sb.checksum()) {
                throw Damage.checksum("superblock", Superblock.OFFSET / sb.blockSize(), sb.checksum() & 0xFFFF_FFFFL, want & 0xFFFF_FFFFL);
            }
        }
        return sb;
    }
}
