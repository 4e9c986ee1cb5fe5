package io.jrump.kern.internal;

import io.jrump.api.DirEntry;
import io.jrump.api.EpollEvent;
import io.jrump.api.ErrnoException;
import io.jrump.api.PollFd;
import io.jrump.api.Stat;
import io.jrump.api.StatVfs;
import io.jrump.api.Syscalls;
import io.jrump.kern.Accounting;
import io.jrump.kern.CpuMeter;
import io.jrump.kern.SocketFile;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

/**
 * The system calls of a process with its kernel's {@link Accounting} around each: the calling
 * thread's time inside is charged to the kernel ({@link CpuMeter}), accepted connections and
 * socket bytes are counted. A decorator rather than code in {@link SyscallLayer}, so a kernel
 * booted with {@code accounting=off} runs the bare layer and pays nothing.
 *
 * <p>The identity calls ({@code getpid}, {@code getuid}... and {@code umask}) read a field of the
 * process and cost less than the clock would: they pass straight through, neither timed nor
 * counted, so the cheapest system call stays as cheap as without accounting.
 *
 * <p>Socket bytes: {@code send}/{@code recv} and their {@code to}/{@code from} forms count
 * always (they fail with ENOTSOCK on anything else); {@code read}/{@code write} count when
 * the descriptor is a socket, asked after the call succeeded.
 */
final class AccountedSyscalls implements Syscalls {
    private final Syscalls sys;
    private final Proc proc;
    private final Accounting acct;

    AccountedSyscalls(Syscalls sys, Proc proc, Accounting acct) {
        this.sys = sys;
        this.proc = proc;
        this.acct = acct;
    }

    private CpuMeter enter() {
        acct.syscall();
        return acct.enter();
    }

    private boolean isSocket(int fd) {
        // a descriptor closed by another thread since counts as no socket: whose bytes they were is unknown
        return proc.fds().peek(fd) instanceof SocketFile;
    }

    @Override
    public int open(String path, int flags, int mode) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.open(path, flags, mode);
        } finally {
            m.exit();
        }
    }

    @Override
    public void close(int fd) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.close(fd);
        } finally {
            m.exit();
        }
    }

    @Override
    public int read(int fd, ByteBuffer dst) throws ErrnoException {
        CpuMeter m = enter();
        try {
            int n = sys.read(fd, dst);
            if (n > 0 && isSocket(fd)) {
                acct.bytesIn(n);
            }
            return n;
        } finally {
            m.exit();
        }
    }

    @Override
    public int write(int fd, ByteBuffer src) throws ErrnoException {
        CpuMeter m = enter();
        try {
            int n = sys.write(fd, src);
            if (n > 0 && isSocket(fd)) {
                acct.bytesOut(n);
            }
            return n;
        } finally {
            m.exit();
        }
    }

    @Override
    public int pread(int fd, ByteBuffer dst, long offset) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.pread(fd, dst, offset);
        } finally {
            m.exit();
        }
    }

    @Override
    public int pwrite(int fd, ByteBuffer src, long offset) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.pwrite(fd, src, offset);
        } finally {
            m.exit();
        }
    }

    @Override
    public long lseek(int fd, long offset, int whence) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.lseek(fd, offset, whence);
        } finally {
            m.exit();
        }
    }

    @Override
    public int dup(int fd) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.dup(fd);
        } finally {
            m.exit();
        }
    }

    @Override
    public int dup2(int oldfd, int newfd) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.dup2(oldfd, newfd);
        } finally {
            m.exit();
        }
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.fcntl(fd, cmd, arg);
        } finally {
            m.exit();
        }
    }

    @Override
    public void fsync(int fd) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.fsync(fd);
        } finally {
            m.exit();
        }
    }

    @Override
    public void ftruncate(int fd, long length) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.ftruncate(fd, length);
        } finally {
            m.exit();
        }
    }

    @Override
    public Stat fstat(int fd) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.fstat(fd);
        } finally {
            m.exit();
        }
    }

    @Override
    public void fchmod(int fd, int mode) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.fchmod(fd, mode);
        } finally {
            m.exit();
        }
    }

    @Override
    public void fchown(int fd, int uid, int gid) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.fchown(fd, uid, gid);
        } finally {
            m.exit();
        }
    }

    @Override
    public List<DirEntry> getdents(int fd) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.getdents(fd);
        } finally {
            m.exit();
        }
    }

    @Override
    public int[] pipe() throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.pipe();
        } finally {
            m.exit();
        }
    }

    @Override
    public int poll(PollFd[] fds, int timeoutMillis) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.poll(fds, timeoutMillis);
        } finally {
            m.exit();
        }
    }

    @Override
    public int epollCreate() throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.epollCreate();
        } finally {
            m.exit();
        }
    }

    @Override
    public void epollCtl(int epfd, int op, int fd, int events, long data) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.epollCtl(epfd, op, fd, events, data);
        } finally {
            m.exit();
        }
    }

    @Override
    public int epollWait(int epfd, EpollEvent[] events, int timeoutMillis) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.epollWait(epfd, events, timeoutMillis);
        } finally {
            m.exit();
        }
    }

    @Override
    public Stat stat(String path) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.stat(path);
        } finally {
            m.exit();
        }
    }

    @Override
    public Stat lstat(String path) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.lstat(path);
        } finally {
            m.exit();
        }
    }

    @Override
    public void mkdir(String path, int mode) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.mkdir(path, mode);
        } finally {
            m.exit();
        }
    }

    @Override
    public void rmdir(String path) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.rmdir(path);
        } finally {
            m.exit();
        }
    }

    @Override
    public void unlink(String path) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.unlink(path);
        } finally {
            m.exit();
        }
    }

    @Override
    public void rename(String from, String to) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.rename(from, to);
        } finally {
            m.exit();
        }
    }

    @Override
    public void link(String existing, String newPath) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.link(existing, newPath);
        } finally {
            m.exit();
        }
    }

    @Override
    public void symlink(String target, String linkPath) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.symlink(target, linkPath);
        } finally {
            m.exit();
        }
    }

    @Override
    public String readlink(String path) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.readlink(path);
        } finally {
            m.exit();
        }
    }

    @Override
    public void chmod(String path, int mode) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.chmod(path, mode);
        } finally {
            m.exit();
        }
    }

    @Override
    public void chown(String path, int uid, int gid) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.chown(path, uid, gid);
        } finally {
            m.exit();
        }
    }

    @Override
    public void lchown(String path, int uid, int gid) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.lchown(path, uid, gid);
        } finally {
            m.exit();
        }
    }

    @Override
    public void mknod(String path, int mode, long dev) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.mknod(path, mode, dev);
        } finally {
            m.exit();
        }
    }

    @Override
    public void utimes(String path, Instant atime, Instant mtime) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.utimes(path, atime, mtime);
        } finally {
            m.exit();
        }
    }

    @Override
    public byte[] getxattr(String path, String name) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.getxattr(path, name);
        } finally {
            m.exit();
        }
    }

    @Override
    public byte[] lgetxattr(String path, String name) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.lgetxattr(path, name);
        } finally {
            m.exit();
        }
    }

    @Override
    public List<String> listxattr(String path) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.listxattr(path);
        } finally {
            m.exit();
        }
    }

    @Override
    public List<String> llistxattr(String path) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.llistxattr(path);
        } finally {
            m.exit();
        }
    }

    @Override
    public void setxattr(String path, String name, byte[] value, int flags) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.setxattr(path, name, value, flags);
        } finally {
            m.exit();
        }
    }

    @Override
    public void lsetxattr(String path, String name, byte[] value, int flags) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.lsetxattr(path, name, value, flags);
        } finally {
            m.exit();
        }
    }

    @Override
    public void removexattr(String path, String name) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.removexattr(path, name);
        } finally {
            m.exit();
        }
    }

    @Override
    public void lremovexattr(String path, String name) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.lremovexattr(path, name);
        } finally {
            m.exit();
        }
    }

    @Override
    public void lutimes(String path, Instant atime, Instant mtime) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.lutimes(path, atime, mtime);
        } finally {
            m.exit();
        }
    }

    @Override
    public void truncate(String path, long length) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.truncate(path, length);
        } finally {
            m.exit();
        }
    }

    @Override
    public void access(String path, int mode) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.access(path, mode);
        } finally {
            m.exit();
        }
    }

    @Override
    public StatVfs statvfs(String path) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.statvfs(path);
        } finally {
            m.exit();
        }
    }

    @Override
    public List<DirEntry> readdir(String path) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.readdir(path);
        } finally {
            m.exit();
        }
    }

    @Override
    public void chdir(String path) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.chdir(path);
        } finally {
            m.exit();
        }
    }

    @Override
    public String getcwd() throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.getcwd();
        } finally {
            m.exit();
        }
    }

    @Override
    public int umask(int mask) {
        return sys.umask(mask); // a field read: neither timed nor counted
    }

    @Override
    public void mount(String source, String target, String fstype, int flags, String data) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.mount(source, target, fstype, flags, data);
        } finally {
            m.exit();
        }
    }

    @Override
    public void unmount(String target, int flags) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.unmount(target, flags);
        } finally {
            m.exit();
        }
    }

    @Override
    public int socket(int domain, int type, int protocol) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.socket(domain, type, protocol);
        } finally {
            m.exit();
        }
    }

    @Override
    public void bind(int fd, InetSocketAddress address) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.bind(fd, address);
        } finally {
            m.exit();
        }
    }

    @Override
    public void listen(int fd, int backlog) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.listen(fd, backlog);
        } finally {
            m.exit();
        }
    }

    @Override
    public int accept(int fd) throws ErrnoException {
        CpuMeter m = enter();
        try {
            int conn = sys.accept(fd);
            acct.request();
            return conn;
        } finally {
            m.exit();
        }
    }

    @Override
    public void connect(int fd, InetSocketAddress address) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.connect(fd, address);
        } finally {
            m.exit();
        }
    }

    @Override
    public int send(int fd, ByteBuffer src, int flags) throws ErrnoException {
        CpuMeter m = enter();
        try {
            int n = sys.send(fd, src, flags);
            acct.bytesOut(n);
            return n;
        } finally {
            m.exit();
        }
    }

    @Override
    public int recv(int fd, ByteBuffer dst, int flags) throws ErrnoException {
        CpuMeter m = enter();
        try {
            int n = sys.recv(fd, dst, flags);
            acct.bytesIn(n);
            return n;
        } finally {
            m.exit();
        }
    }

    @Override
    public int sendto(int fd, ByteBuffer src, int flags, InetSocketAddress to) throws ErrnoException {
        CpuMeter m = enter();
        try {
            int n = sys.sendto(fd, src, flags, to);
            acct.bytesOut(n);
            return n;
        } finally {
            m.exit();
        }
    }

    @Override
    public InetSocketAddress recvfrom(int fd, ByteBuffer dst, int flags) throws ErrnoException {
        CpuMeter m = enter();
        try {
            int before = dst.position();
            InetSocketAddress from = sys.recvfrom(fd, dst, flags);
            acct.bytesIn(dst.position() - before);
            return from;
        } finally {
            m.exit();
        }
    }

    @Override
    public void shutdown(int fd, int how) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.shutdown(fd, how);
        } finally {
            m.exit();
        }
    }

    @Override
    public InetSocketAddress getsockname(int fd) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.getsockname(fd);
        } finally {
            m.exit();
        }
    }

    @Override
    public InetSocketAddress getpeername(int fd) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.getpeername(fd);
        } finally {
            m.exit();
        }
    }

    @Override
    public void setsockopt(int fd, int level, int option, int value) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.setsockopt(fd, level, option, value);
        } finally {
            m.exit();
        }
    }

    @Override
    public int getsockopt(int fd, int level, int option) throws ErrnoException {
        CpuMeter m = enter();
        try {
            return sys.getsockopt(fd, level, option);
        } finally {
            m.exit();
        }
    }

    @Override
    public int getpid() {
        return sys.getpid(); // a field read: neither timed nor counted
    }

    @Override
    public int getppid() {
        return sys.getppid(); // a field read: neither timed nor counted
    }

    @Override
    public int getuid() {
        return sys.getuid(); // a field read: neither timed nor counted
    }

    @Override
    public int geteuid() {
        return sys.geteuid(); // a field read: neither timed nor counted
    }

    @Override
    public int getgid() {
        return sys.getgid(); // a field read: neither timed nor counted
    }

    @Override
    public int getegid() {
        return sys.getegid(); // a field read: neither timed nor counted
    }

    @Override
    public void setuid(int uid) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.setuid(uid);
        } finally {
            m.exit();
        }
    }

    @Override
    public void setgid(int gid) throws ErrnoException {
        CpuMeter m = enter();
        try {
            sys.setgid(gid);
        } finally {
            m.exit();
        }
    }
}
