package io.jrump.kern.internal;

import static io.jrump.kern.internal.CallNames.call;
import static io.jrump.kern.internal.CallNames.callFd;
import static io.jrump.kern.internal.CallNames.callFdInt;
import static io.jrump.kern.internal.CallNames.callInt;
import static io.jrump.kern.internal.CallNames.data;
import static io.jrump.kern.internal.CallNames.runFd;

import io.jrump.api.DirEntry;
import io.jrump.api.EpollEvent;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Fcntl;
import io.jrump.api.FileMode;
import io.jrump.api.OpenFlags;
import io.jrump.api.PollFd;
import io.jrump.api.Stat;
import io.jrump.kern.KFile;
import io.jrump.kern.PathCalls;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

/**
 * The system calls of a process that work on descriptors (NetBSD's {@code sys_generic.c},
 * {@code sys_descrip.c}, {@code sys_pipe.c}): opening a file into the table, reading and
 * writing it, duplicating and closing descriptors, pipes, poll and epoll. Part of
 * {@link SyscallLayer}; what the call does to a file is the file's ({@link KFile}).
 */
final class DescriptorSyscalls {
    private final Kernel kernel;
    private final Proc proc;

    DescriptorSyscalls(Kernel kernel, Proc proc) {
        this.kernel = kernel;
        this.proc = proc;
    }

    private KFile file(int fd) throws ErrnoException {
        return CallChecks.file(proc, fd);
    }

    /** The file behind {@code fd}, open for reading, and a buffer it may fill. */
    private KFile readable(int fd, ByteBuffer dst) throws ErrnoException {
        KFile f = file(fd);
        CallChecks.buffer(dst, true);
        if (!f.isReadable()) {
            throw new ErrnoException(Errno.EBADF, "not open for reading");
        }
        return f;
    }

    /** The file behind {@code fd}, open for writing, and a buffer to take data from. */
    private KFile writable(int fd, ByteBuffer src) throws ErrnoException {
        KFile f = file(fd);
        CallChecks.buffer(src, false);
        if (!f.isWritable()) {
            throw new ErrnoException(Errno.EBADF, "not open for writing");
        }
        return f;
    }

    int open(String path, int flags, int mode) throws ErrnoException {
        PathCalls v = CallChecks.vfs(proc, "open", path);
        return callInt("open", path, () -> {
            int createMode = (flags & OpenFlags.O_CREAT) != 0 ? mode & FileMode.ALLPERMS & ~proc.umask() : 0;
            KFile f = v.open(proc, path, flags, createMode);
            return proc.installNew(f, (flags & OpenFlags.O_CLOEXEC) != 0);
        });
    }

    void close(int fd) throws ErrnoException {
        runFd("close", fd, () -> {
            proc.checkAlive();
            KFile last = proc.fds().remove(fd);
            if (last != null) {
                last.closeLast();
            }
        });
    }

    int read(int fd, ByteBuffer dst) throws ErrnoException {
        return (int) data("read", this, fd, dst, 0, 0, DescriptorSyscalls::readBody);
    }

    private long readBody(int fd, ByteBuffer dst, long unused, int unusedFlags) throws ErrnoException {
        return readable(fd, dst).read(dst);
    }

    int write(int fd, ByteBuffer src) throws ErrnoException {
        return (int) data("write", this, fd, src, 0, 0, DescriptorSyscalls::writeBody);
    }

    private long writeBody(int fd, ByteBuffer src, long unused, int unusedFlags) throws ErrnoException {
        return writable(fd, src).write(src);
    }

    int pread(int fd, ByteBuffer dst, long offset) throws ErrnoException {
        return (int) data("pread", this, fd, dst, offset, 0, DescriptorSyscalls::preadBody);
    }

    private long preadBody(int fd, ByteBuffer dst, long offset, int unusedFlags) throws ErrnoException {
        KFile f = readable(fd, dst);
        checkOffset(offset);
        return f.pread(dst, offset);
    }

    int pwrite(int fd, ByteBuffer src, long offset) throws ErrnoException {
        return (int) data("pwrite", this, fd, src, offset, 0, DescriptorSyscalls::pwriteBody);
    }

    private long pwriteBody(int fd, ByteBuffer src, long offset, int unusedFlags) throws ErrnoException {
        KFile f = writable(fd, src);
        checkOffset(offset);
        return f.pwrite(src, offset);
    }

    private static void checkOffset(long offset) throws ErrnoException {
        if (offset < 0) {
            throw new ErrnoException(Errno.EINVAL, "negative offset " + offset);
        }
    }

    long lseek(int fd, long offset, int whence) throws ErrnoException {
        return data("lseek", this, fd, null, offset, whence, DescriptorSyscalls::lseekBody);
    }

    private long lseekBody(int fd, ByteBuffer unused, long offset, int whence) throws ErrnoException {
        KFile f = file(fd);
        if (whence != Fcntl.SEEK_SET && whence != Fcntl.SEEK_CUR && whence != Fcntl.SEEK_END) {
            throw new ErrnoException(Errno.EINVAL, "bad whence " + whence);
        }
        return f.lseek(offset, whence);
    }

    int dup(int fd) throws ErrnoException {
        return callFdInt("dup", fd, () -> {
            proc.checkAlive();
            return proc.fds().dup(fd, 0);
        });
    }

    int dup2(int oldfd, int newfd) throws ErrnoException {
        return callFdInt("dup2", oldfd, () -> {
            proc.checkAlive();
            KFile replaced = proc.fds().dup2(oldfd, newfd);
            if (replaced != null) {
                kernel.closeQuietly(replaced);
            }
            return newfd;
        });
    }

    int fcntl(int fd, int cmd, int arg) throws ErrnoException {
        return callFdInt("fcntl", fd, () -> {
            KFile f = file(fd);
            switch (cmd) {
                case Fcntl.F_GETFL:
                    return f.statusFlags();
                case Fcntl.F_SETFL:
                    f.setStatusFlags(arg);
                    return 0;
                case Fcntl.F_GETFD:
                    return proc.fds().closeOnExec(fd) ? Fcntl.FD_CLOEXEC : 0;
                case Fcntl.F_SETFD:
                    proc.fds().closeOnExec(fd, (arg & Fcntl.FD_CLOEXEC) != 0);
                    return 0;
                case Fcntl.F_DUPFD:
                    return proc.fds().dup(fd, arg);
                default:
                    throw new ErrnoException(Errno.EINVAL, "unknown fcntl command " + cmd);
            }
        });
    }

    void fsync(int fd) throws ErrnoException {
        runFd("fsync", fd, () -> file(fd).fsync());
    }

    void ftruncate(int fd, long length) throws ErrnoException {
        runFd("ftruncate", fd, () -> {
            KFile f = file(fd);
            if (length < 0) {
                throw new ErrnoException(Errno.EINVAL, "negative length " + length);
            }
            if (!f.isWritable()) {
                throw new ErrnoException(Errno.EINVAL, "not open for writing");
            }
            f.ftruncate(length);
        });
    }

    Stat fstat(int fd) throws ErrnoException {
        return callFd("fstat", fd, () -> file(fd).fstat());
    }

    void fchmod(int fd, int mode) throws ErrnoException {
        runFd("fchmod", fd, () -> file(fd).fchmod(proc.cred(), mode & FileMode.ALLPERMS));
    }

    void fchown(int fd, int uid, int gid) throws ErrnoException {
        runFd("fchown", fd, () -> file(fd).fchown(proc.cred(), uid, gid));
    }

    List<DirEntry> getdents(int fd) throws ErrnoException {
        return callFd("getdents", fd, () -> file(fd).getdents());
    }

    int[] pipe() throws ErrnoException {
        return call("pipe", null, () -> {
            proc.checkAlive();
            Instant now = kernel.now();
            Pipe p = new Pipe(kernel.newIno(), proc.cred(), now);
            KFile r = p.readEnd(0);
            KFile w = p.writeEnd(0);
            int rfd = proc.fds().install(r, 0, false);
            int wfd;
            try {
                wfd = proc.fds().install(w, 0, false);
            } catch (ErrnoException e) {
                close(rfd);
                throw e;
            }
            return new int[] {rfd, wfd};
        });
    }

    int poll(PollFd[] fds, int timeoutMillis) throws ErrnoException {
        return callInt("poll", null, () -> {
            proc.checkAlive();
            if (fds == null) {
                throw new ErrnoException(Errno.EFAULT, "poll set is null");
            }
            return Poll.poll(proc.fds(), fds, timeoutMillis, kernel);
        });
    }

    int epollCreate() throws ErrnoException {
        return callInt("epoll_create", null, () -> {
            proc.checkAlive();
            return proc.fds().install(new EventPoll(proc.fds(), kernel), 0, false);
        });
    }

    /**
     * Errors finding the epoll instance name {@code epfd}; the others (EBADF, EEXIST, ENOENT,
     * EINVAL for a watched epoll) are about the watched descriptor and name it first:
     * {@code epoll_ctl fd 7 (epoll fd 3): EEXIST ...}.
     */
    void epollCtl(int epfd, int op, int fd, int events, long data) throws ErrnoException {
        EventPoll ep = callFd("epoll_ctl", epfd, () -> EventPoll.of(file(epfd)));
        try {
            ep.control(op, fd, events, data);
        } catch (ErrnoException e) {
            throw e.withContext("epoll_ctl", CallNames.fdName(fd) + " (epoll " + CallNames.fdName(epfd) + ")");
        }
    }

    int epollWait(int epfd, EpollEvent[] events, int timeoutMillis) throws ErrnoException {
        return callFdInt("epoll_wait", epfd, () -> {
            EventPoll ep = EventPoll.of(file(epfd));
            if (events == null || events.length == 0) {
                throw new ErrnoException(Errno.EINVAL, "no room for events");
            }
            return ep.await(events, timeoutMillis);
        });
    }
}
