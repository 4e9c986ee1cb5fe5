package io.jrump.fs.vfs;

import io.jrump.api.DirEntry;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Fcntl;
import io.jrump.api.Stat;
import io.jrump.kern.Cred;
import io.jrump.kern.KFile;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * An open file or directory (NetBSD's {@code vnops} file ops): the offset and the open
 * credentials on top of a vnode. Calls that use the offset hold {@link #offsetLock} so two
 * threads reading through one descriptor never get the same bytes (POSIX 2.9.7); pread and
 * pwrite do not need it. For a directory the offset is the file system's readdir cookie.
 *
 * <p>While it is open the vnode keeps its data (an unlinked file stays readable) and the
 * mount counts as busy.
 */
final class VnodeFile extends KFile {
    /** Entries per getdents call: enough to amortise the lock, few enough to stay small. */
    private static final int DIRENT_BATCH = 128;

    private final Vnode vnode;
    private final Mount mount;
    /** Who opened it: a write by a non-root opener clears set-id bits. */
    private final Cred cred;
    private final Object offsetLock = new Object();
    private long offset;

    /** Registers the open with the vnode and the mount; {@link #closeFile} undoes both. */
    VnodeFile(Vnode vnode, int flags, Cred cred) {
        super(flags);
        this.vnode = vnode;
        this.mount = Mount.of(vnode);
        this.cred = cred;
        vnode.lockExclusive();
        try {
            vnode.opened();
        } finally {
            vnode.unlockExclusive();
        }
        mount.busy.incrementAndGet();
    }

    @Override
    public int read(ByteBuffer dst) throws ErrnoException {
        synchronized (offsetLock) {
            int n = readAt(dst, offset);
            offset += n;
            return n;
        }
    }

    @Override
    public int pread(ByteBuffer dst, long position) throws ErrnoException {
        if (position < 0) {
            throw new ErrnoException(Errno.EINVAL, "negative offset");
        }
        return readAt(dst, position);
    }

    private int readAt(ByteBuffer dst, long position) throws ErrnoException {
        if (dst == null || dst.isReadOnly()) {
            throw new ErrnoException(Errno.EFAULT, dst == null ? "null buffer" : "read-only buffer");
        }
        if (vnode.isDirectory()) {
            throw new ErrnoException(Errno.EISDIR);
        }
        vnode.lockShared();
        try {
            return vnode.read(dst, position);
        } finally {
            vnode.unlockShared();
        }
    }

    @Override
    public int write(ByteBuffer src) throws ErrnoException {
        synchronized (offsetLock) {
            long[] end = new long[1];
            int n = writeAt(src, offset, isAppend(), end);
            offset = end[0];
            return n;
        }
    }

    @Override
    public int pwrite(ByteBuffer src, long position) throws ErrnoException {
        if (position < 0) {
            throw new ErrnoException(Errno.EINVAL, "negative offset");
        }
        return writeAt(src, position, false, new long[1]);
    }

    /** Writes at {@code position}, or at the end when appending (decided under the lock); {@code end[0]} gets the offset after the data. */
    private int writeAt(ByteBuffer src, long position, boolean append, long[] end) throws ErrnoException {
        if (src == null) {
            throw new ErrnoException(Errno.EFAULT, "null buffer");
        }
        vnode.lockExclusive();
        try {
            long at = append ? vnode.size() : position;
            int n = VopCredentials.as(cred, () -> vnode.write(src, at));
            if (n > 0) {
                AttrOps.clearSetIdAfterWrite(cred, vnode);
            }
            end[0] = at + n;
            return n;
        } finally {
            vnode.unlockExclusive();
        }
    }

    @Override
    public long lseek(long off, int whence) throws ErrnoException {
        synchronized (offsetLock) {
            long base = switch (whence) {
                case Fcntl.SEEK_SET -> 0;
                case Fcntl.SEEK_CUR -> offset;
                case Fcntl.SEEK_END -> {
                    if (vnode.isDirectory()) {
                        throw new ErrnoException(Errno.EINVAL, "SEEK_END on a directory");
                    }
                    yield vnode.size();
                }
                default -> throw new ErrnoException(Errno.EINVAL, "bad whence " + whence);
            };
            long pos;
            try {
                pos = Math.addExact(base, off);
            } catch (ArithmeticException e) {
                throw new ErrnoException(Errno.EOVERFLOW);
            }
            if (pos < 0) {
                throw new ErrnoException(Errno.EINVAL, "negative offset");
            }
            offset = pos;
            return pos;
        }
    }

    @Override
    public Stat fstat() {
        return AttrOps.stat(vnode);
    }

    @Override
    public void fsync() throws ErrnoException {
        vnode.lockExclusive();
        try {
            vnode.fsync();
        } finally {
            vnode.unlockExclusive();
        }
    }

    @Override
    public void ftruncate(long length) throws ErrnoException {
        if (!isWritable()) {
            throw new ErrnoException(Errno.EINVAL, "not open for writing");
        }
        AttrOps.truncate(cred, vnode, length, false);
    }

    @Override
    public void fchmod(Cred caller, int mode) throws ErrnoException {
        AttrOps.chmod(caller, vnode, mode);
    }

    @Override
    public void fchown(Cred caller, int uid, int gid) throws ErrnoException {
        AttrOps.chown(caller, vnode, uid, gid);
    }

    @Override
    public List<DirEntry> getdents() throws ErrnoException {
        if (!vnode.isDirectory()) {
            throw new ErrnoException(Errno.ENOTDIR);
        }
        synchronized (offsetLock) {
            DirBatch batch;
            vnode.lockShared();
            try {
                batch = vnode.readdir(offset, DIRENT_BATCH);
            } finally {
                vnode.unlockShared();
            }
            offset = batch.nextCookie();
            return batch.entries();
        }
    }

    @Override
    protected void closeFile() throws ErrnoException {
        try {
            vnode.lockExclusive();
            try {
                if (vnode.closed()) {
                    vnode.inactive();
                }
            } finally {
                vnode.unlockExclusive();
            }
        } finally {
            mount.busy.decrementAndGet();
        }
    }
}
