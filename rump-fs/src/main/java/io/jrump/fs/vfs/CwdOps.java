package io.jrump.fs.vfs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.kern.Caller;
import io.jrump.kern.DirRef;
import java.util.ArrayDeque;

/**
 * Working directories: handing them out (chdir) and naming them (getcwd). getcwd walks ".."
 * up to the root and asks each parent for the child's name, crossing mount points upward,
 * so it needs no stored path and stays right after a rename of any directory above.
 */
final class CwdOps {
    private final Namei namei;
    private final MountTable table;

    CwdOps(Namei namei, MountTable table) {
        this.namei = namei;
        this.table = table;
    }

    DirRef root() {
        return new VfsDirRef(table.root().root());
    }

    DirRef chdir(Caller caller, String path) throws ErrnoException {
        Vnode v = namei.resolve(caller, path, true);
        Namei.checkSearchable(caller.cred(), v);
        return new VfsDirRef(v);
    }

    String getcwd(DirRef ref) throws ErrnoException {
        Vnode v = VfsDirRef.dirOf(ref);
        ArrayDeque<String> names = new ArrayDeque<>();
        int length = 0;
        while (true) {
            Mount m = Mount.of(v);
            if (v == m.root()) {
                if (m.covered == null) {
                    break;
                }
                if (m.detached) {
                    throw new ErrnoException(Errno.ENOENT, "file system has been unmounted");
                }
                v = m.covered;
                continue;
            }
            Vnode parent = Namei.lookupIn(v, "..");
            if (parent == null) {
                throw new ErrnoException(Errno.ENOENT, "directory has been removed");
            }
            String name;
            parent.lockShared();
            try {
                name = parent.nameOf(v);
            } finally {
                parent.unlockShared();
            }
            if (name == null) {
                throw new ErrnoException(Errno.ENOENT, "directory has been removed");
            }
            length += name.length() + 1;
            if (length >= PathName.PATH_MAX) {
                throw new ErrnoException(Errno.ENAMETOOLONG);
            }
            names.addFirst(name);
            v = parent;
        }
        return names.isEmpty() ? "/" : "/" + String.join("/", names);
    }
}
