package io.jrump.fs.ext2;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.Stat;
import io.jrump.fs.bio.Buf;
import io.jrump.fs.ext2.disk.Checksums;
import io.jrump.fs.ext2.disk.DirRecord;
import io.jrump.fs.ext2.disk.Feature;
import io.jrump.fs.ext2.disk.Inode;
import io.jrump.fs.vfs.DirBatch;
import io.jrump.fs.vfs.Vnode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An ext2 inode as a vnode: regular file, directory, symbolic link, or a device node, FIFO or
 * socket (made and stat'ed with its device number, not opened for data).
 *
 * <p>The node keeps a copy of its on-disk inode and writes it into the inode table's cached
 * block after every change ({@link #markInodeDirty}), so the node itself never holds unsaved
 * state and may be dropped by the garbage collector once nothing refers to it. Attributes the
 * VFS reads without a lock are mirrored in volatile fields.
 *
 * <p>Every operation takes this node's mutex inside the VFS's vnode lock (the lock order is in
 * {@link Ext2Fs}): the VFS lets readers share a vnode, and they still change the node (access
 * time, the block map and directory set up on first use). Other nodes an operation touches
 * (the child of create, the target of link and remove, the nodes of rename) are held exclusive
 * by the VFS, so their mutexes are not needed and never nested.
 *
 * <p>A node can outlive its inode: a thread that found the node by name may lock it only after
 * another removed the last name and freed the inode. Such a node takes no blocks and no new
 * names (ENOENT), so nothing is allocated for an inode that no longer exists.
 */
final class Ext2Node extends Vnode {
    private static final long NANOS = 1_000_000_000L;
    /** Most links an ext2 inode may have (EXT2_LINK_MAX). */
    private static final int LINK_MAX = 32000;
    /** A relatime atime is refreshed at least this often. */
    private static final long RELATIME_NANOS = 24L * 3600 * NANOS;

    /** {@code h_magic} of an extended-attribute block (e2fsprogs {@code ext2_ext_attr.h}). */
    private static final int XATTR_MAGIC = 0xEA020000;
    /** A block of zeros to copy from for holes (blocks are at most 64 KiB). */
    private static final byte[] ZEROS = new byte[65536];

    final Ext2Fs fs;
    private final ReentrantLock mutex = new ReentrantLock();
    private final long ino;
    private final Inode inode;
    private volatile int mode;
    private volatile int uid;
    private volatile int gid;
    private volatile long nlink;
    private volatile long size;
    private BlockMap map;
    private Directory directory;
    private long lastBlock;
    private boolean freed;
    private int checksumSeed;

    Ext2Node(Ext2Fs fs, long ino, Inode inode, boolean fresh) throws ErrnoException {
        super(fs);
        this.fs = fs;
        this.ino = ino;
        this.inode = inode;
        if (!fresh) {
            validate();
        }
        refresh();
        if (fs.hasMetadataCsum()) {
            checksumSeed = Checksums.inodeSeed(fs.csumSeed(), ino, inode.generation());
        }
    }

    private void validate() throws ErrnoException {
        int m = inode.mode();
        if (m == 0 || inode.linksCount() == 0) {
            // a name leads here, so the inode must count it: freeing it at the next unlink would leave the name dangling
            throw Damage.inode(ino, "referenced, but not in use (mode " + Integer.toOctalString(m) + ", links " + inode.linksCount() + ")");
        }
        int type = m & FileMode.S_IFMT;
        if (type != FileMode.S_IFREG && type != FileMode.S_IFDIR && type != FileMode.S_IFLNK && type != FileMode.S_IFCHR
                && type != FileMode.S_IFBLK && type != FileMode.S_IFIFO && type != FileMode.S_IFSOCK) {
            throw Damage.inode(ino, "unknown file type in mode " + Integer.toOctalString(m));
        }
        if (inode.fileSize() < 0) {
            throw Damage.inode(ino, "size " + Long.toUnsignedString(inode.fileSize()) + " out of range");
        }
        if (blocksHeld() > fs.superblock().blocksCount()) {
            throw Damage.inode(ino, "i_blocks " + inode.rawBlocks() + " exceeds the file system's size");
        }
        if ((inode.flags() & Inode.EXTENTS_FL) != 0 && (inode.flags() & Inode.INLINE_DATA_FL) != 0) {
            throw Damage.inode(ino, "both extents and inline data flags set");
        }
        if (!fs.isReadOnly()) {
            // harmless to read, but a write would build on them: an empty directory's first entry over '.', file data read as an index
            if (type == FileMode.S_IFDIR && inode.fileSize() < fs.blockSize() && !InlineData.isInline(inode)) {
                throw Damage.inode(ino, "directory of " + inode.fileSize() + " bytes, less than one block");
            }
            if (type != FileMode.S_IFDIR && (inode.flags() & Inode.INDEX_FL) != 0) {
                throw Damage.inode(ino, "hashed-index flag on a file that is not a directory");
            }
        }
    }

    /**
     * EUCLEAN unless this directory's links count admits losing a subdirectory: a directory
     * holding one has its two links and the subdirectory's {@code ..}. A count that would go
     * below two frees the directory while its parent still names it.
     */
    private void requireSubdirLink(int gained) throws ErrnoException {
        if (inode.linksCount() + gained < 3) {
            throw Damage.inode(ino, "links count " + inode.linksCount() + " does not count its subdirectories");
        }
    }

    private void refresh() {
        mode = inode.mode();
        uid = inode.uid();
        gid = inode.gid();
        nlink = inode.linksCount();
        size = inode.fileSize();
    }

    // ---- helpers for the map, directory and file system ----

    Inode inode() {
        return inode;
    }

    int checksumSeed() {
        return checksumSeed;
    }

    BlockMap map() throws ErrnoException {
        if (map == null) {
            if ((inode.flags() & Inode.EXTENTS_FL) != 0) {
                map = new ExtentMap(this);
            } else if (InlineData.isInline(inode)) {
                throw Damage.inode(ino, "inline data has no block map");
            } else {
                map = new IndirectMap(this);
            }
        }
        return map;
    }

    private Directory dir() {
        if (directory == null) {
            directory = new Directory(this);
        }
        return directory;
    }

    /** Copies the inode to the inode table (in the cache) and refreshes the lock-free mirrors. */
    void markInodeDirty() throws ErrnoException {
        refresh();
        if (!freed) {
            fs.writeInode(ino, inode.buffer());
        }
    }

    /** File system blocks the inode holds (data, indirect, extended attribute block). */
    long blocksHeld() {
        long raw = inode.rawBlocks();
        if (fs.superblock().has(Feature.HUGE_FILE) && (inode.flags() & Inode.HUGE_FILE_FL) != 0) {
            return raw;
        }
        return raw / (fs.blockSize() / 512);
    }

    void addBlocks(long delta) {
        inode.setRawBlocks(inode.rawBlocks() + delta * (fs.blockSize() / 512));
    }

    long allocationGoal() {
        return lastBlock != 0 ? lastBlock + 1 : fs.allocator().goalFor(ino);
    }

    void setLastBlock(long b) {
        lastBlock = b;
    }

    void setSizeField(long s) throws ErrnoException {
        inode.setFileSize(s);
        markInodeDirty();
    }

    private interface Op<T> {
        T run() throws ErrnoException;
    }

    /** Runs an operation under this node's mutex; corruption it finds on a read-write mount stops all writing ({@link Ext2Fs#failure}). */
    private <T> T locked(Op<T> op) throws ErrnoException {
        mutex.lock();
        try {
            return op.run();
        } catch (ErrnoException e) {
            throw fs.failure(e);
        } finally {
            mutex.unlock();
        }
    }

    /** Runs a change under this node's mutex; a node whose inode was freed takes none (ENOENT, see the class comment). */
    private <T> T writing(Op<T> op) throws ErrnoException {
        fs.requireWritable();
        return locked(() -> {
            requireInode();
            return op.run();
        });
    }

    // ---- attributes ----

    @Override
    public long ino() {
        return ino;
    }

    @Override
    public int mode() {
        return mode;
    }

    @Override
    public int uid() {
        return uid;
    }

    @Override
    public int gid() {
        return gid;
    }

    @Override
    public long nlink() {
        return nlink;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public Stat stat(long dev) {
        mutex.lock();
        try {
            long sectors = blocksHeld() * (fs.blockSize() / 512);
            return new Stat(dev, ino, mode, nlink, uid, gid, rdev(), size, fs.blockSize(), sectors,
                    inode.atime(), inode.mtime(), inode.ctime());
        } finally {
            mutex.unlock();
        }
    }

    /** Device number of a device node ({@link Inode#device}), 0 for any other node. */
    private long rdev() {
        int type = mode & FileMode.S_IFMT;
        return type == FileMode.S_IFCHR || type == FileMode.S_IFBLK ? inode.device() : 0;
    }

    @Override
    public void setMode(int perms) throws ErrnoException {
        writing(() -> {
            inode.setMode((mode & FileMode.S_IFMT) | (perms & FileMode.ALLPERMS));
            inode.setCtimeNanos(fs.now());
            markInodeDirty();
            return null;
        });
    }

    @Override
    public void setOwner(int newUid, int newGid) throws ErrnoException {
        writing(() -> {
            inode.setUid(newUid);
            inode.setGid(newGid);
            inode.setCtimeNanos(fs.now());
            markInodeDirty();
            return null;
        });
    }

    @Override
    public void setTimes(Instant a, Instant m) throws ErrnoException {
        writing(() -> {
            long now = fs.now();
            if (a != null) {
                inode.setAtime(a);
            } else {
                inode.setAtimeNanos(now);
            }
            if (m != null) {
                inode.setMtime(m);
            } else {
                inode.setMtimeNanos(now);
            }
            inode.setCtimeNanos(now);
            markInodeDirty();
            return null;
        });
    }

    private void touchModified() throws ErrnoException {
        long now = fs.now();
        inode.setMtimeNanos(now);
        inode.setCtimeNanos(now);
        markInodeDirty();
    }

    private void touchChanged() throws ErrnoException {
        inode.setCtimeNanos(fs.now());
        markInodeDirty();
    }

    /** relatime, as Linux mounts by default: refresh atime when it is not after mtime/ctime or a day old. Never on a read-only mount. */
    private void touchAccessed() throws ErrnoException {
        if (fs.isReadOnly() || freed) {
            return;
        }
        Instant at = inode.atime();
        long now = fs.now();
        Instant dayAgo = Instant.ofEpochSecond(Math.floorDiv(now, NANOS), Math.floorMod(now, NANOS)).minusNanos(RELATIME_NANOS);
        if (!at.isAfter(inode.mtime()) || !at.isAfter(inode.ctime()) || !at.isAfter(dayAgo)) {
            inode.setAtimeNanos(now);
            markInodeDirty();
        }
    }

    // ---- data ----

    private void requireFile() throws ErrnoException {
        if (isDirectory()) {
            throw new ErrnoException(Errno.EISDIR);
        }
        if (!isRegularFile()) {
            throw new ErrnoException(Errno.EINVAL, "not a regular file");
        }
    }

    @Override
    public int read(ByteBuffer dst, long offset) throws ErrnoException {
        requireFile();
        ReadPlan plan = locked(() -> {
            ReadPlan p = planRead(dst, offset);
            touchAccessed();
            return p;
        });
        try {
            return plan.transfer(fs.cache(), dst, ZEROS); // outside the mutex: see ReadPlan
        } catch (ErrnoException e) {
            throw fs.failure(e);
        }
    }

    /** Under the mutex: where the bytes of a read lie (inline data is copied at once). */
    private ReadPlan planRead(ByteBuffer dst, long offset) throws ErrnoException {
        long sz = size;
        if (offset >= sz || !dst.hasRemaining()) {
            return ReadPlan.done(0);
        }
        int total = (int) Math.min(dst.remaining(), sz - offset);
        if (InlineData.isInline(inode)) {
            byte[] data = InlineData.read(inode, ino);
            for (int i = 0; i < total; i++) {
                long at = offset + i;
                dst.put(at < data.length ? data[(int) at] : 0);
            }
            return ReadPlan.done(total);
        }
        int bs = fs.blockSize();
        ReadPlan plan = new ReadPlan(bs, total);
        long pos = offset;
        long end = offset + total;
        BlockMap m = map();
        while (pos < end) {
            long lblk = pos / bs;
            int in = (int) (pos % bs);
            int chunk = (int) Math.min(bs - in, end - pos);
            plan.add(m.map(lblk), in, chunk, 256);
            pos += chunk;
        }
        return plan;
    }

    @Override
    public int write(ByteBuffer src, long offset) throws ErrnoException {
        requireFile();
        return writing(() -> writeData(src, offset));
    }

    /** ENOENT for a node whose inode was freed (see the class comment). */
    private void requireInode() throws ErrnoException {
        if (freed) {
            throw new ErrnoException(Errno.ENOENT, "ext2: inode " + ino + " has been removed");
        }
    }

    private int writeData(ByteBuffer src, long offset) throws ErrnoException {
        long max = fs.maxFileSize();
        if (offset >= max && src.hasRemaining()) {
            throw new ErrnoException(Errno.EFBIG, "ext2: offset " + offset + " beyond the largest file (" + max + " bytes)");
        }
        int want = (int) Math.min(src.remaining(), max - offset);
        int bs = fs.blockSize();
        BlockMap m = map();
        long pos = offset;
        long end = offset + want;
        boolean[] fresh = new boolean[1];
        long runStart = 0;
        int runLen = 0;
        int runFrom = 0;
        int base = src.position();
        ErrnoException full = null;
        try {
            while (pos < end) {
                long lblk = pos / bs;
                int in = (int) (pos % bs);
                int chunk = (int) Math.min(bs - in, end - pos);
                long pblk = m.mapOrAllocate(lblk, fresh);
                if (chunk == bs) {
                    if (runLen > 0 && pblk == runStart + runLen && runLen < 256) {
                        runLen++;
                    } else {
                        flushRun(src, runStart, runFrom, runLen);
                        runStart = pblk;
                        runFrom = (int) (pos - offset);
                        runLen = 1;
                    }
                } else {
                    flushRun(src, runStart, runFrom, runLen);
                    runLen = 0;
                    try (Buf b = fresh[0] ? fs.cache().zeroed(pblk) : fs.cache().read(pblk)) {
                        src.get(base + (int) (pos - offset), b.array(), in, chunk);
                        b.markDirty();
                    }
                }
                pos += chunk;
            }
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ENOSPC || pos == offset) {
                flushRun(src, runStart, runFrom, runLen);
                rollBack(inode.fileSize(), pos, e);
                throw e;
            }
            full = e;
        }
        flushRun(src, runStart, runFrom, runLen);
        finishWrite(offset, pos);
        src.position(base + (int) (pos - offset));
        return (int) (pos - offset);
    }

    /**
     * After a write failed: the size stays {@code oldSize} and blocks the write took past it are
     * given back, so a write call either reports what it wrote or fails without growing the
     * file (bytes it overwrote inside the file stay overwritten, as with any file system).
     * Should giving back fail, the size covers what the write reached ({@code reached}), so
     * no block lies past the end.
     */
    private void rollBack(long oldSize, long reached, ErrnoException cause) throws ErrnoException {
        int bs = fs.blockSize();
        long keep = (oldSize + bs - 1) / bs;
        try {
            map().checkTruncate(keep);
            if (oldSize % bs != 0) {
                long pblk = map().map(oldSize / bs);
                if (pblk != 0) {
                    try (Buf b = fs.cache().read(pblk)) {
                        java.util.Arrays.fill(b.array(), (int) (oldSize % bs), bs, (byte) 0);
                        b.markDirty();
                    }
                }
            }
            map().truncate(keep);
        } catch (ErrnoException e) {
            cause.addSuppressed(e);
            inode.setFileSize(Math.max(oldSize, reached));
        }
        markInodeDirty();
    }

    private void flushRun(ByteBuffer src, long start, int from, int blocks) throws ErrnoException {
        if (blocks == 0) {
            return;
        }
        int bs = fs.blockSize();
        ByteBuffer run = src.duplicate();
        run.position(src.position() + from).limit(src.position() + from + blocks * bs);
        fs.cache().writeBlocks(start, run);
    }

    private void finishWrite(long offset, long pos) throws ErrnoException {
        if (pos > inode.fileSize()) {
            inode.setFileSize(pos);
        }
        if (pos > offset) {
            touchModified();
        } else {
            markInodeDirty();
        }
    }

    @Override
    public void truncate(long length) throws ErrnoException {
        requireFile();
        writing(() -> {
            if (length > fs.maxFileSize()) {
                throw new ErrnoException(Errno.EFBIG, "ext2: " + length + " bytes is beyond the largest file (" + fs.maxFileSize() + ")");
            }
            setLength(length);
            touchModified();
            return null;
        });
    }

    /** Changes the size, freeing blocks past it and zeroing the rest of a partial last block. */
    private void setLength(long length) throws ErrnoException {
        int bs = fs.blockSize();
        if (length < inode.fileSize()) {
            map().checkTruncate((length + bs - 1) / bs);
            int in = (int) (length % bs);
            if (in != 0) {
                long pblk = map().map(length / bs);
                if (pblk != 0) {
                    try (Buf b = fs.cache().read(pblk)) {
                        java.util.Arrays.fill(b.array(), in, bs, (byte) 0);
                        b.markDirty();
                    }
                }
            }
            map().truncate((length + bs - 1) / bs);
        }
        inode.setFileSize(length);
        markInodeDirty();
    }

    @Override
    public void fsync() throws ErrnoException {
        if (!fs.isReadOnly()) {
            fs.sync();
        }
    }

    @Override
    public String readlink() throws ErrnoException {
        if (!isSymlink()) {
            throw new ErrnoException(Errno.EINVAL, "not a symbolic link");
        }
        return locked(() -> {
            long len = size;
            if (len > fs.blockSize() || len > 65536) {
                throw Damage.inode(ino, "symbolic link of " + len + " bytes");
            }
            byte[] target;
            if (InlineData.isInline(inode)) {
                target = java.util.Arrays.copyOf(InlineData.read(inode, ino), (int) len);
            } else if ((inode.flags() & Inode.EXTENTS_FL) == 0 && len < Inode.I_BLOCK_BYTES) {
                target = java.util.Arrays.copyOf(inode.blockBytes(), (int) len);
            } else {
                ByteBuffer b = ByteBuffer.allocate((int) len);
                planRead(b, 0).transfer(fs.cache(), b, ZEROS);
                target = b.array();
            }
            return new String(target, StandardCharsets.UTF_8);
        });
    }

    // ---- directories ----

    private void requireDir() throws ErrnoException {
        if (!isDirectory()) {
            throw new ErrnoException(Errno.ENOTDIR);
        }
    }

    /** A directory that was removed takes no new entries. */
    private void requireLive() throws ErrnoException {
        if (inode.linksCount() == 0) {
            throw new ErrnoException(Errno.ENOENT, "directory has been removed");
        }
    }

    private static byte[] nameBytes(String name) throws ErrnoException {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (b.length > DirRecord.NAME_MAX) {
            throw new ErrnoException(Errno.ENAMETOOLONG);
        }
        return b;
    }

    @Override
    public Vnode lookup(String name) throws ErrnoException {
        requireDir();
        return locked(() -> {
            if (nlink == 0 || size == 0 && !InlineData.isInline(inode)) {
                return null;
            }
            long found = dir().lookup(nameBytes(name));
            if (found == 0) {
                return null;
            }
            if (found != Inode.ROOT_INO && found < fs.superblock().firstIno()) {
                // the journal, the resize inode, ...: never named; unlinking such a name would free the journal
                throw Damage.inode(ino, "entry '" + name + "' names reserved inode " + found);
            }
            return fs.node(found);
        });
    }

    @Override
    public DirBatch readdir(long cookie, int max) throws ErrnoException {
        requireDir();
        return locked(() -> {
            if (nlink == 0) {
                return new DirBatch(java.util.List.of(), cookie);
            }
            DirBatch b = dir().readdir(cookie, max);
            touchAccessed();
            return b;
        });
    }

    @Override
    public boolean isEmptyDirectory() throws ErrnoException {
        requireDir();
        return locked(() -> dir().isEmpty());
    }

    @Override
    public Vnode create(String name, int newMode, int newUid, int newGid) throws ErrnoException {
        requireDir();
        byte[] n = nameBytes(name);
        return writing(() -> {
            requireLive();
            boolean isDir = FileMode.isDirectory(newMode);
            if (isDir && nlink >= LINK_MAX) {
                throw new ErrnoException(Errno.EMLINK);
            }
            Ext2Node child = fs.newNode(this, newMode, newUid, newGid);
            try {
                if (isDir) {
                    child.inode.setLinksCount(2);
                    child.dir().init(ino);
                } else {
                    child.inode.setLinksCount(1);
                    child.markInodeDirty();
                }
                dir().add(n, child.ino, newMode);
            } catch (ErrnoException e) {
                child.release();
                throw e;
            }
            if (isDir) {
                inode.setLinksCount(inode.linksCount() + 1);
            }
            touchModified();
            return child;
        });
    }

    /**
     * A FIFO, socket or device node: an inode with no blocks, a device's number in
     * {@code i_block} ({@link Inode#setDevice}), as Linux's {@code ext2_mknod} makes it.
     */
    @Override
    public Vnode mknod(String name, int newMode, long rdev, int newUid, int newGid) throws ErrnoException {
        requireDir();
        byte[] n = nameBytes(name);
        int type = newMode & FileMode.S_IFMT;
        boolean device = type == FileMode.S_IFCHR || type == FileMode.S_IFBLK;
        if (!device && type != FileMode.S_IFIFO && type != FileMode.S_IFSOCK) {
            throw new ErrnoException(Errno.EINVAL, "ext2: mknod of type " + Integer.toOctalString(type));
        }
        if (device && !Inode.holdsDevice(rdev)) {
            throw new ErrnoException(Errno.EINVAL, "ext2: device " + io.jrump.api.DeviceNumber.toString(rdev)
                    + " out of range (major at most 4095, minor at most 1048575)");
        }
        return writing(() -> {
            requireLive();
            Ext2Node node = fs.newNode(this, newMode, newUid, newGid);
            try {
                node.inode.setLinksCount(1);
                if (device) {
                    node.inode.setDevice(rdev);
                }
                node.markInodeDirty();
                dir().add(n, node.ino, newMode);
            } catch (ErrnoException e) {
                node.release();
                throw e;
            }
            touchModified();
            return node;
        });
    }

    @Override
    public Vnode symlink(String name, String target, int newUid, int newGid) throws ErrnoException {
        requireDir();
        byte[] n = nameBytes(name);
        byte[] t = target.getBytes(StandardCharsets.UTF_8);
        if (t.length == 0) {
            throw new ErrnoException(Errno.ENOENT, "ext2: empty symbolic link target");
        }
        if (t.length >= fs.blockSize()) {
            throw new ErrnoException(Errno.ENAMETOOLONG, "ext2: symbolic link target of " + t.length + " bytes (at most " + (fs.blockSize() - 1) + ")");
        }
        return writing(() -> {
            requireLive();
            Ext2Node link = fs.newNode(this, FileMode.S_IFLNK | 0777, newUid, newGid);
            try {
                link.inode.setLinksCount(1);
                if (t.length < Inode.I_BLOCK_BYTES) {
                    link.inode.setBlockBytes(t);
                } else {
                    boolean[] fresh = new boolean[1];
                    long pblk = link.map().mapOrAllocate(0, fresh);
                    try (Buf b = fs.cache().zeroed(pblk)) {
                        System.arraycopy(t, 0, b.array(), 0, t.length);
                    }
                }
                link.inode.setFileSize(t.length);
                link.markInodeDirty();
                dir().add(n, link.ino, FileMode.S_IFLNK);
            } catch (ErrnoException e) {
                link.release();
                throw e;
            }
            touchModified();
            return link;
        });
    }

    @Override
    public void link(String name, Vnode target) throws ErrnoException {
        requireDir();
        byte[] n = nameBytes(name);
        Ext2Node node = (Ext2Node) target;
        writing(() -> {
            requireLive();
            if (node.freed || node.inode.linksCount() == 0) {
                throw new ErrnoException(Errno.ENOENT, "ext2: inode " + node.ino + " has no names left");
            }
            if (node.nlink >= LINK_MAX) {
                throw new ErrnoException(Errno.EMLINK);
            }
            dir().add(n, node.ino, node.mode);
            node.inode.setLinksCount(node.inode.linksCount() + 1);
            node.touchChanged();
            touchModified();
            return null;
        });
    }

    @Override
    public void remove(String name, Vnode target) throws ErrnoException {
        requireDir();
        byte[] n = nameBytes(name);
        Ext2Node node = (Ext2Node) target;
        writing(() -> {
            if (node.inode.linksCount() <= 1) {
                node.checkRelease();
            }
            dir().remove(n);
            touchModified();
            node.dropLink();
            return null;
        });
    }

    @Override
    public void rmdir(String name, Vnode target) throws ErrnoException {
        requireDir();
        byte[] n = nameBytes(name);
        Ext2Node node = (Ext2Node) target;
        writing(() -> {
            requireSubdirLink(0);
            node.checkRelease();
            dir().remove(n);
            inode.setLinksCount(Math.max(0, inode.linksCount() - 1));
            touchModified();
            node.dirGone();
            return null;
        });
    }

    @Override
    public void rename(String fromName, Vnode moved, Vnode toDirV, String toName, Vnode replacedV) throws ErrnoException {
        requireDir();
        byte[] from = nameBytes(fromName);
        byte[] to = nameBytes(toName);
        Ext2Node node = (Ext2Node) moved;
        Ext2Node toDir = (Ext2Node) toDirV;
        Ext2Node replaced = (Ext2Node) replacedV;
        writing(() -> {
            toDir.requireLive();
            boolean isDir = node.isDirectory();
            if (isDir && toDir != this && replaced == null && toDir.nlink >= LINK_MAX) {
                throw new ErrnoException(Errno.EMLINK);
            }
            if (isDir && toDir != this) {
                requireSubdirLink(0);
            }
            if (replaced != null && replaced.isDirectory()) {
                toDir.requireSubdirLink(isDir && toDir != this ? 1 : 0);
            }
            if (replaced != null && (replaced.isDirectory() || replaced.inode.linksCount() <= 1)) {
                replaced.checkRelease();
            }
            if (replaced != null) {
                toDir.dir().retarget(to, node.ino, node.mode);
            } else {
                toDir.dir().add(to, node.ino, node.mode);
            }
            dir().remove(from);
            if (isDir && toDir != this) {
                node.dir().retarget(new byte[] {'.', '.'}, toDir.ino, FileMode.S_IFDIR);
                inode.setLinksCount(inode.linksCount() - 1);
                toDir.inode.setLinksCount(toDir.inode.linksCount() + 1);
            }
            if (replaced != null) {
                if (replaced.isDirectory()) {
                    toDir.inode.setLinksCount(toDir.inode.linksCount() - 1);
                    replaced.dirGone();
                } else {
                    replaced.dropLink();
                }
            }
            touchModified();
            if (toDir != this) {
                toDir.touchModified();
            }
            node.touchChanged();
            return null;
        });
    }

    /** One name fewer; frees the inode with the last one unless a file has it open. */
    private void dropLink() throws ErrnoException {
        inode.setLinksCount(Math.max(0, inode.linksCount() - 1));
        touchChanged();
        if (inode.linksCount() == 0 && !isOpen()) {
            release();
        }
    }

    /** A directory lost its name: no links, no entries; freed now or at last close. */
    private void dirGone() throws ErrnoException {
        inode.setLinksCount(0);
        touchChanged();
        if (!isOpen()) {
            release();
        }
    }

    @Override
    protected void inactive() throws ErrnoException {
        if (nlink == 0 && !fs.isReadOnly()) {
            releaseAtUnmount();
        }
    }

    /** At last close and at unmount: frees the inode if it has no names left. */
    void releaseAtUnmount() throws ErrnoException {
        locked(() -> {
            releaseIfUnlinked();
            return null;
        });
    }

    /** Frees the inode if it has no names left; at last close and at unmount. */
    private void releaseIfUnlinked() throws ErrnoException {
        if (!freed && inode.linksCount() == 0) {
            release();
        }
    }

    /**
     * Gives the inode and everything it holds back: data and indirect blocks (not for a fast
     * symlink, whose i_block is text), one reference to a shared extended-attribute block, and
     * the inode, with its deletion time set as Linux does.
     */
    private void release() throws ErrnoException {
        if (freed) {
            return;
        }
        checkReleaseBesidesMap();
        if (hasBlocks()) {
            map().truncate(0);
        }
        releaseXattrBlock();
        inode.setFileSize(0);
        inode.setLinksCount(0);
        inode.setDtime(fs.nowSeconds());
        markInodeDirty();
        freed = true;
        fs.allocator().freeInode(ino, isDirectory());
    }

    /**
     * Whether i_block is a block map: only for files, directories and slow symlinks (as Linux's
     * {@code ext2_evict_inode} truncates only those) — not a fast symlink (whose i_block is
     * text), inline data, a device node (its number) or a FIFO or socket.
     */
    private boolean hasBlocks() {
        boolean fastSymlink = isSymlink() && (inode.flags() & Inode.EXTENTS_FL) == 0 && size < Inode.I_BLOCK_BYTES;
        int type = inode.mode() & FileMode.S_IFMT;
        boolean mapped = type == FileMode.S_IFREG || type == FileMode.S_IFDIR || type == FileMode.S_IFLNK;
        return mapped && !fastSymlink && !InlineData.isInline(inode);
    }

    /**
     * Checks everything {@link #release} will free — the inode's bit, every block of its map,
     * its extended-attribute block — so that an operation ending in a release finds damage
     * before it changes anything (a half-done unlink would leave a nameless inode behind).
     */
    private void checkRelease() throws ErrnoException {
        if (freed) {
            return;
        }
        if (hasBlocks()) {
            map().checkTruncate(0);
        }
        checkReleaseBesidesMap();
    }

    /** The inode's bit and its extended-attribute block: what {@link #release} checks before its truncate, which checks the map itself. */
    private void checkReleaseBesidesMap() throws ErrnoException {
        fs.allocator().requireInodeAllocated(ino);
        long acl = inode.fileAcl();
        if (acl != 0) {
            fs.checkBlock(ino, acl);
            synchronized (fs.allocator()) {
                if (xattrRefs(acl) <= 1) {
                    fs.allocator().requireAllocated(acl);
                }
            }
        }
    }

    /** The reference count of the extended-attribute block {@code acl}; the caller holds the allocator's monitor. */
    private int xattrRefs(long acl) throws ErrnoException {
        try (Buf b = fs.cache().read(acl)) {
            ByteBuffer d = b.data();
            if (d.getInt(0) != XATTR_MAGIC) {
                throw Damage.inode(ino, "extended attribute block " + acl + " has a bad magic number");
            }
            return d.getInt(4);
        }
    }

    /** Drops this inode's reference to its extended-attribute block, freeing the block with the last one. */
    private void releaseXattrBlock() throws ErrnoException {
        long acl = inode.fileAcl();
        if (acl == 0) {
            return;
        }
        fs.checkBlock(ino, acl);
        Allocator allocator = fs.allocator();
        synchronized (allocator) {
            // the block is shared by the inodes that have the same attributes: its count is the allocator's to guard
            boolean last;
            try (Buf b = fs.cache().read(acl)) {
                ByteBuffer d = b.data();
                if (d.getInt(0) != XATTR_MAGIC) {
                    throw Damage.inode(ino, "extended attribute block " + acl + " has a bad magic number");
                }
                int refs = d.getInt(4);
                last = refs <= 1;
                if (!last) {
                    d.putInt(4, refs - 1);
                    b.markDirty();
                }
            }
            if (last) {
                allocator.freeBlock(acl);
            }
        }
        addBlocks(-1);
        inode.setFileAcl(0);
    }
}
