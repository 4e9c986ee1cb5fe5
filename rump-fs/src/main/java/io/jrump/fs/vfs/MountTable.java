package io.jrump.fs.vfs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.util.ArrayList;
import java.util.List;

/**
 * The mounts of one kernel. Mounting and unmounting are rare, so they take one lock for the
 * table; lookups never do, they follow {@link Vnode#mountedHere} and {@link Mount#covered}.
 */
final class MountTable {
    private final Object lock = new Object();
    private final Mount root;
    /** Every mount but the root, in mount order; guarded by {@link #lock}. */
    private final List<Mount> mounts = new ArrayList<>(2);
    private long nextDev;

    MountTable(FileSystem rootFs, String fstype, int rootFlags) {
        this.root = new Mount(rootFs, null, null, rootFlags, 1, fstype);
        this.nextDev = 2;
        rootFs.attach(root);
    }

    Mount root() {
        return root;
    }

    /** Puts {@code fs} over the directory {@code dir}; EBUSY when something is mounted there already or {@code dir} is a mount's root. */
    Mount mount(FileSystem fs, Vnode dir, int flags, String fstype) throws ErrnoException {
        synchronized (lock) {
            Mount parent = Mount.of(dir);
            if (dir.mountedHere != null || dir == parent.root()) {
                throw new ErrnoException(Errno.EBUSY, "already a mount point");
            }
            Mount m = new Mount(fs, dir, parent, flags, nextDev++, fstype);
            fs.attach(m);
            parent.children++;
            mounts.add(m);
            dir.mountedHere = m;
            return m;
        }
    }

    /**
     * Takes {@code m} out of the name space. Without {@code force}, EBUSY while files or working
     * directories are on it or other mounts are below it; with it, those mounts go first.
     */
    void unmount(Mount m, boolean force) throws ErrnoException {
        if (m == root) {
            throw new ErrnoException(Errno.EBUSY, "the root file system");
        }
        synchronized (lock) {
            if (m.detached) {
                throw new ErrnoException(Errno.EINVAL, "not mounted");
            }
            if (!force && m.children > 0) {
                throw new ErrnoException(Errno.EBUSY, m.children + " file system(s) mounted below");
            }
            if (!force && m.busy.get() > 0) {
                throw new ErrnoException(Errno.EBUSY, "files or working directories in use");
            }
            detachWithChildren(m, force);
        }
    }

    /** Kernel shutdown: everything goes, deepest first, busy or not. */
    void unmountAll() {
        synchronized (lock) {
            for (int i = mounts.size() - 1; i >= 0; i--) {
                Mount m = mounts.get(i);
                if (!m.detached) {
                    detachQuietly(m);
                }
            }
            mounts.clear();
            try {
                root.fs.unmount(true);
            } catch (ErrnoException e) {
                // closing: nothing is left to report it to
            }
            root.detached = true;
        }
    }

    private void detachWithChildren(Mount m, boolean force) throws ErrnoException {
        for (int i = mounts.size() - 1; i >= 0; i--) {
            Mount c = mounts.get(i);
            if (c.parent == m && !c.detached) {
                detachWithChildren(c, force);
            }
        }
        m.fs.unmount(force);
        unlink(m);
    }

    private void detachQuietly(Mount m) {
        try {
            m.fs.unmount(true);
        } catch (ErrnoException e) {
            // closing: the mount goes regardless
        }
        unlink(m);
    }

    private void unlink(Mount m) {
        m.covered.mountedHere = null;
        m.parent.children--;
        m.detached = true;
        mounts.remove(m);
    }
}
