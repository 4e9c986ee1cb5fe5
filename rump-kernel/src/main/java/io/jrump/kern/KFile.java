package io.jrump.kern;

import io.jrump.api.DirEntry;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.PollFd;
import io.jrump.api.Stat;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The open file behind one or more descriptors (NetBSD's {@code struct file}): a vnode, a
 * pipe end or a socket. Descriptors made by {@code dup} share it, and with it the offset and
 * the status flags. The base kernel checks the access mode before {@link #read}/{@link #write}
 * and calls {@link #closeFile()} once, when the last descriptor goes away.
 *
 * <p>Operations a kind of file does not have answer with the errno POSIX gives for them.
 */
public abstract class KFile {
    /** Status flags that {@code fcntl(F_SETFL)} may change. */
    public static final int SETTABLE_FLAGS = OpenFlags.O_APPEND | OpenFlags.O_NONBLOCK;

    private volatile int statusFlags;
    /** Descriptors referring to this file; guarded by this file's monitor. */
    private int refs;

    protected KFile(int statusFlags) {
        this.statusFlags = statusFlags & ~(OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_TRUNC | OpenFlags.O_NOCTTY | OpenFlags.O_CLOEXEC);
    }

    /** The access mode and status flags ({@code F_GETFL}). */
    public final int statusFlags() {
        return statusFlags;
    }

    /** {@code F_SETFL}: only {@link #SETTABLE_FLAGS} change. */
    public void setStatusFlags(int flags) {
        statusFlags = (statusFlags & ~SETTABLE_FLAGS) | (flags & SETTABLE_FLAGS);
    }

    public final boolean isReadable() {
        int acc = statusFlags & OpenFlags.O_ACCMODE;
        return acc == OpenFlags.O_RDONLY || acc == OpenFlags.O_RDWR;
    }

    public final boolean isWritable() {
        int acc = statusFlags & OpenFlags.O_ACCMODE;
        return acc == OpenFlags.O_WRONLY || acc == OpenFlags.O_RDWR;
    }

    public final boolean isNonBlocking() {
        return (statusFlags & OpenFlags.O_NONBLOCK) != 0;
    }

    public final boolean isAppend() {
        return (statusFlags & OpenFlags.O_APPEND) != 0;
    }

    public abstract int read(ByteBuffer dst) throws ErrnoException;

    public abstract int write(ByteBuffer src) throws ErrnoException;

    public int pread(ByteBuffer dst, long offset) throws ErrnoException {
        throw new ErrnoException(Errno.ESPIPE);
    }

    public int pwrite(ByteBuffer src, long offset) throws ErrnoException {
        throw new ErrnoException(Errno.ESPIPE);
    }

    public long lseek(long offset, int whence) throws ErrnoException {
        throw new ErrnoException(Errno.ESPIPE);
    }

    public abstract Stat fstat() throws ErrnoException;

    public void fsync() throws ErrnoException {
    }

    public void ftruncate(long length) throws ErrnoException {
        throw new ErrnoException(Errno.EINVAL);
    }

    public void fchmod(Cred cred, int mode) throws ErrnoException {
        throw new ErrnoException(Errno.EINVAL);
    }

    public void fchown(Cred cred, int uid, int gid) throws ErrnoException {
        throw new ErrnoException(Errno.EINVAL);
    }

    /** The next batch of directory entries; empty at the end. */
    public List<DirEntry> getdents() throws ErrnoException {
        throw new ErrnoException(Errno.ENOTDIR);
    }

    /**
     * Readiness now, as {@code PollFd.POLL*} bits among {@code events} (POLLERR and POLLHUP
     * are always reported). The default suits files that never block.
     */
    public int poll(int events) {
        return events & (PollFd.POLLIN | PollFd.POLLOUT | PollFd.POLLRDNORM | PollFd.POLLWRNORM);
    }

    /**
     * The waiters to wake when this file's readiness changes, or {@code null} for files that
     * never block (the default). A file that can block returns its {@link WaitSet} here and
     * wakes it on every change; {@code poll} registers through {@link #addWaiter}.
     */
    protected WaitSet waitSet() {
        return null;
    }

    /** Asks to be woken when readiness may have changed; files that never block ignore it. */
    public void addWaiter(PollWaiter waiter) {
        WaitSet w = waitSet();
        if (w != null) {
            w.add(waiter);
        }
    }

    public void removeWaiter(PollWaiter waiter) {
        WaitSet w = waitSet();
        if (w != null) {
            w.remove(waiter);
        }
    }

    /**
     * One more descriptor refers to this file. Descriptor bookkeeping of the base kernel's
     * descriptor tables ({@code io.jrump.kern.internal}); the architecture test keeps every
     * other package from calling it.
     */
    public final void descriptorAdded() {
        synchronized (this) {
            refs++;
        }
    }

    /**
     * One descriptor fewer; true when it was the last, and the caller must then
     * {@linkplain #closeLast() close} the file. For the base kernel's descriptor tables only.
     */
    public final boolean descriptorRemoved() {
        synchronized (this) {
            return --refs == 0;
        }
    }

    /** Closes the file once its last descriptor went away ({@link #descriptorRemoved()} said so). For the base kernel only. */
    public final void closeLast() throws ErrnoException {
        closeFile();
    }

    /** Releases the file; called once, when its last descriptor is closed. */
    protected abstract void closeFile() throws ErrnoException;
}
