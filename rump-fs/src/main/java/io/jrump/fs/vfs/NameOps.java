package io.jrump.fs.vfs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.kern.Caller;
import io.jrump.kern.Cred;

/**
 * The calls that add and remove directory entries: mkdir, mknod, rmdir, unlink, link, symlink (and
 * readlink, their reader). Each looks up the parent directory, then takes it exclusive and
 * looks the last name up again, so that "is it there?" and "add it / take it away" are one
 * step no other call can come between; the entry's own node, when touched, is locked after
 * its directory (parent before child, the VFS's lock order).
 */
final class NameOps {
    private final Namei namei;

    NameOps(Namei namei) {
        this.namei = namei;
    }

    void mkdir(Caller caller, String path, int mode) throws ErrnoException {
        Namei.Parent p = namei.parent(caller, path);
        if (PathName.isDotOrDotDot(p.name())) {
            throw new ErrnoException(Errno.EEXIST);
        }
        Vnode dir = p.dir();
        dir.lockExclusive();
        try {
            checkAbsent(dir, p.name());
            checkCanAddEntry(caller.cred(), dir);
            makeNode(caller.cred(), dir, p.name(), FileMode.S_IFDIR | (mode & FileMode.ALLPERMS));
        } finally {
            dir.unlockExclusive();
        }
    }

    void rmdir(Caller caller, String path) throws ErrnoException {
        Namei.Parent p = namei.parent(caller, path);
        if (p.name().equals(".")) {
            throw new ErrnoException(Errno.EINVAL, "cannot remove '.'");
        }
        if (p.name().equals("..")) {
            throw new ErrnoException(Errno.ENOTEMPTY, "cannot remove '..'");
        }
        Vnode dir = p.dir();
        dir.lockExclusive();
        try {
            Vnode child = existing(dir, p.name());
            if (child.mountedHere != null) {
                throw new ErrnoException(Errno.EBUSY, "mount point");
            }
            if (!child.isDirectory()) {
                throw new ErrnoException(Errno.ENOTDIR);
            }
            checkCanRemoveEntry(caller.cred(), dir, child);
            child.lockExclusive();
            try {
                if (!child.isEmptyDirectory()) {
                    throw new ErrnoException(Errno.ENOTEMPTY);
                }
                dir.rmdir(p.name(), child);
            } finally {
                child.unlockExclusive();
            }
        } finally {
            dir.unlockExclusive();
        }
    }

    void unlink(Caller caller, String path) throws ErrnoException {
        Namei.Parent p = namei.parent(caller, path);
        if (PathName.isDotOrDotDot(p.name())) {
            throw new ErrnoException(Errno.EISDIR);
        }
        Vnode dir = p.dir();
        dir.lockExclusive();
        try {
            Vnode child = existing(dir, p.name());
            if (child.isDirectory()) {
                throw new ErrnoException(Errno.EISDIR);
            }
            if (p.trailingSlash()) {
                throw new ErrnoException(Errno.ENOTDIR);
            }
            checkCanRemoveEntry(caller.cred(), dir, child);
            child.lockExclusive();
            try {
                dir.remove(p.name(), child);
            } finally {
                child.unlockExclusive();
            }
        } finally {
            dir.unlockExclusive();
        }
    }

    void link(Caller caller, String existingPath, String newPath) throws ErrnoException {
        Vnode node = namei.resolve(caller, existingPath, false);
        if (node.isDirectory()) {
            throw new ErrnoException(Errno.EPERM, "hard link to a directory");
        }
        Namei.Parent p = namei.parent(caller, newPath);
        if (PathName.isDotOrDotDot(p.name())) {
            throw new ErrnoException(Errno.EEXIST);
        }
        Vnode dir = p.dir();
        if (dir.fileSystem() != node.fileSystem()) {
            throw new ErrnoException(Errno.EXDEV);
        }
        dir.lockExclusive();
        try {
            checkNewNonDirectory(caller.cred(), p);
            node.lockExclusive();
            try {
                if (node.nlink() == 0) {
                    throw new ErrnoException(Errno.ENOENT, "file has been removed");
                }
                dir.link(p.name(), node);
            } finally {
                node.unlockExclusive();
            }
        } finally {
            dir.unlockExclusive();
        }
    }

    void symlink(Caller caller, String target, String linkPath) throws ErrnoException {
        if (target == null) {
            throw new ErrnoException(Errno.EFAULT, "null target");
        }
        if (target.indexOf('\0') >= 0) {
            throw new ErrnoException(Errno.EINVAL, "NUL in target");
        }
        if (PathName.utf8Length(target, 0, target.length()) >= PathName.PATH_MAX) {
            throw new ErrnoException(Errno.ENAMETOOLONG, "target longer than " + (PathName.PATH_MAX - 1) + " bytes");
        }
        makeNonDirectory(caller, linkPath, (cred, dir, name) ->
                VopCredentials.as(cred, () -> dir.symlink(name, target, cred.euid(), groupForNewNode(cred, dir))));
    }

    /** Makes one new name that is not a directory, in its parent held exclusive. */
    private interface NewName {
        void make(Cred cred, Vnode dir, String name) throws ErrnoException;
    }

    /** The part symlink(2) and mknod(2) share: the parent resolved and locked, the name checked free and writable, then {@code make}. */
    private void makeNonDirectory(Caller caller, String path, NewName make) throws ErrnoException {
        Namei.Parent p = namei.parent(caller, path);
        if (PathName.isDotOrDotDot(p.name())) {
            throw new ErrnoException(Errno.EEXIST);
        }
        Vnode dir = p.dir();
        dir.lockExclusive();
        try {
            checkNewNonDirectory(caller.cred(), p);
            make.make(caller.cred(), dir, p.name());
        } finally {
            dir.unlockExclusive();
        }
    }

    /**
     * mknod(2) as Linux answers it: a regular file (type 0 or S_IFREG), a FIFO or a socket for
     * anyone who may add the name; a character or block device only for root (CAP_MKNOD),
     * EPERM otherwise; EPERM for a directory, EINVAL for any other type.
     */
    void mknod(Caller caller, String path, int mode, long dev) throws ErrnoException {
        int type = mode & FileMode.S_IFMT;
        switch (type) {
            case 0, FileMode.S_IFREG, FileMode.S_IFIFO, FileMode.S_IFSOCK -> { }
            case FileMode.S_IFCHR, FileMode.S_IFBLK -> {
                if (!caller.cred().isSuperuser()) {
                    throw new ErrnoException(Errno.EPERM, "only root may make device nodes");
                }
            }
            case FileMode.S_IFDIR -> throw new ErrnoException(Errno.EPERM, "a directory is made with mkdir");
            default -> throw new ErrnoException(Errno.EINVAL, "cannot make a node of type " + Integer.toOctalString(type));
        }
        int perms = mode & FileMode.ALLPERMS;
        makeNonDirectory(caller, path, (cred, dir, name) -> {
            if (type == 0 || type == FileMode.S_IFREG) {
                makeNode(cred, dir, name, FileMode.S_IFREG | perms);
            } else {
                VopCredentials.as(cred, () -> dir.mknod(name, type | perms, dev, cred.euid(), groupForNewNode(cred, dir)));
            }
        });
    }

    String readlink(Caller caller, String path) throws ErrnoException {
        Vnode node = namei.resolve(caller, path, false);
        if (!node.isSymlink()) {
            throw new ErrnoException(Errno.EINVAL, "not a symbolic link");
        }
        node.lockShared();
        try {
            return node.readlink();
        } finally {
            node.unlockShared();
        }
    }

    /**
     * Creates a file or directory in {@code dir} (exclusive lock held, checks done) owned by the
     * caller. The group is the caller's, unless the directory is set-group-ID: then it is the
     * directory's, and a new directory inherits the bit (System V and Linux semantics; BSD
     * always takes the directory's group, which surprises programs written for Linux).
     */
    static Vnode makeNode(Cred cred, Vnode dir, String name, int mode) throws ErrnoException {
        boolean sgidDir = (dir.mode() & FileMode.S_ISGID) != 0;
        int m = sgidDir && FileMode.isDirectory(mode) ? mode | FileMode.S_ISGID : mode;
        return VopCredentials.as(cred, () -> dir.create(name, m, cred.euid(), groupForNewNode(cred, dir)));
    }

    private static int groupForNewNode(Cred cred, Vnode dir) {
        return (dir.mode() & FileMode.S_ISGID) != 0 ? dir.gid() : cred.egid();
    }

    /** For link and symlink (parent locked): the name is free, has no trailing slash, and may be added. */
    private static void checkNewNonDirectory(Cred cred, Namei.Parent p) throws ErrnoException {
        checkAbsent(p.dir(), p.name());
        if (p.trailingSlash()) {
            throw new ErrnoException(Errno.ENOENT, "trailing slash on a new non-directory");
        }
        checkCanAddEntry(cred, p.dir());
    }

    /** EEXIST when {@code name} is in {@code dir} (exclusive lock held). */
    static void checkAbsent(Vnode dir, String name) throws ErrnoException {
        if (dir.lookup(name) != null) {
            throw new ErrnoException(Errno.EEXIST);
        }
    }

    /** The node {@code name} names in {@code dir} (lock held); ENOENT when absent. */
    static Vnode existing(Vnode dir, String name) throws ErrnoException {
        Vnode child = dir.lookup(name);
        if (child == null) {
            throw new ErrnoException(Errno.ENOENT);
        }
        return child;
    }

    /** EROFS on a read-only mount, EACCES without write permission on the directory. */
    static void checkCanAddEntry(Cred cred, Vnode dir) throws ErrnoException {
        Mount.of(dir).checkWritable();
        Access.check(cred, dir, Access.WRITE | Access.EXEC);
    }

    /** {@link #checkCanAddEntry}, and the sticky-directory rule. */
    static void checkCanRemoveEntry(Cred cred, Vnode dir, Vnode child) throws ErrnoException {
        checkCanAddEntry(cred, dir);
        Access.checkSticky(cred, dir, child);
    }
}
