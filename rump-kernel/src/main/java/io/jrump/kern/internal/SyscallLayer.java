package io.jrump.kern.internal;

import static io.jrump.kern.internal.CallNames.call;
import static io.jrump.kern.internal.CallNames.callFd;
import static io.jrump.kern.internal.CallNames.callFdInt;
import static io.jrump.kern.internal.CallNames.callInt;
import static io.jrump.kern.internal.CallNames.run;
import static io.jrump.kern.internal.CallNames.runFd;

import io.jrump.api.DirEntry;
import io.jrump.api.EpollEvent;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Fcntl;
import io.jrump.api.FileMode;
import io.jrump.api.OpenFlags;
import io.jrump.api.PollFd;
import io.jrump.api.SocketConstants;
import io.jrump.api.Stat;
import io.jrump.api.StatVfs;
import io.jrump.api.Syscalls;
import io.jrump.kern.Caller;
import io.jrump.kern.Cred;
import io.jrump.kern.DirRef;
import io.jrump.kern.KFile;
import io.jrump.kern.PathCalls;
import io.jrump.kern.SocketCalls;
import io.jrump.kern.SocketFile;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The system call layer of one process (NetBSD's {@code sys_*} entry points): checks the
 * arguments that do not depend on a file system, resolves descriptors, applies the umask,
 * and hands path names to the VFS. Every error leaves here named with its call and path.
 */
final class SyscallLayer implements Syscalls {
    private final Kernel kernel;
    private final Proc proc;

    SyscallLayer(Kernel kernel, Proc proc) {
        this.kernel = kernel;
        this.proc = proc;
    }

    // ---- helpers ----

    private PathCalls vfs(String call, String path) throws ErrnoException {
        proc.checkAlive();
        if (path == null) {
            throw new ErrnoException(Errno.EFAULT, call, null, "path is null");
        }
        PathCalls v = kernel.vfs();
        if (v == null) {
            throw new ErrnoException(Errno.ENOSYS, call, path, "kernel " + kernel.name() + " was booted without a file system component");
        }
        return v;
    }

    private KFile file(int fd) throws ErrnoException {
        proc.checkAlive();
        return proc.fds().get(fd);
    }

    /** The file behind {@code fd}, open for reading, and a buffer it may fill. */
    private KFile readable(int fd, ByteBuffer dst) throws ErrnoException {
        KFile f = file(fd);
        checkBuffer(dst, true);
        if (!f.isReadable()) {
            throw new ErrnoException(Errno.EBADF, "not open for reading");
        }
        return f;
    }

    /** The file behind {@code fd}, open for writing, and a buffer to take data from. */
    private KFile writable(int fd, ByteBuffer src) throws ErrnoException {
        KFile f = file(fd);
        checkBuffer(src, false);
        if (!f.isWritable()) {
            throw new ErrnoException(Errno.EBADF, "not open for writing");
        }
        return f;
    }

    private static void checkBuffer(ByteBuffer b, boolean writeInto) throws ErrnoException {
        if (b == null) {
            throw new ErrnoException(Errno.EFAULT, "buffer is null");
        }
        if (writeInto && b.isReadOnly()) {
            throw new ErrnoException(Errno.EFAULT, "buffer is read-only");
        }
    }

    /** A caller with the real ids as effective ones, for access(2). */
    private record RealIds(Cred cred, DirRef cwd) implements Caller {
    }

    // ---- files and descriptors ----

    @Override
    public int open(String path, int flags, int mode) throws ErrnoException {
        PathCalls v = vfs("open", path);
        return callInt("open", path, () -> {
            int createMode = (flags & OpenFlags.O_CREAT) != 0 ? mode & FileMode.ALLPERMS & ~proc.umask() : 0;
            KFile f = v.open(proc, path, flags, createMode);
            try {
                return proc.fds().install(f, 0, (flags & OpenFlags.O_CLOEXEC) != 0);
            } catch (ErrnoException e) {
                kernel.closeQuietly(f);
                throw e;
            }
        });
    }

    @Override
    public void close(int fd) throws ErrnoException {
        runFd("close", fd, () -> {
            proc.checkAlive();
            KFile last = proc.fds().remove(fd);
            if (last != null) {
                last.closeLast();
            }
        });
    }

    @Override
    public int read(int fd, ByteBuffer dst) throws ErrnoException {
        return callFdInt("read", fd, () -> {
            KFile f = readable(fd, dst);
            return f.read(dst);
        });
    }

    @Override
    public int write(int fd, ByteBuffer src) throws ErrnoException {
        return callFdInt("write", fd, () -> {
            KFile f = writable(fd, src);
            return f.write(src);
        });
    }

    @Override
    public int pread(int fd, ByteBuffer dst, long offset) throws ErrnoException {
        return callFdInt("pread", fd, () -> {
            KFile f = readable(fd, dst);
            if (offset < 0) {
                throw new ErrnoException(Errno.EINVAL, "negative offset " + offset);
            }
            return f.pread(dst, offset);
        });
    }

    @Override
    public int pwrite(int fd, ByteBuffer src, long offset) throws ErrnoException {
        return callFdInt("pwrite", fd, () -> {
            KFile f = writable(fd, src);
            if (offset < 0) {
                throw new ErrnoException(Errno.EINVAL, "negative offset " + offset);
            }
            return f.pwrite(src, offset);
        });
    }

    @Override
    public long lseek(int fd, long offset, int whence) throws ErrnoException {
        return callFd("lseek", fd, () -> {
            KFile f = file(fd);
            if (whence != Fcntl.SEEK_SET && whence != Fcntl.SEEK_CUR && whence != Fcntl.SEEK_END) {
                throw new ErrnoException(Errno.EINVAL, "bad whence " + whence);
            }
            return f.lseek(offset, whence);
        });
    }

    @Override
    public int dup(int fd) throws ErrnoException {
        return callFdInt("dup", fd, () -> {
            proc.checkAlive();
            return proc.fds().dup(fd, 0);
        });
    }

    @Override
    public int dup2(int oldfd, int newfd) throws ErrnoException {
        return callFdInt("dup2", oldfd, () -> {
            proc.checkAlive();
            KFile replaced = proc.fds().dup2(oldfd, newfd);
            if (replaced != null) {
                kernel.closeQuietly(replaced);
            }
            return newfd;
        });
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) throws ErrnoException {
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

    @Override
    public void fsync(int fd) throws ErrnoException {
        runFd("fsync", fd, () -> file(fd).fsync());
    }

    @Override
    public void ftruncate(int fd, long length) throws ErrnoException {
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

    @Override
    public Stat fstat(int fd) throws ErrnoException {
        return callFd("fstat", fd, () -> file(fd).fstat());
    }

    @Override
    public void fchmod(int fd, int mode) throws ErrnoException {
        runFd("fchmod", fd, () -> file(fd).fchmod(proc.cred(), mode & FileMode.ALLPERMS));
    }

    @Override
    public void fchown(int fd, int uid, int gid) throws ErrnoException {
        runFd("fchown", fd, () -> file(fd).fchown(proc.cred(), uid, gid));
    }

    @Override
    public List<DirEntry> getdents(int fd) throws ErrnoException {
        return callFd("getdents", fd, () -> file(fd).getdents());
    }

    @Override
    public int[] pipe() throws ErrnoException {
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

    @Override
    public int poll(PollFd[] fds, int timeoutMillis) throws ErrnoException {
        return callInt("poll", null, () -> {
            proc.checkAlive();
            if (fds == null) {
                throw new ErrnoException(Errno.EFAULT, "poll set is null");
            }
            return Poll.poll(proc.fds(), fds, timeoutMillis, kernel);
        });
    }

    @Override
    public int epollCreate() throws ErrnoException {
        return callInt("epoll_create", null, () -> {
            proc.checkAlive();
            return proc.fds().install(new EventPoll(proc.fds(), kernel), 0, false);
        });
    }

    @Override
    public void epollCtl(int epfd, int op, int fd, int events, long data) throws ErrnoException {
        runFd("epoll_ctl", epfd, () -> EventPoll.of(file(epfd)).control(op, fd, events, data));
    }

    @Override
    public int epollWait(int epfd, EpollEvent[] events, int timeoutMillis) throws ErrnoException {
        return callFdInt("epoll_wait", epfd, () -> {
            EventPoll ep = EventPoll.of(file(epfd));
            if (events == null || events.length == 0) {
                throw new ErrnoException(Errno.EINVAL, "no room for events");
            }
            return ep.await(events, timeoutMillis);
        });
    }

    // ---- names ----

    @Override
    public Stat stat(String path) throws ErrnoException {
        return call("stat", path, () -> vfs("stat", path).stat(proc, path, true));
    }

    @Override
    public Stat lstat(String path) throws ErrnoException {
        return call("lstat", path, () -> vfs("lstat", path).stat(proc, path, false));
    }

    @Override
    public void mkdir(String path, int mode) throws ErrnoException {
        run("mkdir", path, () -> vfs("mkdir", path).mkdir(proc, path, mode & FileMode.ALLPERMS & ~proc.umask()));
    }

    @Override
    public void rmdir(String path) throws ErrnoException {
        run("rmdir", path, () -> vfs("rmdir", path).rmdir(proc, path));
    }

    @Override
    public void unlink(String path) throws ErrnoException {
        run("unlink", path, () -> vfs("unlink", path).unlink(proc, path));
    }

    @Override
    public void rename(String from, String to) throws ErrnoException {
        run("rename", from + " -> " + to, () -> {
            PathCalls v = vfs("rename", from);
            if (to == null) {
                throw new ErrnoException(Errno.EFAULT, "target path is null");
            }
            v.rename(proc, from, to);
        });
    }

    @Override
    public void link(String existing, String newPath) throws ErrnoException {
        run("link", existing + " -> " + newPath, () -> {
            PathCalls v = vfs("link", existing);
            if (newPath == null) {
                throw new ErrnoException(Errno.EFAULT, "new path is null");
            }
            v.link(proc, existing, newPath);
        });
    }

    @Override
    public void symlink(String target, String linkPath) throws ErrnoException {
        run("symlink", linkPath, () -> {
            PathCalls v = vfs("symlink", linkPath);
            if (target == null) {
                throw new ErrnoException(Errno.EFAULT, "target is null");
            }
            v.symlink(proc, target, linkPath);
        });
    }

    @Override
    public String readlink(String path) throws ErrnoException {
        return call("readlink", path, () -> vfs("readlink", path).readlink(proc, path));
    }

    @Override
    public void chmod(String path, int mode) throws ErrnoException {
        run("chmod", path, () -> vfs("chmod", path).chmod(proc, path, mode & FileMode.ALLPERMS));
    }

    @Override
    public void chown(String path, int uid, int gid) throws ErrnoException {
        run("chown", path, () -> vfs("chown", path).chown(proc, path, uid, gid, true));
    }

    @Override
    public void lchown(String path, int uid, int gid) throws ErrnoException {
        run("lchown", path, () -> vfs("lchown", path).chown(proc, path, uid, gid, false));
    }

    @Override
    public void utimes(String path, Instant atime, Instant mtime) throws ErrnoException {
        utimes("utimes", path, atime, mtime, true);
    }

    @Override
    public void lutimes(String path, Instant atime, Instant mtime) throws ErrnoException {
        utimes("lutimes", path, atime, mtime, false);
    }

    private void utimes(String call, String path, Instant atime, Instant mtime, boolean follow) throws ErrnoException {
        run(call, path, () -> {
            PathCalls v = vfs(call, path);
            if ((atime == null) != (mtime == null)) {
                throw new ErrnoException(Errno.EINVAL, "give both times or neither");
            }
            v.utimes(proc, path, atime, mtime, follow);
        });
    }

    @Override
    public void mknod(String path, int mode, long dev) throws ErrnoException {
        run("mknod", path, () -> vfs("mknod", path).mknod(proc, path, (mode & FileMode.S_IFMT) | (mode & FileMode.ALLPERMS & ~proc.umask()), dev));
    }

    @Override
    public void truncate(String path, long length) throws ErrnoException {
        run("truncate", path, () -> {
            PathCalls v = vfs("truncate", path);
            if (length < 0) {
                throw new ErrnoException(Errno.EINVAL, "negative length " + length);
            }
            v.truncate(proc, path, length);
        });
    }

    @Override
    public void access(String path, int mode) throws ErrnoException {
        run("access", path, () -> {
            PathCalls v = vfs("access", path);
            if ((mode & ~(Fcntl.R_OK | Fcntl.W_OK | Fcntl.X_OK)) != 0) {
                throw new ErrnoException(Errno.EINVAL, "bad mode " + mode);
            }
            v.access(new RealIds(proc.cred().realAsEffective(), proc.cwd()), path, mode);
        });
    }

    @Override
    public byte[] getxattr(String path, String name) throws ErrnoException {
        return getxattr("getxattr", path, name, true);
    }

    @Override
    public byte[] lgetxattr(String path, String name) throws ErrnoException {
        return getxattr("lgetxattr", path, name, false);
    }

    private byte[] getxattr(String call, String path, String name, boolean follow) throws ErrnoException {
        return call(call, xattrContext(path, name), () -> vfs(call, path).getxattr(proc, path, name, follow));
    }

    @Override
    public List<String> listxattr(String path) throws ErrnoException {
        return listxattr("listxattr", path, true);
    }

    @Override
    public List<String> llistxattr(String path) throws ErrnoException {
        return listxattr("llistxattr", path, false);
    }

    private List<String> listxattr(String call, String path, boolean follow) throws ErrnoException {
        return call(call, path, () -> vfs(call, path).listxattr(proc, path, follow));
    }

    @Override
    public void setxattr(String path, String name, byte[] value, int flags) throws ErrnoException {
        setxattr("setxattr", path, name, value, flags, true);
    }

    @Override
    public void lsetxattr(String path, String name, byte[] value, int flags) throws ErrnoException {
        setxattr("lsetxattr", path, name, value, flags, false);
    }

    private void setxattr(String call, String path, String name, byte[] value, int flags, boolean follow) throws ErrnoException {
        run(call, xattrContext(path, name), () -> vfs(call, path).setxattr(proc, path, name, value, flags, follow));
    }

    @Override
    public void removexattr(String path, String name) throws ErrnoException {
        removexattr("removexattr", path, name, true);
    }

    @Override
    public void lremovexattr(String path, String name) throws ErrnoException {
        removexattr("lremovexattr", path, name, false);
    }

    private void removexattr(String call, String path, String name, boolean follow) throws ErrnoException {
        run(call, xattrContext(path, name), () -> vfs(call, path).removexattr(proc, path, name, follow));
    }

    /** What an attribute call's message names: the path and the attribute ({@code /f (user.x)}). */
    private static String xattrContext(String path, String name) {
        return name == null ? path : path + " (" + name + ")";
    }

    @Override
    public StatVfs statvfs(String path) throws ErrnoException {
        return call("statvfs", path, () -> vfs("statvfs", path).statvfs(proc, path));
    }

    @Override
    public List<DirEntry> readdir(String path) throws ErrnoException {
        int fd = open(path, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        try {
            return call("readdir", path, () -> {
                List<DirEntry> all = new ArrayList<>();
                for (List<DirEntry> batch = getdents(fd); !batch.isEmpty(); batch = getdents(fd)) {
                    all.addAll(batch);
                }
                return all;
            });
        } finally {
            close(fd);
        }
    }

    @Override
    public void chdir(String path) throws ErrnoException {
        run("chdir", path, () -> proc.chdir(vfs("chdir", path).chdir(proc, path)));
    }

    @Override
    public String getcwd() throws ErrnoException {
        return call("getcwd", null, () -> vfs("getcwd", "").getcwd(proc.cwd()));
    }

    @Override
    public int umask(int mask) {
        proc.checkAlive();
        return proc.umask(mask);
    }

    @Override
    public void mount(String source, String target, String fstype, int flags, String data) throws ErrnoException {
        run("mount", target, () -> {
            PathCalls v = vfs("mount", target);
            if (fstype == null) {
                throw new ErrnoException(Errno.EINVAL, "no file system type");
            }
            v.mount(proc, source, target, fstype, flags, data);
        });
    }

    @Override
    public void unmount(String target, int flags) throws ErrnoException {
        run("unmount", target, () -> vfs("unmount", target).unmount(proc, target, flags));
    }

    // ---- sockets ----

    private SocketFile socketFile(int fd) throws ErrnoException {
        KFile f = file(fd);
        if (f instanceof SocketFile s) {
            return s;
        }
        throw new ErrnoException(Errno.ENOTSOCK);
    }

    private static void checkAddress(InetSocketAddress a) throws ErrnoException {
        if (a == null) {
            throw new ErrnoException(Errno.EFAULT, "address is null");
        }
        if (a.isUnresolved()) {
            throw new ErrnoException(Errno.EINVAL, "address " + a.getHostString() + " is not resolved");
        }
    }

    @Override
    public int socket(int domain, int type, int protocol) throws ErrnoException {
        return callInt("socket", null, () -> {
            proc.checkAlive();
            SocketCalls s = kernel.sockets();
            if (s == null) {
                throw new ErrnoException(Errno.EAFNOSUPPORT, "kernel " + kernel.name() + " was booted without a network component");
            }
            int extra = type & (SocketConstants.SOCK_NONBLOCK | SocketConstants.SOCK_CLOEXEC);
            int flags = OpenFlags.O_RDWR | ((extra & SocketConstants.SOCK_NONBLOCK) != 0 ? OpenFlags.O_NONBLOCK : 0);
            SocketFile f = s.socket(proc, domain, type & ~extra, protocol, flags);
            try {
                return proc.fds().install(f, 0, (extra & SocketConstants.SOCK_CLOEXEC) != 0);
            } catch (ErrnoException e) {
                kernel.closeQuietly(f);
                throw e;
            }
        });
    }

    @Override
    public void bind(int fd, InetSocketAddress address) throws ErrnoException {
        runFd("bind", fd, () -> {
            SocketFile s = socketFile(fd);
            checkAddress(address);
            s.bind(address);
        });
    }

    @Override
    public void listen(int fd, int backlog) throws ErrnoException {
        runFd("listen", fd, () -> socketFile(fd).listen(backlog));
    }

    @Override
    public int accept(int fd) throws ErrnoException {
        return callFdInt("accept", fd, () -> {
            SocketFile conn = socketFile(fd).accept();
            try {
                return proc.fds().install(conn, 0, false);
            } catch (ErrnoException e) {
                kernel.closeQuietly(conn);
                throw e;
            }
        });
    }

    @Override
    public void connect(int fd, InetSocketAddress address) throws ErrnoException {
        runFd("connect", fd, () -> {
            SocketFile s = socketFile(fd);
            checkAddress(address);
            s.connect(address);
        });
    }

    @Override
    public int send(int fd, ByteBuffer src, int flags) throws ErrnoException {
        return callFdInt("send", fd, () -> {
            SocketFile s = socketFile(fd);
            checkBuffer(src, false);
            return s.sendto(src, flags, null);
        });
    }

    @Override
    public int recv(int fd, ByteBuffer dst, int flags) throws ErrnoException {
        return callFdInt("recv", fd, () -> {
            SocketFile s = socketFile(fd);
            checkBuffer(dst, true);
            int before = dst.position();
            s.recvfrom(dst, flags);
            return dst.position() - before;
        });
    }

    @Override
    public int sendto(int fd, ByteBuffer src, int flags, InetSocketAddress to) throws ErrnoException {
        return callFdInt("sendto", fd, () -> {
            SocketFile s = socketFile(fd);
            checkBuffer(src, false);
            if (to != null) {
                checkAddress(to);
            }
            return s.sendto(src, flags, to);
        });
    }

    @Override
    public InetSocketAddress recvfrom(int fd, ByteBuffer dst, int flags) throws ErrnoException {
        return callFd("recvfrom", fd, () -> {
            SocketFile s = socketFile(fd);
            checkBuffer(dst, true);
            return s.recvfrom(dst, flags);
        });
    }

    @Override
    public void shutdown(int fd, int how) throws ErrnoException {
        runFd("shutdown", fd, () -> {
            SocketFile s = socketFile(fd);
            if (how != SocketConstants.SHUT_RD && how != SocketConstants.SHUT_WR && how != SocketConstants.SHUT_RDWR) {
                throw new ErrnoException(Errno.EINVAL, "bad how " + how);
            }
            s.shutdown(how);
        });
    }

    @Override
    public InetSocketAddress getsockname(int fd) throws ErrnoException {
        return callFd("getsockname", fd, () -> socketFile(fd).getsockname());
    }

    @Override
    public InetSocketAddress getpeername(int fd) throws ErrnoException {
        return callFd("getpeername", fd, () -> socketFile(fd).getpeername());
    }

    @Override
    public void setsockopt(int fd, int level, int option, int value) throws ErrnoException {
        runFd("setsockopt", fd, () -> socketFile(fd).setsockopt(level, option, value));
    }

    @Override
    public int getsockopt(int fd, int level, int option) throws ErrnoException {
        return callFdInt("getsockopt", fd, () -> socketFile(fd).getsockopt(level, option));
    }

    // ---- process ----

    @Override
    public int getpid() {
        proc.checkAlive();
        return proc.pid();
    }

    @Override
    public int getppid() {
        proc.checkAlive();
        return proc.ppid();
    }

    @Override
    public int getuid() {
        proc.checkAlive();
        return proc.cred().ruid();
    }

    @Override
    public int geteuid() {
        proc.checkAlive();
        return proc.cred().euid();
    }

    @Override
    public int getgid() {
        proc.checkAlive();
        return proc.cred().rgid();
    }

    @Override
    public int getegid() {
        proc.checkAlive();
        return proc.cred().egid();
    }

    /** Root sets real and effective uid; anyone else may only set the effective uid back to the real one. */
    @Override
    public void setuid(int uid) throws ErrnoException {
        proc.checkAlive();
        synchronized (proc) {
            Cred c = proc.cred();
            if (uid < 0) {
                throw new ErrnoException(Errno.EINVAL, "setuid", null, "negative uid " + uid);
            }
            if (c.isSuperuser()) {
                proc.cred(c.withUid(uid));
            } else if (uid == c.ruid()) {
                proc.cred(c.withEuid(uid));
            } else {
                throw new ErrnoException(Errno.EPERM, "setuid", null, "uid " + c.euid() + " may not become " + uid);
            }
        }
    }

    @Override
    public void setgid(int gid) throws ErrnoException {
        proc.checkAlive();
        synchronized (proc) {
            Cred c = proc.cred();
            if (gid < 0) {
                throw new ErrnoException(Errno.EINVAL, "setgid", null, "negative gid " + gid);
            }
            if (c.isSuperuser()) {
                proc.cred(c.withGid(gid));
            } else if (gid == c.rgid()) {
                proc.cred(c.withEgid(gid));
            } else {
                throw new ErrnoException(Errno.EPERM, "setgid", null, "uid " + c.euid() + " may not join group " + gid);
            }
        }
    }
}
