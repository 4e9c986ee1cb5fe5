package io.jrump.fs.vfs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.kern.Caller;
import io.jrump.kern.Cred;
import java.util.ArrayDeque;

/**
 * Path-name lookup (NetBSD's {@code namei}): walks a path one component at a time from the
 * root or the working directory, checking search permission on every directory, crossing
 * mount points downward (a mounted-on directory shows the mounted root) and upward ("..")
 * and following symbolic links, at most {@link #MAXSYMLINKS} of them per lookup.
 *
 * <p>No lock is held from one component to the next: each step takes the directory's lock
 * shared just for its {@code lookup}. A node found may be removed right after; operations
 * that change a directory look the last name up again under the directory's exclusive lock.
 */
final class Namei {
    /** NetBSD {@code MAXSYMLINKS} (sys/param.h). */
    static final int MAXSYMLINKS = 32;

    /** The directory holding the last component, the last component ("." for "/"), and whether the path ended in '/'. */
    record Parent(Vnode dir, String name, boolean trailingSlash, int hops) {
    }

    private final MountTable mounts;

    Namei(MountTable mounts) {
        this.mounts = mounts;
    }

    /** The node {@code path} names; {@code follow} false leaves a symbolic link in the last component unfollowed (unless the path ends in '/'). */
    Vnode resolve(Caller caller, String path, boolean follow) throws ErrnoException {
        PathName.check(path);
        return new Walk(caller.cred(), start(caller, path), path, 0).toNode(follow);
    }

    /** The directory that holds the last component of {@code path}, which must be searchable. The last component is not looked up. */
    Parent parent(Caller caller, String path) throws ErrnoException {
        PathName.check(path);
        return new Walk(caller.cred(), start(caller, path), path, 0).toParent();
    }

    /** {@link #parent} for the target of a symbolic link found in {@code dir}, counting {@code hops} links so far. */
    Parent parentOfLinkTarget(Cred cred, Vnode dir, String target, int hops) throws ErrnoException {
        if (hops + 1 > MAXSYMLINKS) {
            throw new ErrnoException(Errno.ELOOP);
        }
        if (target.isEmpty()) {
            throw new ErrnoException(Errno.ENOENT, "empty symbolic link");
        }
        Vnode start = PathName.isAbsolute(target) ? mounts.root().root() : dir;
        return new Walk(cred, start, target, hops + 1).toParent();
    }

    /** The same lookup that {@link #parent} ended with, completed: the node of {@code p.name()} or null when absent. */
    Vnode child(Parent p) throws ErrnoException {
        if (p.name().equals(".")) {
            return p.dir();
        }
        if (p.name().equals("..")) {
            return dotdot(p.dir());
        }
        return covering(lookupIn(p.dir(), p.name()));
    }

    private Vnode start(Caller caller, String path) throws ErrnoException {
        return PathName.isAbsolute(path) ? mounts.root().root() : VfsDirRef.dirOf(caller.cwd());
    }

    /** What a lookup that lands on {@code v} sees: the root of whatever is mounted on it. */
    static Vnode covering(Vnode v) {
        if (v == null) {
            return null;
        }
        Mount m;
        while ((m = v.mountedHere) != null) {
            v = m.root();
        }
        return v;
    }

    /** ".." of {@code dir}: at the root of a mount, the parent of the directory it covers; at the kernel's root, itself. */
    private Vnode dotdot(Vnode dir) throws ErrnoException {
        Vnode v = dir;
        while (true) {
            Mount m = Mount.of(v);
            if (v != m.root()) {
                break;
            }
            if (m.covered == null || m.detached) {
                return v;
            }
            v = m.covered;
        }
        Vnode parent = lookupIn(v, "..");
        if (parent == null) {
            throw new ErrnoException(Errno.ENOENT, "directory has been removed");
        }
        return covering(parent);
    }

    static Vnode lookupIn(Vnode dir, String name) throws ErrnoException {
        dir.lockShared();
        try {
            return dir.lookup(name);
        } finally {
            dir.unlockShared();
        }
    }

    static void checkSearchable(Cred cred, Vnode v) throws ErrnoException {
        if (!v.isDirectory()) {
            throw new ErrnoException(Errno.ENOTDIR);
        }
        Access.check(cred, v, Access.EXEC);
    }

    /** One lookup in progress: where it stands and the components still to go. */
    private final class Walk {
        private final Cred cred;
        private final ArrayDeque<String> rest = new ArrayDeque<>();
        private Vnode cur;
        private boolean trailingSlash;
        private int hops;

        Walk(Cred cred, Vnode start, String path, int hops) throws ErrnoException {
            this.cred = cred;
            this.cur = start;
            this.hops = hops;
            this.trailingSlash = PathName.hasTrailingSlash(path);
            PathName.split(path, rest);
        }

        Vnode toNode(boolean followLast) throws ErrnoException {
            while (true) {
                Vnode v = childOfCur(toLast());
                if (v.isSymlink() && (followLast || trailingSlash)) {
                    follow(v);
                    continue;
                }
                if (trailingSlash && !v.isDirectory()) {
                    throw new ErrnoException(Errno.ENOTDIR);
                }
                return v;
            }
        }

        Parent toParent() throws ErrnoException {
            String last = toLast();
            checkSearchable(cred, cur);
            return new Parent(cur, last, trailingSlash, hops);
        }

        /** Walks every component but the last, which it returns ("." when the path has none, as "/"). */
        private String toLast() throws ErrnoException {
            while (rest.size() > 1) {
                Vnode next = childOfCur(rest.pollFirst());
                if (next.isSymlink()) {
                    follow(next);
                } else {
                    cur = next;
                }
            }
            return rest.isEmpty() ? "." : rest.pollFirst();
        }

        private Vnode childOfCur(String name) throws ErrnoException {
            checkSearchable(cred, cur);
            Vnode v = child(new Parent(cur, name, false, hops));
            if (v == null) {
                throw new ErrnoException(Errno.ENOENT);
            }
            return v;
        }

        /** Splices the link's target in front of the remaining components, restarting at the root for an absolute one. */
        private void follow(Vnode link) throws ErrnoException {
            if (++hops > MAXSYMLINKS) {
                throw new ErrnoException(Errno.ELOOP);
            }
            String target;
            link.lockShared();
            try {
                target = link.readlink();
            } finally {
                link.unlockShared();
            }
            if (target.isEmpty()) {
                throw new ErrnoException(Errno.ENOENT, "empty symbolic link");
            }
            if (rest.isEmpty() && PathName.hasTrailingSlash(target)) {
                trailingSlash = true;
            }
            PathName.prepend(target, rest);
            if (PathName.isAbsolute(target)) {
                cur = mounts.root().root();
            }
        }
    }
}
