package io.jrump.fs.tmpfs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.Stat;
import io.jrump.fs.vfs.Vnode;
import io.jrump.api.XattrFlags;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every tmpfs node has (NetBSD's {@code struct tmpfs_node}): inode number, mode, owner,
 * link count and the three times, kept in volatile fields so the VFS may read them for
 * permission checks without the vnode lock. Changes happen under the exclusive lock.
 */
abstract class TmpfsNode extends Vnode {
    final Tmpfs fs;
    private final long ino;
    private volatile int mode;
    private volatile int uid;
    private volatile int gid;
    private volatile long nlink;
    /** Instants, not nanoseconds since the epoch: a {@code long} of those ends in 2262. */
    private volatile Instant atime;
    private volatile Instant mtime;
    private volatile Instant ctime;
    /** Set once the node's inode and pages have gone back to the file system. */
    private boolean freed;
    /** Extended attributes by full name, made on the first one; guarded by the vnode lock. */
    private Map<String, byte[]> xattrs;
    /** Bytes of names and values in {@link #xattrs}, charged to the page budget a page at a time. */
    private long xattrBytes;

    TmpfsNode(Tmpfs fs, long ino, int mode, int uid, int gid, long nlink) {
        super(fs);
        this.fs = fs;
        this.ino = ino;
        this.mode = mode;
        this.uid = uid;
        this.gid = gid;
        this.nlink = nlink;
        Instant now = fs.now();
        this.atime = now;
        this.mtime = now;
        this.ctime = now;
    }

    @Override
    public final long ino() {
        return ino;
    }

    @Override
    public final int mode() {
        return mode;
    }

    @Override
    public final int uid() {
        return uid;
    }

    @Override
    public final int gid() {
        return gid;
    }

    @Override
    public final long nlink() {
        return nlink;
    }

    final void setNlink(long n) {
        nlink = n;
    }

    /** The device of a device node ({@code st_rdev}); 0 for every other node. */
    long rdev() {
        return 0;
    }

    /** 512-byte units allocated to the node ({@code st_blocks}). */
    long blocks() {
        return 0;
    }

    @Override
    public final Stat stat(long dev) {
        return new Stat(dev, ino, mode, nlink, uid, gid, rdev(), size(), Tmpfs.PAGE_SIZE, blocks(),
                atime, mtime, ctime);
    }

    @Override
    public final void setMode(int perms) {
        mode = (mode & FileMode.S_IFMT) | (perms & FileMode.ALLPERMS);
        touchChanged();
    }

    @Override
    public final void setOwner(int newUid, int newGid) {
        uid = newUid;
        gid = newGid;
        touchChanged();
    }

    @Override
    public final void setTimes(Instant a, Instant m) {
        Instant now = fs.now();
        atime = a != null ? a : now;
        mtime = m != null ? m : now;
        ctime = now;
    }

    final void touchAccessed() {
        atime = fs.now();
    }

    /** Contents changed: modification and change time. */
    final void touchModified() {
        Instant now = fs.now();
        mtime = now;
        ctime = now;
    }

    /** Attributes (link count, name) changed. */
    final void touchChanged() {
        ctime = fs.now();
    }

    // ---- extended attributes: in memory, names and values charged to the page budget ----

    @Override
    public final byte[] getxattr(String name) throws ErrnoException {
        checkNamespace(name);
        byte[] v = xattrs == null ? null : xattrs.get(name);
        if (v == null) {
            throw new ErrnoException(Errno.ENODATA);
        }
        return v.clone();
    }

    @Override
    public final List<String> listxattr() {
        return xattrs == null ? List.of() : new ArrayList<>(xattrs.keySet());
    }

    @Override
    public final void setxattr(String name, byte[] value, int flags) throws ErrnoException {
        checkNamespace(name);
        byte[] old = xattrs == null ? null : xattrs.get(name);
        if (old != null && (flags & XattrFlags.XATTR_CREATE) != 0) {
            throw new ErrnoException(Errno.EEXIST);
        }
        if (old == null && (flags & XattrFlags.XATTR_REPLACE) != 0) {
            throw new ErrnoException(Errno.ENODATA);
        }
        long bytes = xattrBytes - (old == null ? 0 : entryBytes(name, old)) + entryBytes(name, value);
        chargeXattrs(bytes);
        if (xattrs == null) {
            xattrs = new LinkedHashMap<>();
        }
        xattrs.put(name, value.clone());
        touchChanged();
    }

    @Override
    public final void removexattr(String name) throws ErrnoException {
        checkNamespace(name);
        byte[] old = xattrs == null ? null : xattrs.remove(name);
        if (old == null) {
            throw new ErrnoException(Errno.ENODATA);
        }
        chargeXattrs(xattrBytes - entryBytes(name, old));
        touchChanged();
    }

    /** tmpfs keeps user.*, trusted.* and security.*; system.* names (ACLs) it does not (EOPNOTSUPP). */
    private static void checkNamespace(String name) throws ErrnoException {
        if (name.startsWith("system.")) {
            throw new ErrnoException(Errno.EOPNOTSUPP, "tmpfs: no " + name);
        }
    }

    private static long entryBytes(String name, byte[] value) {
        return name.getBytes(StandardCharsets.UTF_8).length + (long) value.length;
    }

    /** Moves the page charge to cover {@code bytes}; ENOSPC, changing nothing, when the budget has no page left. */
    private void chargeXattrs(long bytes) throws ErrnoException {
        long have = pagesFor(xattrBytes);
        long need = pagesFor(bytes);
        for (long i = have; i < need; i++) {
            if (!fs.reservePage()) {
                fs.releasePages(i - have);
                throw new ErrnoException(Errno.ENOSPC, "tmpfs: no room for extended attributes");
            }
        }
        fs.releasePages(have - need);
        xattrBytes = bytes;
    }

    private static long pagesFor(long bytes) {
        return (bytes + Tmpfs.PAGE_SIZE - 1) / Tmpfs.PAGE_SIZE;
    }

    /** Drops one name; frees the node when it had the last one and no file is open on it. Exclusive lock held. */
    final void unlinked() {
        nlink--;
        touchChanged();
        if (nlink == 0 && !isOpen()) {
            free();
        }
    }

    @Override
    protected final void inactive() {
        if (nlink == 0) {
            free();
        }
    }

    /** Returns the inode and any pages to the file system's budget, once. */
    final void free() {
        if (!freed) {
            freed = true;
            releaseData();
            fs.releasePages(pagesFor(xattrBytes));
            xattrs = null;
            xattrBytes = 0;
            fs.releaseNode();
        }
    }

    /** Gives back data pages; files override. */
    void releaseData() {
    }
}
