package io.jrump.fs.vfs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One entry of the mount table: a file system, the directory it covers, its flags and device
 * number, and how busy it is. "Busy" counts open files and working directories on it, the
 * things that make a plain {@code unmount} answer EBUSY; path lookups do not count, they may
 * run on a file system being unmounted (a driver answers EIO once its device is closed).
 */
final class Mount {
    final FileSystem fs;
    /** The directory this mount hides; null for the root mount. */
    final Vnode covered;
    final Mount parent;
    final int flags;
    /** {@code st_dev} of every file on this mount, and {@code f_fsid}. */
    final long dev;
    final String fstype;
    final AtomicInteger busy = new AtomicInteger();
    /** Mounts on directories of this one; guarded by the mount table's lock. */
    int children;
    /** Set once unmounted; ".." at the root of a detached mount stays where it is. */
    volatile boolean detached;

    Mount(FileSystem fs, Vnode covered, Mount parent, int flags, long dev, String fstype) {
        this.fs = fs;
        this.covered = covered;
        this.parent = parent;
        this.flags = flags;
        this.dev = dev;
        this.fstype = fstype;
    }

    Vnode root() {
        return fs.root();
    }

    boolean isReadOnly() {
        return (flags & MountFlags.MNT_RDONLY) != 0 || fs.isReadOnly();
    }

    /** EROFS unless the mount may be written. */
    void checkWritable() throws ErrnoException {
        if (isReadOnly()) {
            throw new ErrnoException(Errno.EROFS);
        }
    }

    /** The mount a vnode belongs to. */
    static Mount of(Vnode v) {
        return v.fileSystem().mount();
    }
}
