package io.jrump.fs.tmpfs;

import io.jrump.api.DirEntry;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.fs.vfs.DirBatch;
import io.jrump.fs.vfs.Vnode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A directory: entries by name for lookup, and the same entries by a cookie that only grows,
 * for readdir. A reader's position is a cookie, so entries added or removed while it reads
 * do not shift the others, and none is returned twice or skipped (what POSIX asks of
 * readdir). Cookies 0 and 1 are "." and ".."; both maps are made on the first entry, so an
 * empty directory is small.
 *
 * <p>The link count is 2 plus the number of subdirectories (each one's ".." names this
 * directory); 0 once removed, when lookups find nothing and readdir returns nothing.
 */
final class TmpfsDir extends TmpfsNode {
    private static final long DOT_COOKIE = 0;
    private static final long DOTDOT_COOKIE = 1;
    private static final long FIRST_COOKIE = 2;
    /** Bytes an entry is said to take in {@code st_size}, as NetBSD tmpfs reports a directory's size. */
    private static final int ENTRY_SIZE = 32;

    private record Entry(String name, TmpfsNode node, long cookie) {
    }

    /** ".."; the root's is itself. */
    private volatile TmpfsDir parent;
    private Map<String, Entry> byName;
    private TreeMap<Long, Entry> byCookie;
    private long nextCookie = FIRST_COOKIE;

    TmpfsDir(Tmpfs fs, long ino, int perms, int uid, int gid, TmpfsDir parent) {
        super(fs, ino, FileMode.S_IFDIR | perms, uid, gid, 2);
        this.parent = parent == null ? this : parent;
    }

    private boolean removed() {
        return nlink() == 0;
    }

    private int entryCount() {
        return byName == null ? 0 : byName.size();
    }

    @Override
    public long size() {
        return (long) (entryCount() + 2) * ENTRY_SIZE;
    }

    @Override
    public Vnode lookup(String name) {
        if (removed()) {
            return null;
        }
        if (name.equals("..")) {
            return parent;
        }
        if (name.equals(".")) {
            return this;
        }
        Entry e = byName == null ? null : byName.get(name);
        return e == null ? null : e.node();
    }

    @Override
    public Vnode create(String name, int mode, int uid, int gid) throws ErrnoException {
        checkAlive();
        long ino = fs.allocateNode();
        TmpfsNode node;
        if (FileMode.isDirectory(mode)) {
            node = new TmpfsDir(fs, ino, mode & FileMode.ALLPERMS, uid, gid, this);
            setNlink(nlink() + 1);
        } else if (FileMode.isRegular(mode)) {
            node = new TmpfsFile(fs, ino, mode & FileMode.ALLPERMS, uid, gid);
        } else {
            fs.releaseNode();
            throw new ErrnoException(Errno.EINVAL, "tmpfs makes only files and directories here");
        }
        add(name, node);
        touchModified();
        return node;
    }

    @Override
    public Vnode mknod(String name, int mode, long rdev, int uid, int gid) throws ErrnoException {
        checkAlive();
        int type = mode & FileMode.S_IFMT;
        boolean device = type == FileMode.S_IFCHR || type == FileMode.S_IFBLK;
        TmpfsNode node = new TmpfsSpecial(fs, fs.allocateNode(), mode, device ? rdev : 0, uid, gid);
        add(name, node);
        touchModified();
        return node;
    }

    @Override
    public Vnode symlink(String name, String target, int uid, int gid) throws ErrnoException {
        checkAlive();
        TmpfsNode node = new TmpfsSymlink(fs, fs.allocateNode(), target, uid, gid);
        add(name, node);
        touchModified();
        return node;
    }

    @Override
    public void link(String name, Vnode node) throws ErrnoException {
        checkAlive();
        TmpfsNode n = (TmpfsNode) node;
        add(name, n);
        n.setNlink(n.nlink() + 1);
        n.touchChanged();
        touchModified();
    }

    @Override
    public void remove(String name, Vnode node) {
        drop(name);
        ((TmpfsNode) node).unlinked();
        touchModified();
    }

    @Override
    public void rmdir(String name, Vnode node) {
        drop(name);
        killDirectory((TmpfsDir) node);
        touchModified();
    }

    @Override
    public void rename(String fromName, Vnode node, Vnode toDir, String toName, Vnode replaced) throws ErrnoException {
        TmpfsDir to = (TmpfsDir) toDir;
        to.checkAlive();
        TmpfsNode moving = (TmpfsNode) node;
        if (replaced != null) {
            to.drop(toName);
            if (replaced instanceof TmpfsDir d) {
                to.killDirectory(d);
            } else {
                ((TmpfsNode) replaced).unlinked();
            }
        }
        drop(fromName);
        to.add(toName, moving);
        if (moving instanceof TmpfsDir d && to != this) {
            setNlink(nlink() - 1);
            to.setNlink(to.nlink() + 1);
            d.parent = to;
        }
        moving.touchChanged();
        touchModified();
        to.touchModified();
    }

    @Override
    public boolean isEmptyDirectory() {
        return entryCount() == 0;
    }

    @Override
    public DirBatch readdir(long cookie, int max) {
        List<DirEntry> out = new ArrayList<>(Math.min(max, entryCount() + 2));
        long next = cookie;
        if (removed() || max <= 0) {
            return new DirBatch(out, next);
        }
        if (next == DOT_COOKIE) {
            out.add(new DirEntry(ino(), FileMode.DT_DIR, "."));
            next = DOTDOT_COOKIE;
        }
        if (next == DOTDOT_COOKIE && out.size() < max) {
            out.add(new DirEntry(parent.ino(), FileMode.DT_DIR, ".."));
            next = FIRST_COOKIE;
        }
        if (byCookie != null && next >= FIRST_COOKIE) {
            for (Entry e : byCookie.tailMap(next, true).values()) {
                if (out.size() >= max) {
                    break;
                }
                out.add(new DirEntry(e.node().ino(), FileMode.direntType(e.node().mode()), e.name()));
                next = e.cookie() + 1;
            }
            if (out.size() < max) {
                next = Math.max(next, nextCookie);
            }
        }
        return new DirBatch(out, next);
    }

    @Override
    public String nameOf(Vnode child) {
        if (byName != null) {
            for (Entry e : byName.values()) {
                if (e.node() == child) {
                    return e.name();
                }
            }
        }
        return null;
    }

    private void checkAlive() throws ErrnoException {
        if (removed()) {
            throw new ErrnoException(Errno.ENOENT, "directory has been removed");
        }
    }

    private void add(String name, TmpfsNode node) {
        if (byName == null) {
            byName = new HashMap<>();
            byCookie = new TreeMap<>();
        }
        Entry e = new Entry(name, node, nextCookie++);
        byName.put(name, e);
        byCookie.put(e.cookie(), e);
    }

    private void drop(String name) {
        Entry e = byName.remove(name);
        byCookie.remove(e.cookie());
    }

    /** An empty subdirectory leaves: its ".." no longer names this one, and it is gone. */
    private void killDirectory(TmpfsDir d) {
        setNlink(nlink() - 1);
        d.setNlink(0);
        d.touchChanged();
        d.free();
    }
}
