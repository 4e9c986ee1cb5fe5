package io.jrump.fs.vfs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.kern.Cred;

/**
 * Permission checks by owner, group and mode (NetBSD's {@code genfs_can_access}), shared by
 * every file system type so that ext2 and tmpfs cannot disagree about who may do what.
 *
 * <p>Exactly one class of bits applies: the owner's if the caller owns the file, else the
 * group's if the caller is in the file's group, else the others'. So an owner denied by the
 * owner bits is denied even when the group bits would allow (POSIX). Root may read and write
 * anything and search any directory, but may execute a file only if some execute bit is set.
 */
final class Access {
    static final int READ = 4;
    static final int WRITE = 2;
    static final int EXEC = 1;

    private Access() {
    }

    static boolean permits(Cred cred, Vnode v, int want) {
        int mode = v.mode();
        if (cred.isSuperuser()) {
            if ((want & EXEC) == 0 || FileMode.isDirectory(mode)) {
                return true;
            }
            return (mode & 0111) != 0;
        }
        int bits;
        if (cred.euid() == v.uid()) {
            bits = mode >> 6;
        } else if (cred.inGroup(v.gid())) {
            bits = mode >> 3;
        } else {
            bits = mode;
        }
        return (bits & want & 7) == (want & 7);
    }

    /** EACCES unless {@link #permits}. */
    static void check(Cred cred, Vnode v, int want) throws ErrnoException {
        if (!permits(cred, v, want)) {
            throw new ErrnoException(Errno.EACCES);
        }
    }

    static boolean owns(Cred cred, Vnode v) {
        return cred.isSuperuser() || cred.euid() == v.uid();
    }

    /** EPERM unless the caller owns {@code v} or is root: who may chmod or set explicit times. */
    static void checkOwner(Cred cred, Vnode v) throws ErrnoException {
        if (!owns(cred, v)) {
            throw new ErrnoException(Errno.EPERM, "not the owner");
        }
    }

    /**
     * In a directory with the sticky bit only the owner of the entry, the owner of the
     * directory or root may remove or rename it (the /tmp rule); EPERM otherwise.
     */
    static void checkSticky(Cred cred, Vnode dir, Vnode child) throws ErrnoException {
        if ((dir.mode() & FileMode.S_ISVTX) != 0 && !cred.isSuperuser()
                && cred.euid() != child.uid() && cred.euid() != dir.uid()) {
            throw new ErrnoException(Errno.EPERM, "sticky directory");
        }
    }
}
