package io.jrump.kern.internal;

import io.jrump.api.DirEntry;
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

    private static String fdName(int fd) {
        return "fd " + fd;
    }

    /** A caller with the real ids as effective ones, for access(2). */
    private record RealIds(Cred cred, DirRef cwd) implements Caller {
    }

    // ---- files and descriptors ----

    @Override
    public int open(String path, int flags, int mode) throws ErrnoException {
        PathCalls v = vfs("open", path);
        try {
            int createMode = (flags & OpenFlags.O_CREAT) != 0 ? mode & FileMode.ALLPERMS & ~proc.umask() : 0;
            KFile f = v.open(proc, path, flags, createMode);
            try {
                return proc.fds().install(f, 0, (flags & OpenFlags.O_CLOEXEC) != 0);
            } catch (ErrnoException e) {
                kernel.closeQuietly(f);
                throw e;
            }
        } catch (ErrnoException e) {
            throw e.withContext("open", path);
        }
    }

    @Override
    public void close(int fd) throws ErrnoException {
        try {
            proc.checkAlive();
            KFile last = proc.fds().remove(fd);
            if (last != null) {
                last.closeLast();
            }
        } catch (ErrnoException e) {
            throw e.withContext("close", fdName(fd));
        }
    }

    @Override
    public int read(int fd, ByteBuffer dst) throws ErrnoException {
        try {
            KFile f = readable(fd, dst);
            return f.read(dst);
        } catch (ErrnoException e) {
            throw e.withContext("read", fdName(fd));
        }
    }

    @Override
    public int write(int fd, ByteBuffer src) throws ErrnoException {
        try {
            KFile f = writable(fd, src);
            return f.write(src);
        } catch (ErrnoException e) {
            throw e.withContext("write", fdName(fd));
        }
    }

    @Override
    public int pread(int fd, ByteBuffer dst, long offset) throws ErrnoException {
        try {
            KFile f = readable(fd, dst);
            if (offset < 0) {
                throw new ErrnoException(Errno.EINVAL, "negative offset " + offset);
            }
            return f.pread(dst, offset);
        } catch (ErrnoException e) {
            throw e.withContext("pread", fdName(fd));
        }
    }

    @Override
    public int pwrite(int fd, ByteBuffer src, long offset) throws ErrnoException {
        try {
            KFile f = writable(fd, src);
            if (offset < 0) {
                throw new ErrnoException(Errno.EINVAL, "negative offset " + offset);
            }
            return f.pwrite(src, offset);
        } catch (ErrnoException e) {
            throw e.withContext("pwrite", fdName(fd));
        }
    }

    @Override
    public long lseek(int fd, long offset, int whence) throws ErrnoException {
        try {
            KFile f = file(fd);
            if (whence != Fcntl.SEEK_SET && whence != Fcntl.SEEK_CUR && whence != Fcntl.SEEK_END) {
                throw new ErrnoException(Errno.EINVAL, "bad whence " + whence);
            }
            return f.lseek(offset, whence);
        } catch (ErrnoException e) {
            throw e.withContext("lseek", fdName(fd));
        }
    }

    @Override
    public int dup(int fd) throws ErrnoException {
        try {
            proc.checkAlive();
            return proc.fds().dup(fd, 0);
        } catch (ErrnoException e) {
            throw e.withContext("dup", fdName(fd));
        }
    }

    @Override
    public int dup2(int oldfd, int newfd) throws ErrnoException {
        try {
            proc.checkAlive();
            KFile replaced = proc.fds().dup2(oldfd, newfd);
            if (replaced != null) {
                kernel.closeQuietly(replaced);
            }
            return newfd;
        } catch (ErrnoException e) {
            throw e.withContext("dup2", fdName(oldfd));
        }
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) throws ErrnoException {
        try {
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
        } catch (ErrnoException e) {
            throw e.withContext("fcntl", fdName(fd));
        }
    }

    @Override
    public void fsync(int fd) throws ErrnoException {
        try {
            file(fd).fsync();
        } catch (ErrnoException e) {
            throw e.withContext("fsync", fdName(fd));
        }
    }

    @Override
    public void ftruncate(int fd, long length) throws ErrnoException {
        try {
            KFile f = file(fd);
            if (length < 0) {
                throw new ErrnoException(Errno.EINVAL, "negative length " + length);
            }
            if (!f.isWritable()) {
                throw new ErrnoException(Errno.EINVAL, "not open for writing");
            }
            f.ftruncate(length);
        } catch (ErrnoException e) {
            throw e.withContext("ftruncate", fdName(fd));
        }
    }

    @Override
    public Stat fstat(int fd) throws ErrnoException {
        try {
            return file(fd).fstat();
        } catch (ErrnoException e) {
            throw e.withContext("fstat", fdName(fd));
        }
    }

    @Override
    public void fchmod(int fd, int mode) throws ErrnoException {
        try {
            file(fd).fchmod(proc.cred(), mode & FileMode.ALLPERMS);
        } catch (ErrnoException e) {
            throw e.withContext("fchmod", fdName(fd));
        }
    }

    @Override
    public void fchown(int fd, int uid, int gid) throws ErrnoException {
        try {
            file(fd).fchown(proc.cred(), uid, gid);
        } catch (ErrnoException e) {
            throw e.withContext("fchown", fdName(fd));
        }
    }

    @Override
    public List<DirEntry> getdents(int fd) throws ErrnoException {
        try {
            return file(fd).getdents();
        } catch (ErrnoException e) {
            throw e.withContext("getdents", fdName(fd));
        }
    }

    @Override
    public int[] pipe() throws ErrnoException {
        try {
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
        } catch (ErrnoException e) {
            throw e.withContext("pipe", null);
        }
    }

    @Override
    public int poll(PollFd[] fds, int timeoutMillis) throws ErrnoException {
        try {
            proc.checkAlive();
            if (fds == null) {
                throw new ErrnoException(Errno.EFAULT, "poll set is null");
            }
            return Poll.poll(proc.fds(), fds, timeoutMillis, kernel);
        } catch (ErrnoException e) {
            throw e.withContext("poll", null);
        }
    }

    // ---- names ----

    @Override
    public Stat stat(String path) throws ErrnoException {
        try {
            return vfs("stat", path).stat(proc, path, true);
        } catch (ErrnoException e) {
            throw e.withContext("stat", path);
        }
    }

    @Override
    public Stat lstat(String path) throws ErrnoException {
        try {
            return vfs("lstat", path).stat(proc, path, false);
        } catch (ErrnoException e) {
            throw e.withContext("lstat", path);
        }
    }

    @Override
    public void mkdir(String path, int mode) throws ErrnoException {
        try {
            vfs("mkdir", path).mkdir(proc, path, mode & FileMode.ALLPERMS & ~proc.umask());
        } catch (ErrnoException e) {
            throw e.withContext("mkdir", path);
        }
    }

    @Override
    public void rmdir(String path) throws ErrnoException {
        try {
            vfs("rmdir", path).rmdir(proc, path);
        } catch (ErrnoException e) {
            throw e.withContext("rmdir", path);
        }
    }

    @Override
    public void unlink(String path) throws ErrnoException {
        try {
            vfs("unlink", path).unlink(proc, path);
        } catch (ErrnoException e) {
            throw e.withContext("unlink", path);
        }
    }

    @Override
    public void rename(String from, String to) throws ErrnoException {
        try {
            PathCalls v = vfs("rename", from);
            if (to == null) {
                throw new ErrnoException(Errno.EFAULT, "target path is null");
            }
            v.rename(proc, from, to);
        } catch (ErrnoException e) {
            throw e.withContext("rename", from + " -> " + to);
        }
    }

    @Override
    public void link(String existing, String newPath) throws ErrnoException {
        try {
            PathCalls v = vfs("link", existing);
            if (newPath == null) {
                throw new ErrnoException(Errno.EFAULT, "new path is null");
            }
            v.link(proc, existing, newPath);
        } catch (ErrnoException e) {
            throw e.withContext("link", existing + " -> " + newPath);
        }
    }

    @Override
    public void symlink(String target, String linkPath) throws ErrnoException {
        try {
            PathCalls v = vfs("symlink", linkPath);
            if (target == null) {
                throw new ErrnoException(Errno.EFAULT, "target is null");
            }
            v.symlink(proc, target, linkPath);
        } catch (ErrnoException e) {
            throw e.withContext("symlink", linkPath);
        }
    }

    @Override
    public String readlink(String path) throws ErrnoException {
        try {
            return vfs("readlink", path).readlink(proc, path);
        } catch (ErrnoException e) {
            throw e.withContext("readlink", path);
        }
    }

    @Override
    public void chmod(String path, int mode) throws ErrnoException {
        try {
            vfs("chmod", path).chmod(proc, path, mode & FileMode.ALLPERMS);
        } catch (ErrnoException e) {
            throw e.withContext("chmod", path);
        }
    }

    @Override
    public void chown(String path, int uid, int gid) throws ErrnoException {
        try {
            vfs("chown", path).chown(proc, path, uid, gid, true);
        } catch (ErrnoException e) {
            throw e.withContext("chown", path);
        }
    }

    @Override
    public void lchown(String path, int uid, int gid) throws ErrnoException {
        try {
            vfs("lchown", path).chown(proc, path, uid, gid, false);
        } catch (ErrnoException e) {
            throw e.withContext("lchown", path);
        }
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
        try {
            PathCalls v = vfs(call, path);
            if ((atime == null) != (mtime == null)) {
                throw new ErrnoException(Errno.EINVAL, "give both times or neither");
            }
            v.utimes(proc, path, atime, mtime, follow);
        } catch (ErrnoException e) {
            throw e.withContext(call, path);
        }
    }

    @Override
    public void mknod(String path, int mode, long dev) throws ErrnoException {
        try {
            vfs("mknod", path).mknod(proc, path, (mode & FileMode.S_IFMT) | (mode & FileMode.ALLPERMS & ~proc.umask()), dev);
        } catch (ErrnoException e) {
            throw e.withContext("mknod", path);
        }
    }

    @Override
    public void truncate(String path, long length) throws ErrnoException {
        try {
            PathCalls v = vfs("truncate", path);
            if (length < 0) {
                throw new ErrnoException(Errno.EINVAL, "negative length " + length);
            }
            v.truncate(proc, path, length);
        } catch (ErrnoException e) {
            throw e.withContext("truncate", path);
        }
    }

    @Override
    public void access(String path, int mode) throws ErrnoException {
        try {
            PathCalls v = vfs("access", path);
            if ((mode & ~(Fcntl.R_OK | Fcntl.W_OK | Fcntl.X_OK)) != 0) {
                throw new ErrnoException(Errno.EINVAL, "bad mode " + mode);
            }
            v.access(new RealIds(proc.cred().realAsEffective(), proc.cwd()), path, mode);
        } catch (ErrnoException e) {
            throw e.withContext("access", path);
        }
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
        try {
            return vfs(call, path).getxattr(proc, path, name, follow);
        } catch (ErrnoException e) {
            throw e.withContext(call, xattrContext(path, name));
        }
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
        try {
            return vfs(call, path).listxattr(proc, path, follow);
        } catch (ErrnoException e) {
            throw e.withContext(call, path);
        }
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
        try {
            vfs(call, path).setxattr(proc, path, name, value, flags, follow);
        } catch (ErrnoException e) {
            throw e.withContext(call, xattrContext(path, name));
        }
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
        try {
            vfs(call, path).removexattr(proc, path, name, follow);
        } catch (ErrnoException e) {
            throw e.withContext(call, xattrContext(path, name));
        }
    }

    /** What an attribute call's message names: the path and the attribute ({@code /f (user.x)}). */
    private static String xattrContext(String path, String name) {
        return name == null ? path : path + " (" + name + ")";
    }

    @Override
    public StatVfs statvfs(String path) throws ErrnoException {
        try {
            return vfs("statvfs", path).statvfs(proc, path);
        } catch (ErrnoException e) {
            throw e.withContext("statvfs", path);
        }
    }

    @Override
    public List<DirEntry> readdir(String path) throws ErrnoException {
        int fd = open(path, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        try {
            List<DirEntry> all = new ArrayList<>();
            for (List<DirEntry> batch = getdents(fd); !batch.isEmpty(); batch = getdents(fd)) {
                all.addAll(batch);
            }
            return all;
        } catch (ErrnoException e) {
            throw e.withContext("readdir", path);
        } finally {
            close(fd);
        }
    }

    @Override
    public void chdir(String path) throws ErrnoException {
        try {
            proc.chdir(vfs("chdir", path).chdir(proc, path));
        } catch (ErrnoException e) {
            throw e.withContext("chdir", path);
        }
    }

    @Override
    public String getcwd() throws ErrnoException {
        try {
            return vfs("getcwd", "").getcwd(proc.cwd());
        } catch (ErrnoException e) {
            throw e.withContext("getcwd", null);
        }
    }

    @Override
    public int umask(int mask) {
        proc.checkAlive();
        return proc.umask(mask);
    }

    @Override
    public void mount(String source, String target, String fstype, int flags, String data) throws ErrnoException {
        try {
            PathCalls v = vfs("mount", target);
            if (fstype == null) {
                throw new ErrnoException(Errno.EINVAL, "no file system type");
            }
            v.mount(proc, source, target, fstype, flags, data);
        } catch (ErrnoException e) {
            throw e.withContext("mount", target);
        }
    }

    @Override
    public void unmount(String target, int flags) throws ErrnoException {
        try {
            vfs("unmount", target).unmount(proc, target, flags);
        } catch (ErrnoException e) {
            throw e.withContext("unmount", target);
        }
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
        try {
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
        } catch (ErrnoException e) {
            throw e.withContext("socket", null);
        }
    }

    @Override
    public void bind(int fd, InetSocketAddress address) throws ErrnoException {
        try {
            SocketFile s = socketFile(fd);
            checkAddress(address);
            s.bind(address);
        } catch (ErrnoException e) {
            throw e.withContext("bind", fdName(fd));
        }
    }

    @Override
    public void listen(int fd, int backlog) throws ErrnoException {
        try {
            socketFile(fd).listen(backlog);
        } catch (ErrnoException e) {
            throw e.withContext("listen", fdName(fd));
        }
    }

    @Override
    public int accept(int fd) throws ErrnoException {
        try {
            SocketFile conn = socketFile(fd).accept();
            try {
                return proc.fds().install(conn, 0, false);
            } catch (ErrnoException e) {
                kernel.closeQuietly(conn);
                throw e;
            }
        } catch (ErrnoException e) {
            throw e.withContext("accept", fdName(fd));
        }
    }

    @Override
    public void connect(int fd, InetSocketAddress address) throws ErrnoException {
        try {
            SocketFile s = socketFile(fd);
            checkAddress(address);
            s.connect(address);
        } catch (ErrnoException e) {
            throw e.withContext("connect", fdName(fd));
        }
    }

    @Override
    public int send(int fd, ByteBuffer src, int flags) throws ErrnoException {
        try {
            SocketFile s = socketFile(fd);
            checkBuffer(src, false);
            return s.sendto(src, flags, null);
        } catch (ErrnoException e) {
            throw e.withContext("send", fdName(fd));
        }
    }

    @Override
    public int recv(int fd, ByteBuffer dst, int flags) throws ErrnoException {
        try {
            SocketFile s = socketFile(fd);
            checkBuffer(dst, true);
            int before = dst.position();
            s.recvfrom(dst, flags);
            return dst.position() - before;
        } catch (ErrnoException e) {
            throw e.withContext("recv", fdName(fd));
        }
    }

    @Override
    public int sendto(int fd, ByteBuffer src, int flags, InetSocketAddress to) throws ErrnoException {
        try {
            SocketFile s = socketFile(fd);
            checkBuffer(src, false);
            if (to != null) {
                checkAddress(to);
            }
            return s.sendto(src, flags, to);
        } catch (ErrnoException e) {
            throw e.withContext("sendto", fdName(fd));
        }
    }

    @Override
    public InetSocketAddress recvfrom(int fd, ByteBuffer dst, int flags) throws ErrnoException {
        try {
            SocketFile s = socketFile(fd);
            checkBuffer(dst, true);
            return s.recvfrom(dst, flags);
        } catch (ErrnoException e) {
            throw e.withContext("recvfrom", fdName(fd));
        }
    }

    @Override
    public void shutdown(int fd, int how) throws ErrnoException {
        try {
            SocketFile s = socketFile(fd);
            if (how != SocketConstants.SHUT_RD && how != SocketConstants.SHUT_WR && how != SocketConstants.SHUT_RDWR) {
                throw new ErrnoException(Errno.EINVAL, "bad how " + how);
            }
            s.shutdown(how);
        } catch (ErrnoException e) {
            throw e.withContext("shutdown", fdName(fd));
        }
    }

    @Override
    public InetSocketAddress getsockname(int fd) throws ErrnoException {
        try {
            return socketFile(fd).getsockname();
        } catch (ErrnoException e) {
            throw e.withContext("getsockname", fdName(fd));
        }
    }

    @Override
    public InetSocketAddress getpeername(int fd) throws ErrnoException {
        try {
            return socketFile(fd).getpeername();
        } catch (ErrnoException e) {
            throw e.withContext("getpeername", fdName(fd));
        }
    }

    @Override
    public void setsockopt(int fd, int level, int option, int value) throws ErrnoException {
        try {
            socketFile(fd).setsockopt(level, option, value);
        } catch (ErrnoException e) {
            throw e.withContext("setsockopt", fdName(fd));
        }
    }

    @Override
    public int getsockopt(int fd, int level, int option) throws ErrnoException {
        try {
            return socketFile(fd).getsockopt(level, option);
        } catch (ErrnoException e) {
            throw e.withContext("getsockopt", fdName(fd));
        }
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
