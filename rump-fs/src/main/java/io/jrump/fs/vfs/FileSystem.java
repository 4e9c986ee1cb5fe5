package io.jrump.fs.vfs;

import io.jrump.api.ErrnoException;
import io.jrump.api.StatVfs;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One mounted instance of a file system type (NetBSD's {@code struct mount} as seen by the
 * driver): its root, its usage figures, and how to write back and let go.
 *
 * <p>It carries the <b>rename lock</b> ({@code mnt_renamelock} in BSD): a rename holds it so
 * that no other rename moves a directory while this one checks that the target is not inside
 * the source and picks the order to lock the two parent directories in; without it two
 * renames moving directories into each other could each lock one parent and wait for the other.
 */
public abstract class FileSystem {
    private final ReentrantLock renameLock = new ReentrantLock();
    /** Where this file system is mounted; set once by the mount table. */
    private volatile Mount mount;

    public abstract Vnode root();

    /**
     * Block and inode figures; {@code fsid} and the read-only flag are filled in by the VFS
     * from the mount, so a file system reports {@code flag} 0 unless it has flags of its own.
     */
    public abstract StatVfs statvfs() throws ErrnoException;

    /** A file system that cannot be written (a read-only device) says so here; MNT_RDONLY is the VFS's business. */
    public boolean isReadOnly() {
        return false;
    }

    /** Writes back everything dirty. */
    public void sync() throws ErrnoException {
    }

    /** The mount is gone: write back and release the device. {@code force}: files may still be open. */
    public abstract void unmount(boolean force) throws ErrnoException;

    final ReentrantLock renameLock() {
        return renameLock;
    }

    final Mount mount() {
        return mount;
    }

    final void attach(Mount m) {
        this.mount = m;
    }
}
