package io.jrump.cli;

import io.jrump.api.DirEntry;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.Stat;
import io.jrump.api.StatVfs;
import io.jrump.api.Syscalls;
import io.jrump.fs.nio.MountedImage;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A file system in an image, reached through its kernel's system calls; the image is the
 * kernel's root, so a path in the image is the kernel's path. Errors are renamed on the way
 * out: the kernel names its own paths ({@code /etc}), the user wrote {@code disk.img:/etc},
 * and that is what a message must say.
 */
final class ImageSide implements FileSide {
    /** A system call on a path of this image. */
    @FunctionalInterface
    interface Call<T> {
        T run(Syscalls sys, String kernelPath) throws ErrnoException;
    }

    private static final Comparator<DirEntry> BY_NAME = Comparator.comparing(DirEntry::name);

    private final MountedImage image;
    private final String name;
    private final Syscalls sys;

    ImageSide(MountedImage image) {
        this.image = image;
        this.name = image.name();
        this.sys = image.sys();
    }

    /**
     * The files of a kernel booted elsewhere (as {@code rump serve} fills a tmpfs from a host
     * directory): {@code name} is how messages show it, {@code sys} makes the calls.
     */
    ImageSide(String name, Syscalls sys) {
        this.image = null;
        this.name = name;
        this.sys = sys;
    }

    /** The kernel path of {@code inner}, a path of this side: the image is the kernel's root. */
    private static String kernelPath(String inner) {
        return inner.startsWith("/") ? inner : "/" + inner;
    }

    /** The mounted image, or {@code null} for a side made from a kernel's calls. */
    MountedImage image() {
        return image;
    }

    /** A system call on a path of this image that returns nothing. */
    @FunctionalInterface
    interface VoidCall {
        void run(Syscalls sys, String kernelPath) throws ErrnoException;
    }

    /** Runs {@code call} on {@code path}, naming the call and the user's path when it fails. */
    <T> T call(String name, String path, Call<T> call) throws ErrnoException {
        try {
            return call.run(sys, kernelPath(path));
        } catch (ErrnoException e) {
            throw named(name, path, e);
        }
    }

    /** {@code e} as the call {@code name} on the user's {@code path}. */
    private ErrnoException named(String name, String path, ErrnoException e) {
        ErrnoException named = new ErrnoException(e.errno(), name, display(path), e.detail());
        named.initCause(e);
        return named;
    }

    /** {@link #call} for calls that return nothing. */
    void run(String name, String path, VoidCall call) throws ErrnoException {
        call(name, path, (sys, k) -> {
            call.run(sys, k);
            return null;
        });
    }

    @Override
    public String display(String path) {
        return name + ":" + path;
    }

    @Override
    public boolean sameFiles(FileSide other) {
        return other instanceof ImageSide i && i.sys == sys;
    }

    @Override
    public Stat stat(String path) throws ErrnoException {
        return call("stat", path, Syscalls::stat);
    }

    @Override
    public Stat lstat(String path) throws ErrnoException {
        return call("lstat", path, Syscalls::lstat);
    }

    @Override
    public boolean exists(String path) throws ErrnoException {
        try {
            sys.lstat(kernelPath(path));
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            return call("lstat", path, Syscalls::lstat) != null;
        }
    }

    @Override
    public List<String> list(String dir) throws ErrnoException {
        return entries(dir).stream().map(DirEntry::name).toList();
    }

    /** The kernel's getdents entries, with the types the file system keeps in them (ext2's filetype feature). */
    @Override
    public List<DirEntry> entries(String dir) throws ErrnoException {
        List<DirEntry> all = new ArrayList<>(call("readdir", dir, Syscalls::readdir));
        all.removeIf(e -> e.name().equals(".") || e.name().equals(".."));
        all.sort(BY_NAME);
        return all;
    }

    /**
     * One open with O_NOFOLLOW (and O_NONBLOCK, so that a FIFO an entry's type misnames does not
     * wait for a writer) and an fstat: one name lookup. Null also when the open fails.
     */
    @Override
    public OpenFile openFile(String path) throws ErrnoException {
        int fd;
        try {
            fd = sys.open(kernelPath(path), OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW | OpenFlags.O_NONBLOCK);
        } catch (ErrnoException e) {
            // ELOOP: a symbolic link; anything else (a device node an entry misnames, EACCES): the
            // caller stats the name and goes the way of any other file, which reports what fails
            return null;
        }
        Stat st;
        try {
            st = sys.fstat(fd);
        } catch (ErrnoException e) {
            try {
                sys.close(fd);
            } catch (ErrnoException again) {
                e.addSuppressed(again);
            }
            throw named("fstat", path, e);
        }
        if (!st.isRegularFile()) {
            run("close", path, (sys, k) -> sys.close(fd));
            return null;
        }
        InputStream in = stream(fd, path);
        return new OpenFile(st, in, () -> run("close", path, (sys, k) -> sys.close(fd))); // what closing the stream does
    }

    @Override
    public InputStream openRead(String path) throws ErrnoException {
        return stream(call("open", path, (sys, k) -> sys.open(k, OpenFlags.O_RDONLY)), path);
    }

    /** The data of the open file {@code fd}, named {@code path} in messages; closing the stream closes it. */
    private InputStream stream(int fd, String path) {
        return new InputStream() {
            private final ByteBuffer one = ByteBuffer.allocate(1);

            @Override
            public int read() throws ErrnoException {
                one.clear();
                return read(one.array(), 0, 1) < 0 ? -1 : one.get(0) & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws ErrnoException {
                if (len == 0) {
                    return 0;
                }
                int n = call("read", path, (sys, k) -> sys.read(fd, ByteBuffer.wrap(b, off, len)));
                return n == 0 ? -1 : n;
            }

            @Override
            public void close() throws ErrnoException {
                run("close", path, (sys, k) -> sys.close(fd));
            }
        };
    }

    @Override
    public OutputStream create(String path, int mode) throws ErrnoException {
        int fd = call("open", path, (sys, k) -> sys.open(k, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC, mode));
        return new OutputStream() {
            @Override
            public void write(int b) throws ErrnoException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws ErrnoException {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    call("write", path, (sys, k) -> sys.write(fd, buf));
                }
            }

            @Override
            public void close() throws ErrnoException {
                run("close", path, (sys, k) -> sys.close(fd));
            }
        };
    }

    @Override
    public void mkdir(String path, int mode) throws ErrnoException {
        run("mkdir", path, (sys, k) -> sys.mkdir(k, mode));
    }

    /** The kernel's umask, read by setting it and setting it back: a command's kernel serves one command. */
    @Override
    public int umask() {
        int old = sys.umask(0);
        sys.umask(old);
        return old;
    }

    @Override
    public String readlink(String path) throws ErrnoException {
        return call("readlink", path, Syscalls::readlink);
    }

    @Override
    public void symlink(String target, String path) throws ErrnoException {
        run("symlink", path, (sys, k) -> sys.symlink(target, k));
    }

    @Override
    public void chmod(String path, int mode) throws ErrnoException {
        run("chmod", path, (sys, k) -> sys.chmod(k, mode));
    }

    @Override
    public void utimes(String path, Instant atime, Instant mtime, boolean follow) throws ErrnoException {
        if (follow) {
            run("utimes", path, (sys, k) -> sys.utimes(k, atime, mtime));
        } else {
            run("lutimes", path, (sys, k) -> sys.lutimes(k, atime, mtime));
        }
    }

    @Override
    public void link(String existing, String path) throws ErrnoException {
        run("link", path, (sys, k) -> sys.link(kernelPath(existing), k));
    }

    @Override
    public void mknod(String path, int mode, long rdev) throws ErrnoException {
        run("mknod", path, (sys, k) -> sys.mknod(k, mode, rdev));
    }

    @Override
    public void lchown(String path, int uid, int gid) throws ErrnoException {
        run("lchown", path, (sys, k) -> sys.lchown(k, uid, gid));
    }

    StatVfs statvfs() throws ErrnoException {
        return call("statvfs", "/", Syscalls::statvfs);
    }

    @Override
    public List<String> listxattr(String path) throws ErrnoException {
        return listxattr(path, false);
    }

    /** The names of {@code path}'s extended attributes, following a last link when {@code follow}. */
    List<String> listxattr(String path, boolean follow) throws ErrnoException {
        return follow ? call("listxattr", path, Syscalls::listxattr) : call("llistxattr", path, Syscalls::llistxattr);
    }

    @Override
    public byte[] getxattr(String path, String name) throws ErrnoException {
        return getxattr(path, name, false);
    }

    /** An extended attribute's value, following a last link when {@code follow}. */
    byte[] getxattr(String path, String name, boolean follow) throws ErrnoException {
        return xattrCall(follow ? "getxattr" : "lgetxattr", path, name,
                (sys, k) -> follow ? sys.getxattr(k, name) : sys.lgetxattr(k, name));
    }

    @Override
    public void setxattr(String path, String name, byte[] value) throws ErrnoException {
        setxattr(path, name, value, false);
    }

    /** Sets an extended attribute, following a last link when {@code follow}. */
    void setxattr(String path, String name, byte[] value, boolean follow) throws ErrnoException {
        xattrCall(follow ? "setxattr" : "lsetxattr", path, name, (sys, k) -> {
            if (follow) {
                sys.setxattr(k, name, value, 0);
            } else {
                sys.lsetxattr(k, name, value, 0);
            }
            return null;
        });
    }

    /** Removes an extended attribute, following a last link when {@code follow}. */
    void removexattr(String path, String name, boolean follow) throws ErrnoException {
        xattrCall(follow ? "removexattr" : "lremovexattr", path, name, (sys, k) -> {
            if (follow) {
                sys.removexattr(k, name);
            } else {
                sys.lremovexattr(k, name);
            }
            return null;
        });
    }

    /** {@link #call} naming the attribute too: {@code setxattr disk.img:/f (user.x): ENOSPC ...}. */
    private <T> T xattrCall(String name, String path, String attr, Call<T> call) throws ErrnoException {
        try {
            return call.run(image.sys(), image.path(path));
        } catch (ErrnoException e) {
            ErrnoException named = new ErrnoException(e.errno(), name, display(path) + " (" + attr + ")", e.detail());
            named.initCause(e);
            throw named;
        }
    }
}
