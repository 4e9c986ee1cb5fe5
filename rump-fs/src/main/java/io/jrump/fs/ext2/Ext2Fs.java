package io.jrump.fs.ext2;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.StatVfs;
import io.jrump.fs.bio.Buf;
import io.jrump.fs.bio.BufferCache;
import io.jrump.fs.ext2.disk.Checksums;
import io.jrump.fs.ext2.disk.Feature;
import io.jrump.fs.ext2.disk.Inode;
import io.jrump.fs.ext2.disk.Superblock;
import io.jrump.fs.vfs.FileSystem;
import io.jrump.fs.vfs.Vnode;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * One mounted ext2 (or read-only ext3/ext4) file system: the superblock, the group
 * descriptors, the allocator, the buffer cache and the table of live inodes.
 *
 * <p><b>Locking</b> is at the object, outermost first (a thread only ever takes a lock further
 * down this list than every lock it holds, so there is no cycle and no deadlock):
 * <ol>
 * <li>the VFS's vnode locks ({@link Vnode}), taken by the VFS before it calls in; an operation
 *     that changes a node holds that node exclusive, and one that touches several (create,
 *     link, remove, rmdir, rename) holds all of them exclusive, so no other operation can run on
 *     any of them. The driver never takes a vnode lock.</li>
 * <li>{@link #mountLock}: {@link #sync()} and {@link #unmount}, so that unmount restores the
 *     state once and sync never runs after it.</li>
 * <li>one node's {@link Ext2Node} mutex, taken by every operation on that node. It matters for the
 *     operations the VFS runs concurrently on one node under its shared lock (read, lookup,
 *     readdir, stat, readlink), which update the access time and set up the block map, directory
 *     name table and extent path cache. No operation holds two node mutexes: the other nodes an
 *     operation touches are held exclusive by the VFS.</li>
 * <li>{@link #live}'s monitor: the table of live inodes, so one inode has at most one node.</li>
 * <li>the {@link Allocator}'s monitor: block and inode bitmaps, the group descriptors' counts,
 *     this copy of the superblock (counters, state, times), and the reference counts of shared
 *     extended-attribute blocks.</li>
 * <li>the {@link BufferCache}'s locks, inside each of its calls (held for its table only, never
 *     across a device read, so readers of different blocks proceed in parallel). A pinned {@link Buf} is shared,
 *     not owned: two nodes whose inodes share an inode-table block edit disjoint byte ranges of
 *     the same buffer (Java never tears writes to distinct array elements), and each marks it
 *     dirty after its edit, so a write-back that copied the block half-way through an edit is
 *     followed by another. Every other block has one owner: a node's data, indirect, extent and
 *     directory blocks are changed only under that node's exclusive vnode lock; bitmaps,
 *     descriptors and the superblock only under the allocator's monitor.</li>
 * </ol>
 * Fields of the superblock and descriptors that never change after mount (sizes, counts of
 * blocks and inodes, feature flags, where bitmaps and inode tables lie) are read without a lock.
 *
 * <p><b>State in the superblock</b>, as Linux's ext2: a read-write mount clears the valid bit,
 * counts the mount and sets the mount time at once (so a crash leaves the image marked for
 * e2fsck); unmount restores the state it found and sets the write time. A read-only mount
 * writes nothing at all: its cache refuses writes.
 *
 * <p><b>Corruption found on a read-write mount</b> (EUCLEAN from any operation: a block
 * pointer into the {@link SystemZone} or past the end, a bitmap that disagrees with the
 * metadata or the descriptors, a free of something already free, a name leading to an inode
 * not in use) stops the writing, as Linux's {@code ext2_error} with
 * {@code errors=remount-ro}: the superblock records the error state
 * (so e2fsck runs in full next time) and is written at once, and the mount answers every later
 * change with EROFS. Operations check before they change anything, so what was written before
 * the damage was found is consistent and is kept; the damage itself is left for e2fsck.
 */
final class Ext2Fs extends FileSystem {
    private static final long NANOS = 1_000_000_000L;

    private final BlockDevice device;
    private final BufferCache cache;
    private final Superblock sb;
    private final GroupTable groups;
    private final Allocator allocator;
    /** Fewest entries in the table of live nodes before collected ones are swept out. */
    private static final int SWEEP_MIN = 1024;
    /** Metadata blocks, which no file block may be; empty on a read-only mount. */
    private final SystemZone zone;
    private final boolean readOnly;
    /** Set once corruption was found while writing: the mount is read-only from then on. */
    private volatile boolean failed;
    private final LongSupplier clock;
    private final System.Logger log;
    private final Object mountLock = new Object();
    /** Inode number to its node while one is reachable; guarded by its own monitor. */
    private final Map<Long, WeakReference<Ext2Node>> live = new HashMap<>();
    /** Size of {@link #live} at which entries of collected nodes are swept out next; guarded by its monitor. */
    private int sweepAt = SWEEP_MIN;
    private final int blockSize;
    private final int inodeSize;
    private final boolean metadataCsum;
    private final int csumSeed;
    private final int stateAtMount;
    private final long maxFileSize;
    private final String typeName;
    private final Ext2Node root;
    private boolean unmounted;

    /**
     * @param zone the system zone of a read-write mount, {@link SystemZone#NONE} for a read-only one
     */
    Ext2Fs(BlockDevice device, BufferCache cache, Superblock sb, GroupTable groups, SystemZone zone, boolean readOnly,
            LongSupplier clock, System.Logger log, String typeName) throws ErrnoException {
        this.device = device;
        this.cache = cache;
        this.sb = sb;
        this.groups = groups;
        this.readOnly = readOnly;
        this.clock = clock;
        this.log = log;
        this.typeName = typeName;
        this.blockSize = sb.blockSize();
        this.inodeSize = sb.inodeSize();
        this.zone = zone;
        this.allocator = new Allocator(sb, groups, cache, zone, this::onDisk);
        this.metadataCsum = sb.has(Feature.METADATA_CSUM);
        this.csumSeed = metadataCsum ? Checksums.fsSeed(sb) : 0;
        this.stateAtMount = sb.state();
        this.maxFileSize = computeMaxFileSize();
        Ext2Node r = node(Inode.ROOT_INO);
        if (!r.isDirectory()) {
            throw Damage.inode(Inode.ROOT_INO, "the root is not a directory (mode " + Integer.toOctalString(r.mode()) + ")");
        }
        this.root = r;
        if (!readOnly) {
            startWriting();
        }
    }

    private void startWriting() throws ErrnoException {
        if ((stateAtMount & Superblock.STATE_VALID) == 0) {
            log.log(System.Logger.Level.WARNING, "ext2: mounting a file system that was not cleanly unmounted; running e2fsck is recommended");
        } else if ((stateAtMount & Superblock.STATE_ERROR) != 0) {
            log.log(System.Logger.Level.WARNING, "ext2: mounting a file system with errors; running e2fsck is recommended");
        }
        sb.setState(stateAtMount & ~Superblock.STATE_VALID);
        sb.setMountCount(sb.mountCount() + 1);
        sb.setMountTime(nowSeconds());
        writeSuperblock();
        cache.flush();
    }

    // ---- FileSystem ----

    @Override
    public Vnode root() {
        return root;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly || failed;
    }

    @Override
    public StatVfs statvfs() {
        long free;
        long ifree;
        synchronized (allocator) {
            free = groups.freeBlocks();
            ifree = groups.freeInodes();
        }
        long avail = Math.max(0, free - sb.reservedBlocksCount());
        return new StatVfs(blockSize, blockSize, sb.blocksCount() - overhead(), free, avail,
                sb.inodesCount(), ifree, ifree, 0, 0, 255, typeName);
    }

    /** Blocks that hold no files: before the first group, and the bitmaps and inode tables (Linux's "bsddf" figure). */
    private long overhead() {
        return sb.firstDataBlock() + groups.count() * (2 + groups.inodeTableBlocks());
    }

    @Override
    public void sync() throws ErrnoException {
        synchronized (mountLock) {
            if (!readOnly && !unmounted) {
                writeSuperblock();
                cache.flush();
            }
        }
    }

    @Override
    public void unmount(boolean force) throws ErrnoException {
        synchronized (mountLock) {
            if (unmounted) {
                return;
            }
            if (!readOnly) {
                if (!failed) {
                    for (Ext2Node n : liveNodes()) {
                        n.releaseAtUnmount();
                    }
                }
                synchronized (allocator) {
                    if (!failed) {
                        sb.setState(stateAtMount);
                    }
                }
                writeSuperblock();
                cache.flush();
            }
            unmounted = true;
        }
    }

    // ---- shared state for nodes ----

    BufferCache cache() {
        return cache;
    }

    Allocator allocator() {
        return allocator;
    }

    Superblock superblock() {
        return sb;
    }

    int blockSize() {
        return blockSize;
    }

    boolean hasMetadataCsum() {
        return metadataCsum;
    }

    int csumSeed() {
        return csumSeed;
    }

    boolean hasFileType() {
        return sb.has(Feature.FILETYPE);
    }

    long maxFileSize() {
        return maxFileSize;
    }

    long now() {
        return clock.getAsLong();
    }

    long nowSeconds() {
        return Math.floorDiv(clock.getAsLong(), NANOS);
    }

    /**
     * EUCLEAN unless {@code block}, read from inode {@code ino}'s block map, lies inside the file
     * system's data area and, on a read-write mount, outside its metadata (the system zone).
     */
    void checkBlock(long ino, long block) throws ErrnoException {
        if (block < sb.firstDataBlock() || block >= sb.blocksCount()) {
            throw Damage.inode(ino, "block " + block + " beyond end of device (" + sb.blocksCount() + " blocks)");
        }
        if (zone.contains(block)) {
            throw Damage.inode(ino, "block " + block + " is file system metadata (superblock, descriptors, bitmaps or inode table)");
        }
    }

    void requireWritable() throws ErrnoException {
        if (readOnly) {
            throw new ErrnoException(Errno.EROFS, "ext2: mounted read-only");
        }
        if (failed) {
            throw new ErrnoException(Errno.EROFS, "ext2: read-only since corruption was found; run e2fsck");
        }
    }

    /**
     * What a write operation that failed with {@code e} throws: {@code e} itself, after, for
     * corruption (EUCLEAN), turning the mount read-only and recording the error state in the
     * superblock (see the class comment).
     */
    ErrnoException failure(ErrnoException e) {
        if (e.errno() != Errno.EUCLEAN || readOnly) {
            return e;
        }
        synchronized (allocator) {
            if (failed) {
                return e;
            }
            failed = true;
            sb.setState(sb.state() | Superblock.STATE_ERROR);
        }
        log.log(System.Logger.Level.WARNING, e.getMessage() + "; the file system is read-only from now on: run e2fsck");
        try {
            writeSuperblock();
            cache.flush();
        } catch (ErrnoException io) {
            log.log(System.Logger.Level.WARNING, "ext2: recording the error state in the superblock: " + io.getMessage());
        }
        return e;
    }

    /**
     * The live node for {@code ino}, reading the inode when none is. Looking up and reading
     * happen under the table's monitor, so two threads never make two nodes for one inode; the
     * inode's bytes in the cache are stable while it has no node, as only its node writes them.
     */
    Ext2Node node(long ino) throws ErrnoException {
        if (ino < 1 || ino > sb.inodesCount()) {
            throw Damage.corrupt("inode number " + ino + " out of range (1.." + sb.inodesCount() + ")");
        }
        synchronized (live) {
            WeakReference<Ext2Node> ref = live.get(ino);
            Ext2Node n = ref == null ? null : ref.get();
            if (n != null) {
                return n;
            }
            if (!isReadOnly()) {
                // a name that leads to an inode the bitmap calls free would be reused by the next create
                allocator.requireInodeAllocated(ino);
            }
            n = Ext2Node.of(this, ino, onDisk(ino), false);
            register(n);
            return n;
        }
    }

    private void register(Ext2Node n) {
        synchronized (live) {
            if (live.size() >= sweepAt) {
                // entries of collected nodes go when the table has doubled since the last sweep:
                // a sweep costs the table's size, so this keeps it constant per node however
                // many nodes stay reachable (a sweep every 1,024 nodes cost a tree walk 60 sweeps
                // of up to 60,000 entries)
                live.values().removeIf(r -> r.get() == null);
                sweepAt = Math.max(SWEEP_MIN, 2 * live.size());
            }
            live.put(n.ino(), new WeakReference<>(n));
        }
    }

    private List<Ext2Node> liveNodes() {
        List<Ext2Node> out = new ArrayList<>();
        synchronized (live) {
            for (WeakReference<Ext2Node> r : live.values()) {
                Ext2Node n = r.get();
                if (n != null) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    /** Makes a new inode of {@code mode} near {@code parent} (held exclusive by the VFS). */
    Ext2Node newNode(Ext2Node parent, int mode, int uid, int gid) throws ErrnoException {
        requireWritable();
        long ino = allocator.allocInode(allocator.groupOf(parent.ino()), FileMode.isDirectory(mode));
        return registered(Ext2Node.of(this, ino, freshInode(mode, uid, gid), true));
    }

    /** Makes a new symbolic link's inode near {@code parent} (held exclusive by the VFS). */
    Ext2Symlink newSymlink(Ext2Node parent, int uid, int gid) throws ErrnoException {
        requireWritable();
        long ino = allocator.allocInode(allocator.groupOf(parent.ino()), false);
        return registered(new Ext2Symlink(this, ino, freshInode(FileMode.S_IFLNK | 0777, uid, gid)));
    }

    private <N extends Ext2Node> N registered(N n) throws ErrnoException {
        n.markInodeDirty();
        register(n);
        return n;
    }

    private Inode freshInode(int mode, int uid, int gid) {
        ByteBuffer raw = ByteBuffer.allocate(inodeSize);
        Inode in = new Inode(raw, 0, inodeSize);
        if (inodeSize > Superblock.GOOD_OLD_INODE_SIZE) {
            in.setExtraIsize(Math.min(Inode.DEFAULT_EXTRA_ISIZE, inodeSize - Superblock.GOOD_OLD_INODE_SIZE));
        }
        in.setMode(mode);
        in.setUid(uid);
        in.setGid(gid);
        long now = now();
        in.setAtimeNanos(now);
        in.setMtimeNanos(now);
        in.setCtimeNanos(now);
        in.setCrtimeNanos(now);
        in.setGeneration(java.util.concurrent.ThreadLocalRandom.current().nextInt());
        return in;
    }

    /**
     * The node of this file system that the VFS handed back as {@code v}, found by identity in
     * the table of live nodes rather than by a cast: a vnode of another file system is EXDEV,
     * and one whose inode was freed and its number reused since is ENOENT.
     */
    Ext2Node own(Vnode v) throws ErrnoException {
        if (v.fileSystem() != this) {
            throw new ErrnoException(Errno.EXDEV, "ext2: a node of another file system");
        }
        synchronized (live) {
            WeakReference<Ext2Node> ref = live.get(v.ino());
            Ext2Node n = ref == null ? null : ref.get();
            if (n == v) {
                return n;
            }
        }
        throw new ErrnoException(Errno.ENOENT, "ext2: inode " + v.ino() + " has been removed");
    }

    private long[] inodeLocation(long ino) throws ErrnoException {
        long ipg = sb.inodesPerGroup();
        long g = (ino - 1) / ipg;
        long index = (ino - 1) % ipg;
        long byteOff = index * inodeSize;
        long block = groups.get(g).inodeTable() + byteOff / blockSize;
        if (block >= sb.blocksCount()) {
            throw Damage.io("inode " + ino + ": inode table block " + block + " beyond end of device (" + sb.blocksCount() + " blocks)");
        }
        return new long[] {block, byteOff % blockSize};
    }

    /** Reads inode {@code ino} into {@code raw}, verifying its checksum with metadata_csum. */
    void readInode(long ino, ByteBuffer raw) throws ErrnoException {
        long[] at = inodeLocation(ino);
        try (Buf b = cache.read(at[0])) {
            raw.clear();
            raw.put(0, b.array(), (int) at[1], inodeSize);
        }
        if (metadataCsum) {
            Inode in = new Inode(raw, 0, inodeSize);
            long want = Checksums.inode(Checksums.inodeSeed(csumSeed, ino, in.generation()), in);
            if (want != in.checksum()) {
                throw Damage.checksum("inode " + ino, at[0], in.checksum(), want);
            }
        }
    }

    /** Inode {@code ino} as the inode table holds it, whether or not it has a node. */
    private Inode onDisk(long ino) throws ErrnoException {
        ByteBuffer raw = ByteBuffer.allocate(inodeSize);
        readInode(ino, raw);
        return new Inode(raw, 0, inodeSize);
    }

    /**
     * Copies an inode into its inode-table block in the cache. Only a read-only mount refuses:
     * an operation that began before corruption was found elsewhere finishes consistently.
     */
    void writeInode(long ino, ByteBuffer raw) throws ErrnoException {
        if (readOnly) {
            throw new ErrnoException(Errno.EROFS, "ext2: mounted read-only");
        }
        long[] at = inodeLocation(ino);
        try (Buf b = cache.read(at[0])) {
            raw.get(0, b.array(), (int) at[1], inodeSize);
            b.markDirty();
        }
    }

    /** Copies the superblock and the changed descriptors into the cache, with the totals and write time. */
    private void writeSuperblock() throws ErrnoException {
        synchronized (allocator) {
            groups.writeBack(cache);
            sb.setFreeBlocksCount(groups.freeBlocks());
            sb.setFreeInodesCount(groups.freeInodes());
            sb.setWriteTime(nowSeconds());
            long block = Superblock.OFFSET / blockSize;
            int off = Superblock.OFFSET % blockSize;
            try (Buf b = cache.read(block)) {
                sb.buffer().get(sb.offset(), b.array(), off, Superblock.SIZE);
                b.markDirty();
            }
        }
    }

    /** Largest file: what the indirect blocks address, capped by i_blocks's 32 bits of sectors, or 2 GiB without large_file. */
    private long computeMaxFileSize() {
        if (!sb.has(Feature.LARGE_FILE) && !sb.has(Feature.EXTENTS)) {
            return Integer.MAX_VALUE;
        }
        long p = blockSize / 4;
        long addressable = (12 + p + p * p + p * p * p) * blockSize;
        long sectors = sb.has(Feature.HUGE_FILE) ? (1L << 48) - 1 : (1L << 32) - 1;
        long byBlocks = sectors * 512 - (3 + p + p * p) * blockSize;
        long limit = Math.min(addressable, byBlocks);
        if (sb.has(Feature.EXTENTS)) {
            limit = Math.max(limit, Math.min((1L << 32) * blockSize, byBlocks));
        }
        return limit;
    }

    BlockDevice device() {
        return device;
    }
}
