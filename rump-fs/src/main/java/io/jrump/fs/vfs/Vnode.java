package io.jrump.fs.vfs;

import io.jrump.api.DirEntry;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.Stat;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A file as the VFS sees it (NetBSD's {@code struct vnode}), subclassed by each file system
 * type for its own nodes. Everything a file system must provide is an overridable operation
 * here (the {@code VOP_*} of BSD); the defaults answer as POSIX does for a node of the wrong
 * type, so a regular file need not say that it has no directory entries.
 *
 * <p><b>Locking is done by the VFS, not by the file system</b> (as {@code vn_lock} before a
 * {@code VOP}): every operation documents the lock its caller holds, so file systems contain
 * no locking of their own. The order is: a directory before its entries' nodes, an ancestor
 * directory before a descendant, and two unrelated directories only under the file system's
 * rename lock ({@code RenameOp}); a non-directory's lock is a leaf, nothing is taken after it. Reads of
 * data and directory lookups hold the lock shared, every change holds it exclusive. Attribute
 * getters ({@link #mode()}, {@link #uid()}, ...) may be called without the lock: file systems
 * keep them in volatile fields, so a permission check sees a value that was true at some
 * moment, as it would in a kernel that checks before it locks.
 */
public abstract class Vnode {
    private final FileSystem fileSystem;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** The mount whose root covers this directory, or null; changed only under the mount table's lock. */
    volatile Mount mountedHere;
    /** Open files on this vnode; guarded by the exclusive lock. */
    private int openCount;

    protected Vnode(FileSystem fileSystem) {
        this.fileSystem = fileSystem;
    }

    public final FileSystem fileSystem() {
        return fileSystem;
    }

    // ---- locking (used by the VFS only) ----

    final void lockShared() {
        lock.readLock().lock();
    }

    final void unlockShared() {
        lock.readLock().unlock();
    }

    final void lockExclusive() {
        lock.writeLock().lock();
    }

    final void unlockExclusive() {
        lock.writeLock().unlock();
    }

    /** Whether an open file refers to this vnode; a file system keeps an unlinked file's data until it is not. Exclusive lock held. */
    protected final boolean isOpen() {
        return openCount > 0;
    }

    final void opened() {
        openCount++;
    }

    /** Returns true when that was the last open file. */
    final boolean closed() {
        return --openCount == 0;
    }

    // ---- attributes; no lock needed ----

    public abstract long ino();

    /** File type and permission bits, as in {@code st_mode}. */
    public abstract int mode();

    public abstract int uid();

    public abstract int gid();

    public abstract long nlink();

    public abstract long size();

    public final boolean isDirectory() {
        return FileMode.isDirectory(mode());
    }

    public final boolean isSymlink() {
        return FileMode.isSymlink(mode());
    }

    public final boolean isRegularFile() {
        return FileMode.isRegular(mode());
    }

    /** Shared lock held. {@code dev} is the mount's device number, which only the VFS knows. */
    public abstract Stat stat(long dev);

    // ---- attribute changes; exclusive lock held, permission already checked ----

    /** Sets the permission bits ({@code ALLPERMS}) and the change time. */
    public abstract void setMode(int perms) throws ErrnoException;

    /** Sets owner and group (both given) and the change time. */
    public abstract void setOwner(int uid, int gid) throws ErrnoException;

    /**
     * Sets access and modification times ({@code null}: the file system's clock, UTIME_NOW) and
     * the change time to now. Instants, not nanoseconds since the epoch, which a {@code long}
     * holds only from 1677 to 2262; a file system stores what it can and clamps the rest, as
     * Linux does.
     */
    public abstract void setTimes(Instant atime, Instant mtime) throws ErrnoException;

    // ---- data; shared lock for reads, exclusive for changes ----

    /** Sets the size of a regular file, zero-filling on growth; updates modification and change time. {@code length >= 0}. */
    public void truncate(long length) throws ErrnoException {
        throw wrongType();
    }

    /** Reads from {@code offset >= 0} into {@code dst}; returns the bytes read, 0 at or past the end. Updates the access time. */
    public int read(ByteBuffer dst, long offset) throws ErrnoException {
        throw wrongType();
    }

    /**
     * Writes {@code src} at {@code offset >= 0}, growing the file. When space runs out part way,
     * returns what was written; ENOSPC only when nothing was. Updates modification and change time.
     */
    public int write(ByteBuffer src, long offset) throws ErrnoException {
        throw wrongType();
    }

    /** Makes the file's data and attributes durable. */
    public void fsync() throws ErrnoException {
    }

    /** A symbolic link's target. Shared lock held. */
    public String readlink() throws ErrnoException {
        throw new ErrnoException(Errno.EINVAL, "not a symbolic link");
    }

    // ---- directories: shared lock for lookup and readdir, exclusive for changes ----

    /**
     * The node named {@code name} in this directory, or null. {@code name} is never "." but may
     * be ".."; a removed directory has no entries, not even "..".
     */
    public Vnode lookup(String name) throws ErrnoException {
        throw notDirectory();
    }

    /**
     * Makes a regular file or a directory ({@code mode} has the type bits) named {@code name},
     * which the caller has checked to be absent. Updates this directory's times.
     */
    public Vnode create(String name, int mode, int uid, int gid) throws ErrnoException {
        throw notDirectory();
    }

    /**
     * Makes a FIFO, socket or device node ({@code mode} has the type bits) named {@code name},
     * which the caller has checked to be absent; {@code rdev} is a device node's
     * {@link io.jrump.api.DeviceNumber}. A file system that keeps no such nodes answers EPERM,
     * as Linux does for one without a {@code mknod} operation.
     */
    public Vnode mknod(String name, int mode, long rdev, int uid, int gid) throws ErrnoException {
        if (!isDirectory()) {
            throw notDirectory();
        }
        throw new ErrnoException(Errno.EPERM, "this file system keeps no special files");
    }

    /** Makes a symbolic link named {@code name}, which the caller has checked to be absent. */
    public Vnode symlink(String name, String target, int uid, int gid) throws ErrnoException {
        throw notDirectory();
    }

    /** Adds the name {@code name} for the non-directory {@code node} (also locked exclusive), of this file system. */
    public void link(String name, Vnode node) throws ErrnoException {
        throw notDirectory();
    }

    /** Removes the entry {@code name}, which names the non-directory {@code node} (locked exclusive). */
    public void remove(String name, Vnode node) throws ErrnoException {
        throw notDirectory();
    }

    /** Removes the entry {@code name}, which names the empty directory {@code node} (locked exclusive). */
    public void rmdir(String name, Vnode node) throws ErrnoException {
        throw notDirectory();
    }

    /**
     * Moves the entry {@code fromName} (naming {@code node}) of this directory to {@code toName}
     * in {@code toDir}, replacing {@code replaced} (null when absent; an empty directory when
     * {@code node} is one). The VFS holds the file system's rename lock and all four vnodes
     * exclusive, and has checked every POSIX rule; the file system updates entries, "..",
     * link counts and times.
     */
    public void rename(String fromName, Vnode node, Vnode toDir, String toName, Vnode replaced) throws ErrnoException {
        throw notDirectory();
    }

    /** Whether a directory holds nothing but "." and "..". */
    public boolean isEmptyDirectory() throws ErrnoException {
        throw notDirectory();
    }

    /**
     * Entries from the position {@code cookie} (0 is the start; "." and ".." included), at most
     * {@code max}, and the cookie to go on from. Entries made or removed while a reader goes
     * through the directory may or may not appear; every other entry appears exactly once.
     */
    public DirBatch readdir(long cookie, int max) throws ErrnoException {
        throw notDirectory();
    }

    /**
     * The name under which this directory holds the directory {@code child}, or null; for
     * {@code getcwd}. Shared lock held. The default reads the whole directory.
     */
    public String nameOf(Vnode child) throws ErrnoException {
        long ino = child.ino();
        long cookie = 0;
        while (true) {
            DirBatch batch = readdir(cookie, 128);
            if (batch.entries().isEmpty()) {
                return null;
            }
            for (DirEntry e : batch.entries()) {
                if (e.ino() == ino && !PathName.isDotOrDotDot(e.name())) {
                    return e.name();
                }
            }
            cookie = batch.nextCookie();
        }
    }

    // ---- extended attributes: shared lock for get and list, exclusive for changes ----

    /*
     * Names are full names ("user.comment"), already checked by the VFS (XattrOps) for length,
     * namespace and the caller's permission; a file system answers for its own storage.
     */

    /** The value of the attribute {@code name}; ENODATA when the node has none of that name. */
    public byte[] getxattr(String name) throws ErrnoException {
        throw noXattrs();
    }

    /** The full names of the node's attributes; a file system that keeps none has none to list. */
    public List<String> listxattr() throws ErrnoException {
        return List.of();
    }

    /**
     * Sets {@code name} to {@code value} with setxattr's flags ({@link io.jrump.api.XattrFlags}):
     * EEXIST for XATTR_CREATE of one that exists, ENODATA for XATTR_REPLACE of one that does
     * not, ENOSPC when it does not fit. Updates the change time.
     */
    public void setxattr(String name, byte[] value, int flags) throws ErrnoException {
        throw noXattrs();
    }

    /** Removes {@code name}; ENODATA when absent. Updates the change time. */
    public void removexattr(String name) throws ErrnoException {
        throw noXattrs();
    }

    /** Called, exclusive lock held, when the last open file on this vnode is closed; a file system frees an unlinked file here. */
    protected void inactive() throws ErrnoException {
    }

    private ErrnoException wrongType() {
        return isDirectory() ? new ErrnoException(Errno.EISDIR) : new ErrnoException(Errno.EINVAL, "not a regular file");
    }

    private static ErrnoException noXattrs() {
        return new ErrnoException(Errno.EOPNOTSUPP, "this file system keeps no extended attributes");
    }

    private static ErrnoException notDirectory() {
        return new ErrnoException(Errno.ENOTDIR);
    }
}
