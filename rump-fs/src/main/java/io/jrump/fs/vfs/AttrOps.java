package io.jrump.fs.vfs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Fcntl;
import io.jrump.api.FileMode;
import io.jrump.api.Stat;
import io.jrump.kern.Cred;
import java.time.Instant;

/**
 * Reading and changing a node's attributes: stat, chmod, chown, utimes, truncate, access.
 * The same rules serve the path calls and the descriptor calls (fchmod, ftruncate, ...),
 * which is why these take a resolved vnode, not a path.
 */
final class AttrOps {
    private static final int SET_ID = FileMode.S_ISUID | FileMode.S_ISGID;
    /** Group execute (sys/stat.h {@code S_IXGRP}). */
    private static final int S_IXGRP = 0010;

    private AttrOps() {
    }

    static Stat stat(Vnode v) {
        v.lockShared();
        try {
            return v.stat(Mount.of(v).dev);
        } finally {
            v.unlockShared();
        }
    }

    /**
     * Only the owner or root may chmod. A non-root owner who is not in the file's group cannot
     * set the set-group-ID bit (it is cleared), or anyone could make a file run with a group
     * they do not have.
     */
    static void chmod(Cred cred, Vnode v, int mode) throws ErrnoException {
        Mount.of(v).checkWritable();
        v.lockExclusive();
        try {
            Access.checkOwner(cred, v);
            int perms = mode & FileMode.ALLPERMS;
            if (!cred.isSuperuser() && !cred.inGroup(v.gid())) {
                perms &= ~FileMode.S_ISGID;
            }
            v.setMode(perms);
        } finally {
            v.unlockExclusive();
        }
    }

    /**
     * Only root may give a file away; its owner may change its group to one they are in. -1
     * leaves an id as it is. Changing the owner of a non-directory clears set-user-ID, and
     * set-group-ID when group execute is on (Linux's rule, which keeps the mandatory-locking
     * meaning of sgid-without-gx), so a chown never hands out someone else's privileges.
     */
    static void chown(Cred cred, Vnode v, int uid, int gid) throws ErrnoException {
        Mount.of(v).checkWritable();
        v.lockExclusive();
        try {
            if (!cred.isSuperuser()) {
                boolean owner = cred.euid() == v.uid();
                if (uid != -1 && (!owner || uid != v.uid())) {
                    throw new ErrnoException(Errno.EPERM, "only root may change the owner");
                }
                if (gid != -1 && (!owner || (gid != v.gid() && !cred.inGroup(gid)))) {
                    throw new ErrnoException(Errno.EPERM, "not the owner or not in group " + gid);
                }
            }
            if ((uid != -1 && uid < 0) || (gid != -1 && gid < 0)) {
                throw new ErrnoException(Errno.EINVAL, "bad id");
            }
            v.setOwner(uid == -1 ? v.uid() : uid, gid == -1 ? v.gid() : gid);
            if (!v.isDirectory() && (uid != -1 || gid != -1)) {
                int perms = v.mode() & FileMode.ALLPERMS;
                int kept = perms & ~FileMode.S_ISUID;
                if ((perms & S_IXGRP) != 0) {
                    kept &= ~FileMode.S_ISGID;
                }
                if (kept != perms) {
                    v.setMode(kept);
                }
            }
        } finally {
            v.unlockExclusive();
        }
    }

    /**
     * Setting both times to now needs ownership or write permission (a writer could touch the
     * file anyway); setting explicit times needs ownership (EPERM), since it could fake history.
     */
    static void utimes(Cred cred, Vnode v, Instant atime, Instant mtime) throws ErrnoException {
        Mount.of(v).checkWritable();
        v.lockExclusive();
        try {
            if (atime == null && mtime == null) {
                if (!Access.owns(cred, v) && !Access.permits(cred, v, Access.WRITE)) {
                    throw new ErrnoException(Errno.EACCES);
                }
            } else {
                Access.checkOwner(cred, v);
            }
            v.setTimes(atime, mtime);
        } finally {
            v.unlockExclusive();
        }
    }

    /** truncate(2) and ftruncate(2): {@code checkPermission} false when an open-for-writing descriptor already proved it. */
    static void truncate(Cred cred, Vnode v, long length, boolean checkPermission) throws ErrnoException {
        if (length < 0) {
            throw new ErrnoException(Errno.EINVAL, "negative length");
        }
        if (v.isDirectory()) {
            throw new ErrnoException(Errno.EISDIR);
        }
        if (!v.isRegularFile()) {
            throw new ErrnoException(Errno.EINVAL, "not a regular file");
        }
        Mount.of(v).checkWritable();
        v.lockExclusive();
        try {
            if (checkPermission) {
                Access.check(cred, v, Access.WRITE);
            }
            v.truncate(length);
            clearSetIdAfterWrite(cred, v);
        } finally {
            v.unlockExclusive();
        }
    }

    /** access(2): {@code mode} is F_OK or R_OK|W_OK|X_OK, whose values are {@link Access}'s bits. */
    static void access(Cred cred, Vnode v, int mode) throws ErrnoException {
        if ((mode & ~(Fcntl.R_OK | Fcntl.W_OK | Fcntl.X_OK)) != 0) {
            throw new ErrnoException(Errno.EINVAL, "bad mode " + mode);
        }
        if (mode == Fcntl.F_OK) {
            return;
        }
        if ((mode & Fcntl.W_OK) != 0 && !v.isSymlink() && Mount.of(v).isReadOnly()) {
            throw new ErrnoException(Errno.EROFS);
        }
        Access.check(cred, v, mode);
    }

    /**
     * A write by anyone but root clears set-user-ID and set-group-ID (exclusive lock held), so
     * that modifying a privileged program does not keep its privileges.
     */
    static void clearSetIdAfterWrite(Cred cred, Vnode v) throws ErrnoException {
        int mode = v.mode();
        if (!cred.isSuperuser() && (mode & SET_ID) != 0) {
            v.setMode(mode & FileMode.ALLPERMS & ~SET_ID);
        }
    }
}
