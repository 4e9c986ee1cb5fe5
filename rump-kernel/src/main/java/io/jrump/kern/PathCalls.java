package io.jrump.kern;

import io.jrump.api.ErrnoException;
import io.jrump.api.Stat;
import io.jrump.api.StatVfs;
import java.time.Instant;
import java.util.List;

/**
 * The path-name system calls, as the VFS faction serves them. The base kernel owns
 * descriptors and processes; it hands every call that takes a path to the implementation a
 * component registered under this type (see {@link io.jrump.api.spi.ComponentContext}), and
 * answers ENOSYS when none did, like a rump kernel linked without rumpvfs.
 *
 * <p>Modes given to {@link #open}, {@link #mkdir} and {@link #mknod} already have the umask taken off.
 * Implementations validate paths (empty: ENOENT, NUL: EINVAL, too long: ENAMETOOLONG).
 */
public interface PathCalls extends AutoCloseable {
    /** A new reference to the root directory, the working directory of a new process. */
    DirRef root();

    KFile open(Caller caller, String path, int flags, int mode) throws ErrnoException;

    /** {@code follow} false is {@code lstat}. */
    Stat stat(Caller caller, String path, boolean follow) throws ErrnoException;

    void mkdir(Caller caller, String path, int mode) throws ErrnoException;

    void rmdir(Caller caller, String path) throws ErrnoException;

    void unlink(Caller caller, String path) throws ErrnoException;

    void rename(Caller caller, String from, String to) throws ErrnoException;

    void link(Caller caller, String existing, String newPath) throws ErrnoException;

    void symlink(Caller caller, String target, String linkPath) throws ErrnoException;

    /** {@code mode} has the type bits and the permission bits, the umask already taken off; {@code dev} for device nodes. */
    void mknod(Caller caller, String path, int mode, long dev) throws ErrnoException;

    String readlink(Caller caller, String path) throws ErrnoException;

    void chmod(Caller caller, String path, int mode) throws ErrnoException;

    /** {@code follow} false is {@code lchown}; -1 leaves an id unchanged. */
    void chown(Caller caller, String path, int uid, int gid, boolean follow) throws ErrnoException;

    /** Both {@code null}: now. {@code follow} false is {@code lutimes}. */
    void utimes(Caller caller, String path, Instant atime, Instant mtime, boolean follow) throws ErrnoException;

    void truncate(Caller caller, String path, long length) throws ErrnoException;

    /** The caller's credentials are already the real ids. */
    void access(Caller caller, String path, int mode) throws ErrnoException;

    /** An extended attribute's value; {@code follow} false is {@code lgetxattr}. */
    byte[] getxattr(Caller caller, String path, String name, boolean follow) throws ErrnoException;

    /** The extended attributes' names the caller may see; {@code follow} false is {@code llistxattr}. */
    List<String> listxattr(Caller caller, String path, boolean follow) throws ErrnoException;

    /** {@code flags}: {@link io.jrump.api.XattrFlags}; {@code follow} false is {@code lsetxattr}. */
    void setxattr(Caller caller, String path, String name, byte[] value, int flags, boolean follow) throws ErrnoException;

    /** {@code follow} false is {@code lremovexattr}. */
    void removexattr(Caller caller, String path, String name, boolean follow) throws ErrnoException;

    StatVfs statvfs(Caller caller, String path) throws ErrnoException;

    /** Resolves a directory the caller may search and returns a new reference to it. */
    DirRef chdir(Caller caller, String path) throws ErrnoException;

    /** The absolute path of a working directory; ENOENT when it has been removed. */
    String getcwd(DirRef dir) throws ErrnoException;

    void mount(Caller caller, String source, String target, String fstype, int flags, String data) throws ErrnoException;

    void unmount(Caller caller, String target, int flags) throws ErrnoException;

    /** Kernel shutdown: unmounts everything, writing back what is dirty, even when busy. */
    @Override
    void close();
}
