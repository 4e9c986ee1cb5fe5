package io.jrump.api;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

/**
 * The system call layer of one process of a kernel. Names and argument order follow POSIX;
 * data moves through {@link ByteBuffer}s (from their position to their limit, advancing the
 * position by what was transferred); results that C returns in a struct come back as records.
 * Every failure is an {@link ErrnoException} naming the call and path; a call on a closed
 * kernel or an exited process throws {@link KernelClosedException}.
 *
 * <p>Calls run on the caller's thread; one instance may be used by many threads at once.
 */
public interface Syscalls {

    // ---- files and descriptors ----

    /** Opens or creates a file and returns the lowest free descriptor. {@code mode} is used with {@code O_CREAT}, less the umask. */
    int open(String path, int flags, int mode) throws ErrnoException;

    default int open(String path, int flags) throws ErrnoException {
        return open(path, flags, 0);
    }

    void close(int fd) throws ErrnoException;

    /** Reads at the descriptor's offset; returns the bytes read, 0 at end of file. */
    int read(int fd, ByteBuffer dst) throws ErrnoException;

    int write(int fd, ByteBuffer src) throws ErrnoException;

    /** Reads at {@code offset} without moving the descriptor's offset. */
    int pread(int fd, ByteBuffer dst, long offset) throws ErrnoException;

    int pwrite(int fd, ByteBuffer src, long offset) throws ErrnoException;

    /** {@code whence} is one of {@link Fcntl#SEEK_SET}, {@code SEEK_CUR}, {@code SEEK_END}. */
    long lseek(int fd, long offset, int whence) throws ErrnoException;

    int dup(int fd) throws ErrnoException;

    int dup2(int oldfd, int newfd) throws ErrnoException;

    /** F_GETFD, F_SETFD, F_GETFL, F_SETFL (only O_APPEND and O_NONBLOCK change) and F_DUPFD. */
    int fcntl(int fd, int cmd, int arg) throws ErrnoException;

    void fsync(int fd) throws ErrnoException;

    void ftruncate(int fd, long length) throws ErrnoException;

    Stat fstat(int fd) throws ErrnoException;

    void fchmod(int fd, int mode) throws ErrnoException;

    void fchown(int fd, int uid, int gid) throws ErrnoException;

    /**
     * Reads the next entries of an open directory (including "." and ".."); an empty list
     * means the end. The descriptor's offset remembers where the next call goes on.
     */
    List<DirEntry> getdents(int fd) throws ErrnoException;

    /** Returns {@code {readFd, writeFd}}. */
    int[] pipe() throws ErrnoException;

    /**
     * Waits until one of the descriptors is ready, sets each entry's {@code revents} and
     * returns how many entries have a non-zero {@code revents}; 0 on time-out. A negative
     * timeout waits for ever.
     */
    int poll(PollFd[] fds, int timeoutMillis) throws ErrnoException;

    /**
     * {@code epoll_create}: a descriptor for a readiness set that stays registered between
     * waits, so a wait costs time in the entries that became ready, not in the registered ones
     * (what {@link #poll} cannot give). Level-triggered only.
     */
    int epollCreate() throws ErrnoException;

    /**
     * {@code epoll_ctl}: {@link EpollEvent#EPOLL_CTL_ADD}, {@code _MOD} or {@code _DEL} the
     * descriptor {@code fd} with the {@link PollFd} {@code events} to watch and {@code data} to
     * report with them (ignored for DEL). EEXIST, ENOENT, EINVAL (an epoll descriptor itself, or
     * {@code fd == epfd}) and EBADF as on Linux. An entry goes away by itself once its descriptor
     * no longer names the file it was added with (closed, or reused).
     */
    void epollCtl(int epfd, int op, int fd, int events, long data) throws ErrnoException;

    /**
     * {@code epoll_wait}: waits until an entry is ready, fills {@code events} from index 0 and
     * returns how many; 0 on time-out; a negative timeout waits for ever. POLLERR and POLLHUP
     * are reported whether asked for or not. An interrupted wait fails with EINTR and keeps the
     * thread's interrupt status.
     */
    int epollWait(int epfd, EpollEvent[] events, int timeoutMillis) throws ErrnoException;

    // ---- names ----

    Stat stat(String path) throws ErrnoException;

    Stat lstat(String path) throws ErrnoException;

    void mkdir(String path, int mode) throws ErrnoException;

    void rmdir(String path) throws ErrnoException;

    void unlink(String path) throws ErrnoException;

    void rename(String from, String to) throws ErrnoException;

    void link(String existing, String newPath) throws ErrnoException;

    void symlink(String target, String linkPath) throws ErrnoException;

    String readlink(String path) throws ErrnoException;

    void chmod(String path, int mode) throws ErrnoException;

    void chown(String path, int uid, int gid) throws ErrnoException;

    void lchown(String path, int uid, int gid) throws ErrnoException;

    /**
     * Makes a node of the type in {@code mode}'s {@code S_IFMT} bits — a FIFO, a socket, a
     * character or block device (root only: EPERM), or a regular file (type 0 too) — with
     * {@code mode}'s permission bits less the umask. {@code dev}, a {@link DeviceNumber}, is
     * the device of a device node and ignored otherwise. Directories need {@link #mkdir} (EPERM),
     * symbolic links {@link #symlink} (EINVAL), as on Linux.
     */
    void mknod(String path, int mode, long dev) throws ErrnoException;

    /** {@link #mknod} of a FIFO. */
    default void mkfifo(String path, int mode) throws ErrnoException {
        mknod(path, FileMode.S_IFIFO | (mode & FileMode.ALLPERMS), 0);
    }

    /**
     * Sets access and modification times; {@code null} for both means "now" (like
     * {@code utimes(path, NULL)}). Instants carry any date; a file system keeps what it can
     * hold and clamps the rest, as Linux does (ext2 with 128-byte inodes: 1901..2038, larger
     * inodes: 1901..2446).
     */
    void utimes(String path, Instant atime, Instant mtime) throws ErrnoException;

    /** {@link #utimes} of a symbolic link itself, not what it points to (lutimes). */
    void lutimes(String path, Instant atime, Instant mtime) throws ErrnoException;

    void truncate(String path, long length) throws ErrnoException;

    /** {@code mode} is {@link Fcntl#F_OK} or an or of {@code R_OK}, {@code W_OK}, {@code X_OK}; checked with the real ids. */
    void access(String path, int mode) throws ErrnoException;

    // ---- extended attributes (names and flags: XattrFlags) ----

    /**
     * The value of the extended attribute {@code name} ("user.comment") of the file at
     * {@code path}, following a final symbolic link. ENODATA when it has none of that name (or
     * the caller may not see it: {@code trusted.*} for others than root), EOPNOTSUPP for an
     * unknown namespace or a file system without attributes, ERANGE for a name longer than
     * {@link XattrFlags#XATTR_NAME_MAX} bytes. Values are whole arrays: at most 64 KiB.
     */
    byte[] getxattr(String path, String name) throws ErrnoException;

    /** {@link #getxattr} of a symbolic link itself. */
    byte[] lgetxattr(String path, String name) throws ErrnoException;

    /** The full names of the file's extended attributes that the caller may see ({@code trusted.*} only for root). */
    List<String> listxattr(String path) throws ErrnoException;

    /** {@link #listxattr} of a symbolic link itself. */
    List<String> llistxattr(String path) throws ErrnoException;

    /**
     * Sets an extended attribute. {@code flags}: 0, {@link XattrFlags#XATTR_CREATE} (EEXIST when
     * it exists) or {@link XattrFlags#XATTR_REPLACE} (ENODATA when it does not). As on Linux:
     * {@code user.*} needs write permission and exists only on regular files and directories
     * (EPERM), {@code trusted.*} and {@code security.*} need root (EPERM); E2BIG for a value over
     * {@link XattrFlags#XATTR_SIZE_MAX}, ENOSPC when the file system has no room for it.
     */
    void setxattr(String path, String name, byte[] value, int flags) throws ErrnoException;

    /** {@link #setxattr} on a symbolic link itself. */
    void lsetxattr(String path, String name, byte[] value, int flags) throws ErrnoException;

    /** Removes an extended attribute; ENODATA when absent. Permissions as for {@link #setxattr}. */
    void removexattr(String path, String name) throws ErrnoException;

    /** {@link #removexattr} on a symbolic link itself. */
    void lremovexattr(String path, String name) throws ErrnoException;

    StatVfs statvfs(String path) throws ErrnoException;

    /** Opens a directory, reads all its entries (with "." and "..") and closes it. */
    List<DirEntry> readdir(String path) throws ErrnoException;

    void chdir(String path) throws ErrnoException;

    String getcwd() throws ErrnoException;

    /** Sets the file mode creation mask and returns the previous one. */
    int umask(int mask);

    /**
     * Mounts a file system of type {@code fstype} on the directory {@code target}. {@code source}
     * names a block device of the platform (or anything for a memory file system);
     * {@code data} holds comma-separated options ("size=1m"), or is {@code null}.
     */
    void mount(String source, String target, String fstype, int flags, String data) throws ErrnoException;

    void unmount(String target, int flags) throws ErrnoException;

    // ---- sockets (constants in SocketConstants; answered with EAFNOSUPPORT without the network component) ----

    /** {@code type} may carry {@code SOCK_NONBLOCK} and {@code SOCK_CLOEXEC}. */
    int socket(int domain, int type, int protocol) throws ErrnoException;

    void bind(int fd, InetSocketAddress address) throws ErrnoException;

    void listen(int fd, int backlog) throws ErrnoException;

    /** Returns the descriptor of the accepted connection; {@link #getpeername} tells who it is. */
    int accept(int fd) throws ErrnoException;

    void connect(int fd, InetSocketAddress address) throws ErrnoException;

    int send(int fd, ByteBuffer src, int flags) throws ErrnoException;

    int recv(int fd, ByteBuffer dst, int flags) throws ErrnoException;

    int sendto(int fd, ByteBuffer src, int flags, InetSocketAddress to) throws ErrnoException;

    /** Receives into {@code dst} (advancing its position) and returns the sender, or {@code null} when the socket has no addresses per message. */
    InetSocketAddress recvfrom(int fd, ByteBuffer dst, int flags) throws ErrnoException;

    void shutdown(int fd, int how) throws ErrnoException;

    InetSocketAddress getsockname(int fd) throws ErrnoException;

    InetSocketAddress getpeername(int fd) throws ErrnoException;

    void setsockopt(int fd, int level, int option, int value) throws ErrnoException;

    int getsockopt(int fd, int level, int option) throws ErrnoException;

    // ---- process ----

    int getpid();

    int getppid();

    int getuid();

    int geteuid();

    int getgid();

    int getegid();

    void setuid(int uid) throws ErrnoException;

    void setgid(int gid) throws ErrnoException;
}
