package io.jrump.fs.vfs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.XattrFlags;
import io.jrump.kern.Cred;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The extended-attribute calls (getxattr, listxattr, setxattr, removexattr): the name and
 * value limits and who may do what, as Linux's {@code fs/xattr.c} ({@code xattr_permission})
 * decides before any file system sees the call, so every file system agrees:
 *
 * <ul>
 * <li>{@code user.*}: only regular files and directories have them (others: EPERM to write,
 *     ENODATA to read); reading needs read permission, writing write permission, and in a
 *     sticky directory only its owner or root may write;</li>
 * <li>{@code trusted.*}: root only (EPERM to write, ENODATA to read), and not listed for others;</li>
 * <li>{@code security.*}: anyone may read; only root may write (EPERM), as Linux's
 *     capability module ({@code cap_inode_setxattr}) asks CAP_SYS_ADMIN;</li>
 * <li>{@code system.*}: no check here; the file system decides (ext2 reads the POSIX ACLs);</li>
 * <li>any other prefix: EOPNOTSUPP.</li>
 * </ul>
 * A name is 1 to {@link XattrFlags#XATTR_NAME_MAX} bytes (else ERANGE), with something after
 * its prefix (else EINVAL); a value at most {@link XattrFlags#XATTR_SIZE_MAX} bytes (else E2BIG).
 */
final class XattrOps {
    private enum Space { USER, TRUSTED, SECURITY, SYSTEM }

    private XattrOps() {
    }

    private static Space space(String name) throws ErrnoException {
        if (name == null) {
            throw new ErrnoException(Errno.EFAULT, "name is null");
        }
        int len = name.getBytes(StandardCharsets.UTF_8).length;
        if (len == 0 || len > XattrFlags.XATTR_NAME_MAX) {
            throw new ErrnoException(Errno.ERANGE, "attribute name of " + len + " bytes (1 to " + XattrFlags.XATTR_NAME_MAX + ")");
        }
        Space s;
        String prefix;
        if (name.startsWith("user.")) {
            s = Space.USER;
            prefix = "user.";
        } else if (name.startsWith("trusted.")) {
            s = Space.TRUSTED;
            prefix = "trusted.";
        } else if (name.startsWith("security.")) {
            s = Space.SECURITY;
            prefix = "security.";
        } else if (name.startsWith("system.")) {
            s = Space.SYSTEM;
            prefix = "system.";
        } else {
            throw new ErrnoException(Errno.EOPNOTSUPP, "no attribute namespace " + name
                    + " (user., trusted., security. and system. are known)");
        }
        if (name.length() == prefix.length()) {
            throw new ErrnoException(Errno.EINVAL, "attribute name " + name + " has nothing after its prefix");
        }
        return s;
    }

    /** Linux's xattr_permission for reading ({@code write} false) or writing. */
    private static void permit(Cred cred, Vnode v, Space s, boolean write) throws ErrnoException {
        switch (s) {
            case SYSTEM:
                return;
            case SECURITY:
                if (write && !cred.isSuperuser()) {
                    throw new ErrnoException(Errno.EPERM, "only root may change security.* attributes");
                }
                return;
            case TRUSTED:
                if (!cred.isSuperuser()) {
                    throw write ? new ErrnoException(Errno.EPERM, "only root may change trusted.* attributes")
                            : new ErrnoException(Errno.ENODATA);
                }
                return;
            default:
                if (!v.isRegularFile() && !v.isDirectory()) {
                    throw write ? new ErrnoException(Errno.EPERM, "user.* attributes are for regular files and directories only")
                            : new ErrnoException(Errno.ENODATA);
                }
                if (write && v.isDirectory() && (v.mode() & FileMode.S_ISVTX) != 0 && !Access.owns(cred, v)) {
                    throw new ErrnoException(Errno.EPERM, "sticky directory: only its owner may change its user.* attributes");
                }
                Access.check(cred, v, write ? Access.WRITE : Access.READ);
        }
    }

    static byte[] get(Cred cred, Vnode v, String name) throws ErrnoException {
        Space s = space(name);
        permit(cred, v, s, false);
        v.lockShared();
        try {
            return v.getxattr(name);
        } finally {
            v.unlockShared();
        }
    }

    /** The names the caller may see: {@code trusted.*} only for root, as Linux's trusted handler lists them. */
    static List<String> list(Cred cred, Vnode v) throws ErrnoException {
        List<String> all;
        v.lockShared();
        try {
            all = v.listxattr();
        } finally {
            v.unlockShared();
        }
        if (cred.isSuperuser()) {
            return all;
        }
        List<String> out = new ArrayList<>(all.size());
        for (String n : all) {
            if (!n.startsWith("trusted.")) {
                out.add(n);
            }
        }
        return out;
    }

    static void set(Cred cred, Vnode v, String name, byte[] value, int flags) throws ErrnoException {
        if ((flags & ~(XattrFlags.XATTR_CREATE | XattrFlags.XATTR_REPLACE)) != 0) {
            throw new ErrnoException(Errno.EINVAL, "bad flags " + flags);
        }
        if (value == null) {
            throw new ErrnoException(Errno.EFAULT, "value is null");
        }
        if (value.length > XattrFlags.XATTR_SIZE_MAX) {
            throw new ErrnoException(Errno.E2BIG, "value of " + value.length + " bytes (at most " + XattrFlags.XATTR_SIZE_MAX + ")");
        }
        Space s = space(name);
        Mount.of(v).checkWritable();
        v.lockExclusive();
        try {
            permit(cred, v, s, true);
            VopCredentials.as(cred, () -> {
                v.setxattr(name, value, flags);
                return null;
            });
        } finally {
            v.unlockExclusive();
        }
    }

    static void remove(Cred cred, Vnode v, String name) throws ErrnoException {
        Space s = space(name);
        Mount.of(v).checkWritable();
        v.lockExclusive();
        try {
            permit(cred, v, s, true);
            v.removexattr(name);
        } finally {
            v.unlockExclusive();
        }
    }
}
