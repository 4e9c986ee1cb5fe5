package io.jrump.kern.internal;

import io.jrump.api.DirEntry;
import io.jrump.api.EpollEvent;
import io.jrump.api.ErrnoException;
import io.jrump.api.PollFd;
import io.jrump.api.Stat;
import io.jrump.api.StatVfs;
import io.jrump.api.Syscalls;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

/**
 * The system call layer of one process (NetBSD's {@code sys_*} entry points): checks the
 * arguments that do not depend on a file system, resolves descriptors, applies the umask,
 * and hands path names to the VFS. Every error leaves here named with its call and path.
 *
 * <p>The calls are done by four groups, one job each, that this class puts behind the one
 * {@link Syscalls} interface: {@link DescriptorSyscalls} (descriptors, pipes, poll, epoll),
 * {@link NameSyscalls} (path names), {@link SocketSyscalls} (sockets) and
 * {@link IdentitySyscalls} (the process's ids and umask).
 */
final class SyscallLayer implements Syscalls {
    private final DescriptorSyscalls descriptors;
    private final NameSyscalls names;
    private final SocketSyscalls sockets;
    private final IdentitySyscalls identity;

    SyscallLayer(Kernel kernel, Proc proc) {
        this.descriptors = new DescriptorSyscalls(kernel, proc);
        this.names = new NameSyscalls(proc, descriptors);
        this.sockets = new SocketSyscalls(kernel, proc);
        this.identity = new IdentitySyscalls(proc);
    }

    @Override
    public int open(String path, int flags, int mode) throws ErrnoException {
        return descriptors.open(path, flags, mode);
    }

    @Override
    public void close(int fd) throws ErrnoException {
        descriptors.close(fd);
    }

    @Override
    public int read(int fd, ByteBuffer dst) throws ErrnoException {
        return descriptors.read(fd, dst);
    }

    @Override
    public int write(int fd, ByteBuffer src) throws ErrnoException {
        return descriptors.write(fd, src);
    }

    @Override
    public int pread(int fd, ByteBuffer dst, long offset) throws ErrnoException {
        return descriptors.pread(fd, dst, offset);
    }

    @Override
    public int pwrite(int fd, ByteBuffer src, long offset) throws ErrnoException {
        return descriptors.pwrite(fd, src, offset);
    }

    @Override
    public long lseek(int fd, long offset, int whence) throws ErrnoException {
        return descriptors.lseek(fd, offset, whence);
    }

    @Override
    public int dup(int fd) throws ErrnoException {
        return descriptors.dup(fd);
    }

    @Override
    public int dup2(int oldfd, int newfd) throws ErrnoException {
        return descriptors.dup2(oldfd, newfd);
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) throws ErrnoException {
        return descriptors.fcntl(fd, cmd, arg);
    }

    @Override
    public void fsync(int fd) throws ErrnoException {
        descriptors.fsync(fd);
    }

    @Override
    public void ftruncate(int fd, long length) throws ErrnoException {
        descriptors.ftruncate(fd, length);
    }

    @Override
    public Stat fstat(int fd) throws ErrnoException {
        return descriptors.fstat(fd);
    }

    @Override
    public void fchmod(int fd, int mode) throws ErrnoException {
        descriptors.fchmod(fd, mode);
    }

    @Override
    public void fchown(int fd, int uid, int gid) throws ErrnoException {
        descriptors.fchown(fd, uid, gid);
    }

    @Override
    public List<DirEntry> getdents(int fd) throws ErrnoException {
        return descriptors.getdents(fd);
    }

    @Override
    public int[] pipe() throws ErrnoException {
        return descriptors.pipe();
    }

    @Override
    public int poll(PollFd[] fds, int timeoutMillis) throws ErrnoException {
        return descriptors.poll(fds, timeoutMillis);
    }

    @Override
    public int epollCreate() throws ErrnoException {
        return descriptors.epollCreate();
    }

    @Override
    public void epollCtl(int epfd, int op, int fd, int events, long data) throws ErrnoException {
        descriptors.epollCtl(epfd, op, fd, events, data);
    }

    @Override
    public int epollWait(int epfd, EpollEvent[] events, int timeoutMillis) throws ErrnoException {
        return descriptors.epollWait(epfd, events, timeoutMillis);
    }

    @Override
    public Stat stat(String path) throws ErrnoException {
        return names.stat(path);
    }

    @Override
    public Stat lstat(String path) throws ErrnoException {
        return names.lstat(path);
    }

    @Override
    public void mkdir(String path, int mode) throws ErrnoException {
        names.mkdir(path, mode);
    }

    @Override
    public void rmdir(String path) throws ErrnoException {
        names.rmdir(path);
    }

    @Override
    public void unlink(String path) throws ErrnoException {
        names.unlink(path);
    }

    @Override
    public void rename(String from, String to) throws ErrnoException {
        names.rename(from, to);
    }

    @Override
    public void link(String existing, String newPath) throws ErrnoException {
        names.link(existing, newPath);
    }

    @Override
    public void symlink(String target, String linkPath) throws ErrnoException {
        names.symlink(target, linkPath);
    }

    @Override
    public String readlink(String path) throws ErrnoException {
        return names.readlink(path);
    }

    @Override
    public void chmod(String path, int mode) throws ErrnoException {
        names.chmod(path, mode);
    }

    @Override
    public void chown(String path, int uid, int gid) throws ErrnoException {
        names.chown(path, uid, gid);
    }

    @Override
    public void lchown(String path, int uid, int gid) throws ErrnoException {
        names.lchown(path, uid, gid);
    }

    @Override
    public void utimes(String path, Instant atime, Instant mtime) throws ErrnoException {
        names.utimes(path, atime, mtime);
    }

    @Override
    public void lutimes(String path, Instant atime, Instant mtime) throws ErrnoException {
        names.lutimes(path, atime, mtime);
    }

    @Override
    public void mknod(String path, int mode, long dev) throws ErrnoException {
        names.mknod(path, mode, dev);
    }

    @Override
    public void truncate(String path, long length) throws ErrnoException {
        names.truncate(path, length);
    }

    @Override
    public void access(String path, int mode) throws ErrnoException {
        names.access(path, mode);
    }

    @Override
    public byte[] getxattr(String path, String name) throws ErrnoException {
        return names.getxattr(path, name);
    }

    @Override
    public byte[] lgetxattr(String path, String name) throws ErrnoException {
        return names.lgetxattr(path, name);
    }

    @Override
    public List<String> listxattr(String path) throws ErrnoException {
        return names.listxattr(path);
    }

    @Override
    public List<String> llistxattr(String path) throws ErrnoException {
        return names.llistxattr(path);
    }

    @Override
    public void setxattr(String path, String name, byte[] value, int flags) throws ErrnoException {
        names.setxattr(path, name, value, flags);
    }

    @Override
    public void lsetxattr(String path, String name, byte[] value, int flags) throws ErrnoException {
        names.lsetxattr(path, name, value, flags);
    }

    @Override
    public void removexattr(String path, String name) throws ErrnoException {
        names.removexattr(path, name);
    }

    @Override
    public void lremovexattr(String path, String name) throws ErrnoException {
        names.lremovexattr(path, name);
    }

    @Override
    public StatVfs statvfs(String path) throws ErrnoException {
        return names.statvfs(path);
    }

    @Override
    public List<DirEntry> readdir(String path) throws ErrnoException {
        return names.readdir(path);
    }

    @Override
    public void chdir(String path) throws ErrnoException {
        names.chdir(path);
    }

    @Override
    public String getcwd() throws ErrnoException {
        return names.getcwd();
    }

    @Override
    public void mount(String source, String target, String fstype, int flags, String data) throws ErrnoException {
        names.mount(source, target, fstype, flags, data);
    }

    @Override
    public void unmount(String target, int flags) throws ErrnoException {
        names.unmount(target, flags);
    }

    @Override
    public int umask(int mask) {
        return identity.umask(mask);
    }

    @Override
    public int socket(int domain, int type, int protocol) throws ErrnoException {
        return sockets.socket(domain, type, protocol);
    }

    @Override
    public void bind(int fd, InetSocketAddress address) throws ErrnoException {
        sockets.bind(fd, address);
    }

    @Override
    public void listen(int fd, int backlog) throws ErrnoException {
        sockets.listen(fd, backlog);
    }

    @Override
    public int accept(int fd) throws ErrnoException {
        return sockets.accept(fd);
    }

    @Override
    public void connect(int fd, InetSocketAddress address) throws ErrnoException {
        sockets.connect(fd, address);
    }

    @Override
    public int send(int fd, ByteBuffer src, int flags) throws ErrnoException {
        return sockets.send(fd, src, flags);
    }

    @Override
    public int recv(int fd, ByteBuffer dst, int flags) throws ErrnoException {
        return sockets.recv(fd, dst, flags);
    }

    @Override
    public int sendto(int fd, ByteBuffer src, int flags, InetSocketAddress to) throws ErrnoException {
        return sockets.sendto(fd, src, flags, to);
    }

    @Override
    public InetSocketAddress recvfrom(int fd, ByteBuffer dst, int flags) throws ErrnoException {
        return sockets.recvfrom(fd, dst, flags);
    }

    @Override
    public void shutdown(int fd, int how) throws ErrnoException {
        sockets.shutdown(fd, how);
    }

    @Override
    public InetSocketAddress getsockname(int fd) throws ErrnoException {
        return sockets.getsockname(fd);
    }

    @Override
    public InetSocketAddress getpeername(int fd) throws ErrnoException {
        return sockets.getpeername(fd);
    }

    @Override
    public void setsockopt(int fd, int level, int option, int value) throws ErrnoException {
        sockets.setsockopt(fd, level, option, value);
    }

    @Override
    public int getsockopt(int fd, int level, int option) throws ErrnoException {
        return sockets.getsockopt(fd, level, option);
    }

    @Override
    public int getpid() {
        return identity.getpid();
    }

    @Override
    public int getppid() {
        return identity.getppid();
    }

    @Override
    public int getuid() {
        return identity.getuid();
    }

    @Override
    public int geteuid() {
        return identity.geteuid();
    }

    @Override
    public int getgid() {
        return identity.getgid();
    }

    @Override
    public int getegid() {
        return identity.getegid();
    }

    @Override
    public void setuid(int uid) throws ErrnoException {
        identity.setuid(uid);
    }

    @Override
    public void setgid(int gid) throws ErrnoException {
        identity.setgid(gid);
    }
}
