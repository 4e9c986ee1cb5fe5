package io.jrump.fs.ext2;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.Stat;
import io.jrump.fs.ext2.disk.Checksums;
import io.jrump.fs.ext2.disk.Feature;
import io.jrump.fs.ext2.disk.Inode;
import io.jrump.fs.vfs.Vnode;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An ext2 inode as a vnode: what every node has, whatever its type — the inode and its
 * attributes, the node's mutex, the block map. The types add their operations: {@link Ext2File}
 * (file data), {@link Ext2Dir} (directory operations), {@link Ext2Symlink}, {@link Ext2Special}
 * (device nodes, FIFOs and sockets, made and stat'ed with their device number, not opened for
 * data); {@link InodeRelease} gives an inode and what it holds back. An inode's type never
 * changes, so {@link #of} picks the class once, from the mode.
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
 * by the VFS, so their mutexes are not needed and never nested. Those nodes come from the VFS
 * as {@link Vnode}s and are found again as this file system's own by {@link Ext2Fs#own}, never
 * by a cast.
 *
 * <p>A node can outlive its inode: a thread that found the node by name may lock it only after
 * another removed the last name and freed the inode. Such a node takes no blocks and no new
 * names (ENOENT), so nothing is allocated for an inode that no longer exists.
 */
abstract class Ext2Node extends Vnode {
    private static final long NANOS = 1_000_000_000L;
    /** A relatime atime is refreshed at least this often. */
    private static final long RELATIME_NANOS = 24L * 3600 * NANOS;

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
    private long lastBlock;
    private boolean freed;
    private int checksumSeed;

    Ext2Node(Ext2Fs fs, long ino, Inode inode) {
        super(fs);
        this.fs = fs;
        this.ino = ino;
        this.inode = inode;
        refresh();
        if (fs.hasMetadataCsum()) {
            checksumSeed = Checksums.inodeSeed(fs.csumSeed(), ino, inode.generation());
        }
    }

    /**
     * The node for inode {@code ino}, of the class its type calls for. {@code fresh}: just made
     * by this mount, so not checked as one read from the image is.
     */
    static Ext2Node of(Ext2Fs fs, long ino, Inode inode, boolean fresh) throws ErrnoException {
        if (!fresh) {
            validate(fs, ino, inode);
        }
        switch (inode.mode() & FileMode.S_IFMT) {
            case FileMode.S_IFREG:
                return new Ext2File(fs, ino, inode);
            case FileMode.S_IFDIR:
                return new Ext2Dir(fs, ino, inode);
            case FileMode.S_IFLNK:
                return new Ext2Symlink(fs, ino, inode);
            default:
                return new Ext2Special(fs, ino, inode);
        }
    }

    private static void validate(Ext2Fs fs, long ino, Inode inode) throws ErrnoException {
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
        if (blocksHeld(fs, inode) > fs.superblock().blocksCount()) {
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

    private void refresh() {
        mode = inode.mode();
        uid = inode.uid();
        gid = inode.gid();
        nlink = inode.linksCount();
        size = inode.fileSize();
    }

    // ---- helpers for the types, the map, directory and file system ----

    Inode inode() {
        return inode;
    }

    int checksumSeed() {
        return checksumSeed;
    }

    /** Whether the inode has been given back ({@link InodeRelease}); such a node takes no changes. */
    boolean isFreed() {
        return freed;
    }

    void markFreed() {
        freed = true;
    }

    /** This node as a directory; ENOTDIR for any other type (a typed view, not a cast). */
    Ext2Dir directory() throws ErrnoException {
        throw new ErrnoException(Errno.ENOTDIR);
    }

    /**
     * Sets up a node just made by {@code create}, {@code mknod} or {@code symlink} in the
     * directory {@code parent}: one link, the inode written. A directory overrides this to add
     * its "." and "..".
     */
    void initNew(long parent) throws ErrnoException {
        inode.setLinksCount(1);
        markInodeDirty();
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

    /** Copies the inode to the inode table (in the cache) and refreshes the lock-free mirrors. */
    void markInodeDirty() throws ErrnoException {
        refresh();
        if (!freed) {
            fs.writeInode(ino, inode.buffer());
        }
    }

    /** File system blocks the inode holds (data, indirect, extended attribute block). */
    long blocksHeld() {
        return blocksHeld(fs, inode);
    }

    private static long blocksHeld(Ext2Fs fs, Inode inode) {
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

    interface Op<T> {
        T run() throws ErrnoException;
    }

    /** Runs an operation under this node's mutex; corruption it finds on a read-write mount stops all writing ({@link Ext2Fs#failure}). */
    final <T> T locked(Op<T> op) throws ErrnoException {
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
    final <T> T writing(Op<T> op) throws ErrnoException {
        fs.requireWritable();
        return locked(() -> {
            requireInode();
            return op.run();
        });
    }

    /** ENOENT for a node whose inode was freed (see the class comment). */
    private void requireInode() throws ErrnoException {
        if (freed) {
            throw new ErrnoException(Errno.ENOENT, "ext2: inode " + ino + " has been removed");
        }
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

    /** Device number of a device node ({@link Ext2Special}), 0 for any other node. */
    long rdev() {
        return 0;
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

    final void touchModified() throws ErrnoException {
        long now = fs.now();
        inode.setMtimeNanos(now);
        inode.setCtimeNanos(now);
        markInodeDirty();
    }

    final void touchChanged() throws ErrnoException {
        inode.setCtimeNanos(fs.now());
        markInodeDirty();
    }

    /** relatime, as Linux mounts by default: refresh atime when it is not after mtime/ctime or a day old. Never on a read-only mount. */
    final void touchAccessed() throws ErrnoException {
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

    @Override
    public void fsync() throws ErrnoException {
        if (!fs.isReadOnly()) {
            fs.sync();
        }
    }

    // ---- extended attributes (Ext2Xattrs keeps them) ----

    @Override
    public byte[] getxattr(String name) throws ErrnoException {
        return locked(() -> Ext2Xattrs.get(this, name));
    }

    @Override
    public List<String> listxattr() throws ErrnoException {
        return locked(() -> Ext2Xattrs.list(this));
    }

    @Override
    public void setxattr(String name, byte[] value, int flags) throws ErrnoException {
        writing(() -> {
            Ext2Xattrs.set(this, name, value, flags);
            return null;
        });
    }

    @Override
    public void removexattr(String name) throws ErrnoException {
        writing(() -> {
            Ext2Xattrs.set(this, name, null, 0);
            return null;
        });
    }

    // ---- life cycle (InodeRelease does the freeing) ----

    @Override
    protected void inactive() throws ErrnoException {
        if (nlink == 0 && !fs.isReadOnly()) {
            releaseAtUnmount();
        }
    }

    /** At last close and at unmount: frees the inode if it has no names left. */
    void releaseAtUnmount() throws ErrnoException {
        locked(() -> {
            if (!freed && inode.linksCount() == 0) {
                InodeRelease.release(this);
            }
            return null;
        });
    }

    /**
     * This node lost a name in its directory (locked exclusive by the VFS): one link fewer, and
     * the inode freed with the last one unless a file has it open. A directory overrides this:
     * its one name is all its links.
     */
    void unlinked() throws ErrnoException {
        inode.setLinksCount(Math.max(0, inode.linksCount() - 1));
        touchChanged();
        if (inode.linksCount() == 0 && !isOpen()) {
            InodeRelease.release(this);
        }
    }

    /** Whether removing one name of this node will free it, so the removal checks the release first. */
    boolean lastName() {
        return inode.linksCount() <= 1;
    }
}
