package io.jrump.fs.vfs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.kern.DirRef;

/**
 * A process's working directory. While it is held, its mount counts as busy, so a plain
 * unmount of the file system a shell has {@code cd}'d into fails with EBUSY, as in any Unix.
 */
final class VfsDirRef implements DirRef {
    final Vnode dir;
    private final Mount mount;
    private boolean released;

    VfsDirRef(Vnode dir) {
        this.dir = dir;
        this.mount = Mount.of(dir);
        mount.busy.incrementAndGet();
    }

    @Override
    public synchronized void release() {
        if (!released) {
            released = true;
            mount.busy.decrementAndGet();
        }
    }

    /** The directory behind a reference this VFS gave out; EBADF for anything else. */
    static Vnode dirOf(DirRef ref) throws ErrnoException {
        if (ref instanceof VfsDirRef r) {
            return r.dir;
        }
        throw new ErrnoException(Errno.EBADF, "working directory does not belong to this VFS");
    }
}
