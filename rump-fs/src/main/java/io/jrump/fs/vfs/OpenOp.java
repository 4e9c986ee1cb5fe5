package io.jrump.fs.vfs;

import static io.jrump.api.OpenFlags.O_ACCMODE;
import static io.jrump.api.OpenFlags.O_CREAT;
import static io.jrump.api.OpenFlags.O_DIRECTORY;
import static io.jrump.api.OpenFlags.O_EXCL;
import static io.jrump.api.OpenFlags.O_NOFOLLOW;
import static io.jrump.api.OpenFlags.O_RDONLY;
import static io.jrump.api.OpenFlags.O_RDWR;
import static io.jrump.api.OpenFlags.O_TRUNC;
import static io.jrump.api.OpenFlags.O_WRONLY;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.kern.Caller;
import io.jrump.kern.Cred;

/**
 * open(2) (NetBSD's {@code vn_open}): finds or creates the node, checks the flags against its
 * type and the caller's rights, truncates, and wraps it in a {@link VnodeFile}.
 *
 * <p>With O_CREAT the last component is looked up and created under the parent's exclusive
 * lock, so O_EXCL is exclusive. A symbolic link there is followed (and may create its
 * target) unless O_EXCL (EEXIST, the link itself exists) or O_NOFOLLOW (ELOOP).
 */
final class OpenOp {
    private final Namei namei;

    OpenOp(Namei namei) {
        this.namei = namei;
    }

    VnodeFile open(Caller caller, String path, int flags, int mode) throws ErrnoException {
        int acc = flags & O_ACCMODE;
        if (acc != O_RDONLY && acc != O_WRONLY && acc != O_RDWR) {
            throw new ErrnoException(Errno.EINVAL, "bad access mode");
        }
        Cred cred = caller.cred();
        if ((flags & O_CREAT) == 0) {
            Vnode node = namei.resolve(caller, path, (flags & O_NOFOLLOW) == 0);
            return openNode(cred, node, flags, false);
        }
        Namei.Parent p = namei.parent(caller, path);
        while (true) {
            if (PathName.isDotOrDotDot(p.name())) {
                throw new ErrnoException((flags & O_EXCL) != 0 ? Errno.EEXIST : Errno.EISDIR);
            }
            Vnode dir = p.dir();
            String linkTarget = null;
            Vnode node = null;
            boolean created = false;
            dir.lockExclusive();
            try {
                Vnode existing = Namei.covering(dir.lookup(p.name()));
                if (existing == null) {
                    if (p.trailingSlash()) {
                        throw new ErrnoException(Errno.EISDIR, "O_CREAT with a trailing slash");
                    }
                    NameOps.checkCanAddEntry(cred, dir);
                    node = NameOps.makeNode(cred, dir, p.name(), FileMode.S_IFREG | (mode & FileMode.ALLPERMS));
                    created = true;
                } else if ((flags & O_EXCL) != 0) {
                    throw new ErrnoException(Errno.EEXIST);
                } else if (existing.isSymlink() && (flags & O_NOFOLLOW) == 0) {
                    linkTarget = targetOf(existing);
                } else {
                    if (existing.isDirectory()) {
                        throw new ErrnoException(Errno.EISDIR);
                    }
                    if (p.trailingSlash() && !existing.isSymlink()) {
                        throw new ErrnoException(Errno.ENOTDIR);
                    }
                    node = existing;
                }
            } finally {
                dir.unlockExclusive();
            }
            if (linkTarget == null) {
                return openNode(cred, node, flags, created);
            }
            p = namei.parentOfLinkTarget(cred, dir, linkTarget, p.hops());
        }
    }

    private static String targetOf(Vnode link) throws ErrnoException {
        link.lockShared();
        try {
            return link.readlink();
        } finally {
            link.unlockShared();
        }
    }

    private static VnodeFile openNode(Cred cred, Vnode node, int flags, boolean created) throws ErrnoException {
        if (node.isSymlink()) {
            throw new ErrnoException(Errno.ELOOP, "O_NOFOLLOW and a symbolic link");
        }
        int acc = flags & O_ACCMODE;
        boolean write = acc != O_RDONLY;
        boolean trunc = (flags & O_TRUNC) != 0;
        if ((flags & O_DIRECTORY) != 0 && !node.isDirectory()) {
            throw new ErrnoException(Errno.ENOTDIR);
        }
        if (node.isDirectory() && write) {
            throw new ErrnoException(Errno.EISDIR);
        }
        if (!created) {
            if (write || trunc) {
                Mount.of(node).checkWritable();
            }
            int want = (acc != O_WRONLY ? Access.READ : 0) | (write || trunc ? Access.WRITE : 0);
            Access.check(cred, node, want);
            if (trunc && node.isRegularFile()) {
                node.lockExclusive();
                try {
                    node.truncate(0);
                    AttrOps.clearSetIdAfterWrite(cred, node);
                } finally {
                    node.unlockExclusive();
                }
            }
        }
        return new VnodeFile(node, flags, cred);
    }
}
