package io.jrump.kern.internal;

import static io.jrump.kern.internal.CallNames.call;
import static io.jrump.kern.internal.CallNames.run;

import io.jrump.api.DirEntry;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Fcntl;
import io.jrump.api.FileMode;
import io.jrump.api.OpenFlags;
import io.jrump.api.Stat;
import io.jrump.api.StatVfs;
import io.jrump.kern.Caller;
import io.jrump.kern.Cred;
import io.jrump.kern.DirRef;
import io.jrump.kern.PathCalls;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The system calls of a process that take path names (NetBSD's {@code vfs_syscalls.c}): they
 * check what does not depend on a file system, apply the umask, and hand the path to the VFS
 * ({@link PathCalls}). Part of {@link SyscallLayer}; {@code readdir} reads through the
 * descriptor calls, as a C library's does.
 */
final class NameSyscalls {
    private final Proc proc;
    private final DescriptorSyscalls descriptors;

    NameSyscalls(Proc proc, DescriptorSyscalls descriptors) {
        this.proc = proc;
        this.descriptors = descriptors;
    }

    private PathCalls vfs(String call, String path) throws ErrnoException {
        return CallChecks.vfs(proc, call, path);
    }

    /** A caller with the real ids as effective ones, for access(2). */
    private record RealIds(Cred cred, DirRef cwd) implements Caller {
    }

    Stat stat(String path) throws ErrnoException {
        return call("stat", path, () -> vfs("stat", path).stat(proc, path, true));
    }

    Stat lstat(String path) throws ErrnoException {
        return call("lstat", path, () -> vfs("lstat", path).stat(proc, path, false));
    }

    void mkdir(String path, int mode) throws ErrnoException {
        run("mkdir", path, () -> vfs("mkdir", path).mkdir(proc, path, mode & FileMode.ALLPERMS & ~proc.umask()));
    }

    void rmdir(String path) throws ErrnoException {
        run("rmdir", path, () -> vfs("rmdir", path).rmdir(proc, path));
    }

    void unlink(String path) throws ErrnoException {
        run("unlink", path, () -> vfs("unlink", path).unlink(proc, path));
    }

    void rename(String from, String to) throws ErrnoException {
        run("rename", from + " -> " + to, () -> {
            PathCalls v = vfs("rename", from);
            if (to == null) {
                throw new ErrnoException(Errno.EFAULT, "target path is null");
            }
            v.rename(proc, from, to);
        });
    }

    void link(String existing, String newPath) throws ErrnoException {
        run("link", existing + " -> " + newPath, () -> {
            PathCalls v = vfs("link", existing);
            if (newPath == null) {
                throw new ErrnoException(Errno.EFAULT, "new path is null");
            }
            v.link(proc, existing, newPath);
        });
    }

    void symlink(String target, String linkPath) throws ErrnoException {
        run("symlink", linkPath, () -> {
            PathCalls v = vfs("symlink", linkPath);
            if (target == null) {
                throw new ErrnoException(Errno.EFAULT, "target is null");
            }
            v.symlink(proc, target, linkPath);
        });
    }

    String readlink(String path) throws ErrnoException {
        return call("readlink", path, () -> vfs("readlink", path).readlink(proc, path));
    }

    void chmod(String path, int mode) throws ErrnoException {
        run("chmod", path, () -> vfs("chmod", path).chmod(proc, path, mode & FileMode.ALLPERMS));
    }

    void chown(String path, int uid, int gid) throws ErrnoException {
        run("chown", path, () -> vfs("chown", path).chown(proc, path, uid, gid, true));
    }

    void lchown(String path, int uid, int gid) throws ErrnoException {
        run("lchown", path, () -> vfs("lchown", path).chown(proc, path, uid, gid, false));
    }

    void utimes(String path, Instant atime, Instant mtime) throws ErrnoException {
        utimes("utimes", path, atime, mtime, true);
    }

    void lutimes(String path, Instant atime, Instant mtime) throws ErrnoException {
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

    void mknod(String path, int mode, long dev) throws ErrnoException {
        run("mknod", path, () -> vfs("mknod", path).mknod(proc, path, (mode & FileMode.S_IFMT) | (mode & FileMode.ALLPERMS & ~proc.umask()), dev));
    }

    void truncate(String path, long length) throws ErrnoException {
        run("truncate", path, () -> {
            PathCalls v = vfs("truncate", path);
            if (length < 0) {
                throw new ErrnoException(Errno.EINVAL, "negative length " + length);
            }
            v.truncate(proc, path, length);
        });
    }

    void access(String path, int mode) throws ErrnoException {
        run("access", path, () -> {
            PathCalls v = vfs("access", path);
            if ((mode & ~(Fcntl.R_OK | Fcntl.W_OK | Fcntl.X_OK)) != 0) {
                throw new ErrnoException(Errno.EINVAL, "bad mode " + mode);
            }
            v.access(new RealIds(proc.cred().realAsEffective(), proc.cwd()), path, mode);
        });
    }

    byte[] getxattr(String path, String name) throws ErrnoException {
        return getxattr("getxattr", path, name, true);
    }

    byte[] lgetxattr(String path, String name) throws ErrnoException {
        return getxattr("lgetxattr", path, name, false);
    }

    private byte[] getxattr(String call, String path, String name, boolean follow) throws ErrnoException {
        return call(call, xattrContext(path, name), () -> vfs(call, path).getxattr(proc, path, name, follow));
    }

    List<String> listxattr(String path) throws ErrnoException {
        return listxattr("listxattr", path, true);
    }

    List<String> llistxattr(String path) throws ErrnoException {
        return listxattr("llistxattr", path, false);
    }

    private List<String> listxattr(String call, String path, boolean follow) throws ErrnoException {
        return call(call, path, () -> vfs(call, path).listxattr(proc, path, follow));
    }

    void setxattr(String path, String name, byte[] value, int flags) throws ErrnoException {
        setxattr("setxattr", path, name, value, flags, true);
    }

    void lsetxattr(String path, String name, byte[] value, int flags) throws ErrnoException {
        setxattr("lsetxattr", path, name, value, flags, false);
    }

    private void setxattr(String call, String path, String name, byte[] value, int flags, boolean follow) throws ErrnoException {
        run(call, xattrContext(path, name), () -> vfs(call, path).setxattr(proc, path, name, value, flags, follow));
    }

    void removexattr(String path, String name) throws ErrnoException {
        removexattr("removexattr", path, name, true);
    }

    void lremovexattr(String path, String name) throws ErrnoException {
        removexattr("lremovexattr", path, name, false);
    }

    private void removexattr(String call, String path, String name, boolean follow) throws ErrnoException {
        run(call, xattrContext(path, name), () -> vfs(call, path).removexattr(proc, path, name, follow));
    }

    /** What an attribute call's message names: the path and the attribute ({@code /f (user.x)}). */
    private static String xattrContext(String path, String name) {
        return name == null ? path : path + " (" + name + ")";
    }

    StatVfs statvfs(String path) throws ErrnoException {
        return call("statvfs", path, () -> vfs("statvfs", path).statvfs(proc, path));
    }

    List<DirEntry> readdir(String path) throws ErrnoException {
        int fd = descriptors.open(path, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY, 0);
        try {
            return call("readdir", path, () -> {
                List<DirEntry> all = new ArrayList<>();
                for (List<DirEntry> batch = descriptors.getdents(fd); !batch.isEmpty(); batch = descriptors.getdents(fd)) {
                    all.addAll(batch);
                }
                return all;
            });
        } finally {
            descriptors.close(fd);
        }
    }

    void chdir(String path) throws ErrnoException {
        run("chdir", path, () -> proc.chdir(vfs("chdir", path).chdir(proc, path)));
    }

    String getcwd() throws ErrnoException {
        return call("getcwd", null, () -> vfs("getcwd", "").getcwd(proc.cwd()));
    }

    void mount(String source, String target, String fstype, int flags, String data) throws ErrnoException {
        run("mount", target, () -> {
            PathCalls v = vfs("mount", target);
            if (fstype == null) {
                throw new ErrnoException(Errno.EINVAL, "no file system type");
            }
            v.mount(proc, source, target, fstype, flags, data);
        });
    }

    void unmount(String target, int flags) throws ErrnoException {
        run("unmount", target, () -> vfs("unmount", target).unmount(proc, target, flags));
    }
}
