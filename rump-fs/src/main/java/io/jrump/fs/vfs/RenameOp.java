package io.jrump.fs.vfs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.kern.Caller;
import io.jrump.kern.Cred;
import java.util.ArrayList;
import java.util.List;

/**
 * rename(2), after BSD's {@code genfs_rename}: the one call that changes two directories and
 * may move a directory, so the one that could deadlock or make a cycle.
 *
 * <p>It holds the file system's rename lock throughout. With no other rename running, the
 * shape of the directory tree is fixed (other calls add and remove entries but move no
 * directory), so it can walk ".." up from the target directory to learn (a) whether the
 * source is an ancestor of the target (EINVAL: a directory cannot go inside itself) and
 * (b) which of the two parents is above the other, to lock it first. Those walks happen
 * before any lock is taken, since a walk takes directory locks itself. Then it locks the
 * parents (ancestor first, else by inode number) and the source and target nodes, looks both
 * names up again, and retries from the start if the source entry changed in between.
 */
final class RenameOp {
    /** Bound on ".." steps, so a damaged on-disk tree with a cycle cannot loop for ever. */
    private static final int MAX_DEPTH = 1 << 16;
    private static final int MAX_ATTEMPTS = 100;

    private final Namei namei;

    RenameOp(Namei namei) {
        this.namei = namei;
    }

    void rename(Caller caller, String from, String to) throws ErrnoException {
        Namei.Parent fp = namei.parent(caller, from);
        Namei.Parent tp = namei.parent(caller, to);
        if (PathName.isDotOrDotDot(fp.name()) || PathName.isDotOrDotDot(tp.name())) {
            throw new ErrnoException(Errno.EINVAL, "cannot rename '.' or '..'");
        }
        Vnode fdir = fp.dir();
        Vnode tdir = tp.dir();
        if (fdir.fileSystem() != tdir.fileSystem()) {
            throw new ErrnoException(Errno.EXDEV);
        }
        Mount.of(fdir).checkWritable();
        FileSystem fs = fdir.fileSystem();
        fs.renameLock().lock();
        try {
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                if (renameLocked(caller.cred(), fp, tp)) {
                    return;
                }
            }
            throw new ErrnoException(Errno.EAGAIN, "source kept changing");
        } finally {
            fs.renameLock().unlock();
        }
    }

    /** One attempt, rename lock held; false when the source entry changed before the locks were taken. */
    private boolean renameLocked(Cred cred, Namei.Parent fp, Namei.Parent tp) throws ErrnoException {
        Vnode fdir = fp.dir();
        Vnode tdir = tp.dir();
        Vnode source = Namei.lookupIn(fdir, fp.name());
        if (source == null) {
            throw new ErrnoException(Errno.ENOENT);
        }
        List<Vnode> aboveTarget = ancestors(tdir);
        if (source.isDirectory() && aboveTarget.contains(source)) {
            throw new ErrnoException(Errno.EINVAL, "cannot move a directory into itself");
        }
        List<Vnode> locked = new ArrayList<>(4);
        try {
            if (fdir == tdir) {
                lock(fdir, locked);
            } else if (aboveTarget.contains(fdir) || (!ancestors(fdir).contains(tdir) && fdir.ino() < tdir.ino())) {
                lock(fdir, locked);
                lock(tdir, locked);
            } else {
                lock(tdir, locked);
                lock(fdir, locked);
            }
            if (fdir.lookup(fp.name()) != source) {
                return false;
            }
            Vnode target = tdir.lookup(tp.name());
            check(cred, fp, tp, source, target);
            if (target == source) {
                return true;
            }
            lock(source, locked);
            if (target != null) {
                lock(target, locked);
                if (target.isDirectory() && !target.isEmptyDirectory()) {
                    throw new ErrnoException(Errno.ENOTEMPTY);
                }
            }
            fdir.rename(fp.name(), source, tdir, tp.name(), target);
            return true;
        } finally {
            for (int i = locked.size() - 1; i >= 0; i--) {
                locked.get(i).unlockExclusive();
            }
        }
    }

    /** Every POSIX rule but "target directory empty", parents locked. */
    private static void check(Cred cred, Namei.Parent fp, Namei.Parent tp, Vnode source, Vnode target) throws ErrnoException {
        if (source.mountedHere != null || (target != null && target.mountedHere != null)) {
            throw new ErrnoException(Errno.EBUSY, "mount point");
        }
        if ((fp.trailingSlash() || tp.trailingSlash()) && !source.isDirectory()) {
            throw new ErrnoException(Errno.ENOTDIR);
        }
        if (target == source) {
            return;
        }
        NameOps.checkCanRemoveEntry(cred, fp.dir(), source);
        NameOps.checkCanAddEntry(cred, tp.dir());
        if (target != null) {
            Access.checkSticky(cred, tp.dir(), target);
        }
        if (source.isDirectory()) {
            if (target != null && !target.isDirectory()) {
                throw new ErrnoException(Errno.ENOTDIR);
            }
            if (fp.dir() != tp.dir()) {
                Access.check(cred, source, Access.WRITE);
            }
        } else if (target != null && target.isDirectory()) {
            throw new ErrnoException(Errno.EISDIR);
        }
    }

    private static void lock(Vnode v, List<Vnode> locked) {
        v.lockExclusive();
        locked.add(v);
    }

    /** {@code dir} and the directories above it up to its file system's root, by "..". */
    private static List<Vnode> ancestors(Vnode dir) throws ErrnoException {
        List<Vnode> chain = new ArrayList<>();
        Vnode root = dir.fileSystem().root();
        Vnode v = dir;
        while (v != null) {
            chain.add(v);
            if (v == root) {
                break;
            }
            if (chain.size() > MAX_DEPTH) {
                throw new ErrnoException(Errno.EIO, "directory tree deeper than " + MAX_DEPTH + ": a loop?");
            }
            v = Namei.lookupIn(v, "..");
        }
        return chain;
    }
}
