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
@SuppressWarnings("try") // the meter is closed, not read, inside each call
final class AccountedSyscalls implements Syscalls {
    private final Syscalls sys;
    private final Proc proc;
    private final Accounting acct;

    AccountedSyscalls(Syscalls sys, Proc proc, Accounting acct) {
        this.sys = sys;
        this.proc = proc;
        this.acct = acct;
    }

    /**
     * Counts the call and starts charging the thread's time to the kernel until the meter is
     * closed: every timed call below is one {@code try (CpuMeter m = enter())} around the call
     * of the layer below. Not a helper taking the call as a lambda: the lambda captures the
     * arguments, and on deep calls (a tmpfs {@code pread}) the JIT compiles the helper on its own
     * and then does not inline it, so the lambda escapes and each call allocates it
     * (AccountingBenchmark with {@code -prof gc}: 56 more bytes per {@code pread}). The meter is
     * the thread's own, so this form allocates nothing.
     */
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
        try (CpuMeter m = enter()) {
            return sys.open(path, flags, mode);
        }
    }

    @Override
    public void close(int fd) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.close(fd);
        }
    }

    @Override
    public int read(int fd, ByteBuffer dst) throws ErrnoException {
        try (CpuMeter m = enter()) {
            int n = sys.read(fd, dst);
            if (n > 0 && isSocket(fd)) {
                acct.bytesIn(n);
            }
            return n;
        }
    }

    @Override
    public int write(int fd, ByteBuffer src) throws ErrnoException {
        try (CpuMeter m = enter()) {
            int n = sys.write(fd, src);
            if (n > 0 && isSocket(fd)) {
                acct.bytesOut(n);
            }
            return n;
        }
    }

    @Override
    public int pread(int fd, ByteBuffer dst, long offset) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.pread(fd, dst, offset);
        }
    }

    @Override
    public int pwrite(int fd, ByteBuffer src, long offset) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.pwrite(fd, src, offset);
        }
    }

    @Override
    public long lseek(int fd, long offset, int whence) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.lseek(fd, offset, whence);
        }
    }

    @Override
    public int dup(int fd) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.dup(fd);
        }
    }

    @Override
    public int dup2(int oldfd, int newfd) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.dup2(oldfd, newfd);
        }
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.fcntl(fd, cmd, arg);
        }
    }

    @Override
    public void fsync(int fd) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.fsync(fd);
        }
    }

    @Override
    public void ftruncate(int fd, long length) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.ftruncate(fd, length);
        }
    }

    @Override
    public Stat fstat(int fd) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.fstat(fd);
        }
    }

    @Override
    public void fchmod(int fd, int mode) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.fchmod(fd, mode);
        }
    }

    @Override
    public void fchown(int fd, int uid, int gid) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.fchown(fd, uid, gid);
        }
    }

    @Override
    public List<DirEntry> getdents(int fd) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.getdents(fd);
        }
    }

    @Override
    public int[] pipe() throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.pipe();
        }
    }

    @Override
    public int poll(PollFd[] fds, int timeoutMillis) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.poll(fds, timeoutMillis);
        }
    }

    @Override
    public int epollCreate() throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.epollCreate();
        }
    }

    @Override
    public void epollCtl(int epfd, int op, int fd, int events, long data) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.epollCtl(epfd, op, fd, events, data);
        }
    }

    @Override
    public int epollWait(int epfd, EpollEvent[] events, int timeoutMillis) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.epollWait(epfd, events, timeoutMillis);
        }
    }

    @Override
    public Stat stat(String path) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.stat(path);
        }
    }

    @Override
    public Stat lstat(String path) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.lstat(path);
        }
    }

    @Override
    public void mkdir(String path, int mode) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.mkdir(path, mode);
        }
    }

    @Override
    public void rmdir(String path) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.rmdir(path);
        }
    }

    @Override
    public void unlink(String path) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.unlink(path);
        }
    }

    @Override
    public void rename(String from, String to) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.rename(from, to);
        }
    }

    @Override
    public void link(String existing, String newPath) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.link(existing, newPath);
        }
    }

    @Override
    public void symlink(String target, String linkPath) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.symlink(target, linkPath);
        }
    }

    @Override
    public String readlink(String path) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.readlink(path);
        }
    }

    @Override
    public void chmod(String path, int mode) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.chmod(path, mode);
        }
    }

    @Override
    public void chown(String path, int uid, int gid) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.chown(path, uid, gid);
        }
    }

    @Override
    public void lchown(String path, int uid, int gid) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.lchown(path, uid, gid);
        }
    }

    @Override
    public void mknod(String path, int mode, long dev) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.mknod(path, mode, dev);
        }
    }

    @Override
    public void utimes(String path, Instant atime, Instant mtime) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.utimes(path, atime, mtime);
        }
    }

    @Override
    public byte[] getxattr(String path, String name) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.getxattr(path, name);
        }
    }

    @Override
    public byte[] lgetxattr(String path, String name) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.lgetxattr(path, name);
        }
    }

    @Override
    public List<String> listxattr(String path) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.listxattr(path);
        }
    }

    @Override
    public List<String> llistxattr(String path) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.llistxattr(path);
        }
    }

    @Override
    public void setxattr(String path, String name, byte[] value, int flags) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.setxattr(path, name, value, flags);
        }
    }

    @Override
    public void lsetxattr(String path, String name, byte[] value, int flags) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.lsetxattr(path, name, value, flags);
        }
    }

    @Override
    public void removexattr(String path, String name) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.removexattr(path, name);
        }
    }

    @Override
    public void lremovexattr(String path, String name) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.lremovexattr(path, name);
        }
    }

    @Override
    public void lutimes(String path, Instant atime, Instant mtime) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.lutimes(path, atime, mtime);
        }
    }

    @Override
    public void truncate(String path, long length) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.truncate(path, length);
        }
    }

    @Override
    public void access(String path, int mode) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.access(path, mode);
        }
    }

    @Override
    public StatVfs statvfs(String path) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.statvfs(path);
        }
    }

    @Override
    public List<DirEntry> readdir(String path) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.readdir(path);
        }
    }

    @Override
    public void chdir(String path) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.chdir(path);
        }
    }

    @Override
    public String getcwd() throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.getcwd();
        }
    }

    @Override
    public int umask(int mask) {
        return sys.umask(mask); // a field read: neither timed nor counted
    }

    @Override
    public void mount(String source, String target, String fstype, int flags, String data) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.mount(source, target, fstype, flags, data);
        }
    }

    @Override
    public void unmount(String target, int flags) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.unmount(target, flags);
        }
    }

    @Override
    public int socket(int domain, int type, int protocol) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.socket(domain, type, protocol);
        }
    }

    @Override
    public void bind(int fd, InetSocketAddress address) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.bind(fd, address);
        }
    }

    @Override
    public void listen(int fd, int backlog) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.listen(fd, backlog);
        }
    }

    @Override
    public int accept(int fd) throws ErrnoException {
        try (CpuMeter m = enter()) {
            int conn = sys.accept(fd);
            acct.request();
            return conn;
        }
    }

    @Override
    public void connect(int fd, InetSocketAddress address) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.connect(fd, address);
        }
    }

    @Override
    public int send(int fd, ByteBuffer src, int flags) throws ErrnoException {
        try (CpuMeter m = enter()) {
            int n = sys.send(fd, src, flags);
            acct.bytesOut(n);
            return n;
        }
    }

    @Override
    public int recv(int fd, ByteBuffer dst, int flags) throws ErrnoException {
        try (CpuMeter m = enter()) {
            int n = sys.recv(fd, dst, flags);
            acct.bytesIn(n);
            return n;
        }
    }

    @Override
    public int sendto(int fd, ByteBuffer src, int flags, InetSocketAddress to) throws ErrnoException {
        try (CpuMeter m = enter()) {
            int n = sys.sendto(fd, src, flags, to);
            acct.bytesOut(n);
            return n;
        }
    }

    @Override
    public InetSocketAddress recvfrom(int fd, ByteBuffer dst, int flags) throws ErrnoException {
        try (CpuMeter m = enter()) {
            int before = dst.position();
            InetSocketAddress from = sys.recvfrom(fd, dst, flags);
            acct.bytesIn(dst.position() - before);
            return from;
        }
    }

    @Override
    public void shutdown(int fd, int how) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.shutdown(fd, how);
        }
    }

    @Override
    public InetSocketAddress getsockname(int fd) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.getsockname(fd);
        }
    }

    @Override
    public InetSocketAddress getpeername(int fd) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.getpeername(fd);
        }
    }

    @Override
    public void setsockopt(int fd, int level, int option, int value) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.setsockopt(fd, level, option, value);
        }
    }

    @Override
    public int getsockopt(int fd, int level, int option) throws ErrnoException {
        try (CpuMeter m = enter()) {
            return sys.getsockopt(fd, level, option);
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
        try (CpuMeter m = enter()) {
            sys.setuid(uid);
        }
    }

    @Override
    public void setgid(int gid) throws ErrnoException {
        try (CpuMeter m = enter()) {
            sys.setgid(gid);
        }
    }
}
