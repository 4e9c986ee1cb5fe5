package io.jrump.cli;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.Stat;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The host's file system as one end of a copy, through {@code java.nio.file}. Host errors are
 * turned into errnos (the reverse of what the JDK's Unix provider does), so a failed copy
 * reports the same way whichever side failed.
 */
final class HostSide implements FileSide {
    private static final String USER = "user.";
    private static final String UMASK_LINE = "Umask:";
    /** What {@link #create} opens with: O_WRONLY | O_CREAT | O_TRUNC. */
    private static final Set<OpenOption> CREATE_OR_TRUNCATE = Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING);

    /** The umask, read once ({@link #umask()}); -1 until then. */
    private int umask = -1;

    @Override
    public String display(String path) {
        return path;
    }

    @Override
    public boolean sameFiles(FileSide other) {
        return other instanceof HostSide;
    }

    @Override
    public Stat stat(String path) throws ErrnoException {
        return stat(path, new LinkOption[0]);
    }

    @Override
    public Stat lstat(String path) throws ErrnoException {
        return stat(path, LinkOption.NOFOLLOW_LINKS);
    }

    private Stat stat(String path, LinkOption... opts) throws ErrnoException {
        try {
            Map<String, Object> a = Files.readAttributes(Path.of(path), "unix:*", opts);
            return new Stat((Long) a.get("dev"), (Long) a.get("ino"), (Integer) a.get("mode"), (Integer) a.get("nlink"),
                    (Integer) a.get("uid"), (Integer) a.get("gid"), (Long) a.get("rdev"), (Long) a.get("size"), 4096, 0,
                    ((FileTime) a.get("lastAccessTime")).toInstant(), ((FileTime) a.get("lastModifiedTime")).toInstant(),
                    ((FileTime) a.get("ctime")).toInstant());
        } catch (IOException e) {
            throw errno("stat", path, e);
        }
    }

    @Override
    public boolean exists(String path) {
        return Files.exists(Path.of(path), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public List<String> list(String dir) throws ErrnoException {
        try (Stream<Path> s = Files.list(Path.of(dir))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw errno("readdir", dir, e);
        }
    }

    @Override
    public InputStream openRead(String path) throws ErrnoException {
        try {
            return Files.newInputStream(Path.of(path));
        } catch (IOException e) {
            throw errno("open", path, e);
        }
    }

    /** One open(2) with O_CREAT and the mode, as cp makes a file: no chmod after it (the host applies its umask). */
    @Override
    public OutputStream create(String path, int mode) throws ErrnoException {
        try {
            return Channels.newOutputStream(Files.newByteChannel(Path.of(path), CREATE_OR_TRUNCATE,
                    PosixFilePermissions.asFileAttribute(permissions(mode))));
        } catch (IOException e) {
            throw errno("open", path, e);
        }
    }

    /** One mkdir(2) with the mode, less the host's umask; set-id and sticky bits are left to {@link #chmod}. */
    @Override
    public void mkdir(String path, int mode) throws ErrnoException {
        try {
            Files.createDirectory(Path.of(path), PosixFilePermissions.asFileAttribute(permissions(mode)));
        } catch (IOException e) {
            throw errno("mkdir", path, e);
        }
    }

    /**
     * The host's umask, as this process's {@code /proc/self/status} says (Linux 4.7 and later);
     * where there is no such line, found by making a directory with mode 0777 in the temporary
     * directory and seeing which bits the host took off.
     */
    @Override
    public int umask() throws ErrnoException {
        int u = umask;
        if (u < 0) {
            u = umask = readUmask();
        }
        return u;
    }

    private static int readUmask() throws ErrnoException {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(UMASK_LINE)) {
                    return Integer.parseInt(line.substring(UMASK_LINE.length()).trim(), 8) & FileMode.ALLPERMS;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no /proc here: probe below
        }
        Path probe = null;
        try {
            probe = Files.createTempDirectory("jrump-umask", PosixFilePermissions.asFileAttribute(permissions(0777)));
            int made = (Integer) Files.getAttribute(probe, "unix:mode");
            return ~made & 0777;
        } catch (IOException | UnsupportedOperationException e) {
            throw errno("umask", "/proc/self/status", e instanceof IOException io ? io : new IOException(e));
        } finally {
            if (probe != null) {
                try {
                    Files.delete(probe);
                } catch (IOException e) {
                    // a probe left in the temporary directory harms nothing
                }
            }
        }
    }

    @Override
    public String readlink(String path) throws ErrnoException {
        try {
            return Files.readSymbolicLink(Path.of(path)).toString();
        } catch (IOException e) {
            throw errno("readlink", path, e);
        }
    }

    @Override
    public void symlink(String target, String path) throws ErrnoException {
        try {
            Files.createSymbolicLink(Path.of(path), Path.of(target));
        } catch (IOException e) {
            throw errno("symlink", path, e);
        }
    }

    /** The read, write and execute bits of {@code mode} as the JDK names them (it has no names for set-id and sticky). */
    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = PosixFilePermission.values();
        for (int i = 0; i < all.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                perms.add(all[i]);
            }
        }
        return perms;
    }

    @Override
    public void chmod(String path, int mode) throws ErrnoException {
        try {
            Files.setPosixFilePermissions(Path.of(path), permissions(mode));
            if ((mode & (FileMode.S_ISUID | FileMode.S_ISGID | FileMode.S_ISVTX)) != 0) {
                Files.setAttribute(Path.of(path), "unix:mode", mode & FileMode.ALLPERMS);
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw errno("chmod", path, e instanceof IOException io ? io : new IOException(e));
        }
    }

    /**
     * Times the JDK would change (before 1970, after 2262), the times of FIFOs, sockets and
     * devices (the JDK opens a file to set its times, and opening a FIFO waits for a writer)
     * and of symbolic links (the JDK's lutimes keeps microseconds) are set with
     * {@link HostNodes#touch}.
     */
    @Override
    public void utimes(String path, Instant atime, Instant mtime, boolean follow) throws ErrnoException {
        LinkOption[] opts = follow ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
        try {
            java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(Path.of(path), java.nio.file.attribute.BasicFileAttributes.class, opts);
            boolean special = a.isOther() || a.isSymbolicLink(); // a link's times go through lutimes(3), in microseconds
            if (special || !HostNodes.jdkCanSet(atime) || !HostNodes.jdkCanSet(mtime)) {
                HostNodes.touch(path, atime, mtime, follow);
                return;
            }
            Files.getFileAttributeView(Path.of(path), java.nio.file.attribute.BasicFileAttributeView.class, opts)
                    .setTimes(FileTime.from(mtime), FileTime.from(atime), null);
        } catch (IOException e) {
            throw errno(follow ? "utimes" : "lutimes", path, e);
        }
    }

    @Override
    public void link(String existing, String path) throws ErrnoException {
        try {
            Files.createLink(Path.of(path), Path.of(existing));
        } catch (IOException e) {
            throw errno("link", path, e);
        }
    }

    @Override
    public void mknod(String path, int mode, long rdev) throws ErrnoException {
        HostNodes.mknod(path, mode, rdev);
    }

    /** Through the JDK's {@code unix} view, which calls lchown(2) without following links. */
    @Override
    public void lchown(String path, int uid, int gid) throws ErrnoException {
        try {
            Files.setAttribute(Path.of(path), "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(Path.of(path), "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            throw errno("lchown", path, e instanceof IOException io ? io : new IOException(e));
        }
    }

    /** The errno whose text the JDK put in a FileSystemException's reason (it passes on strerror's), else EIO. */
    private static Errno byReason(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            for (Errno n : Errno.values()) {
                if (f.getReason().equals(n.description())) {
                    return n;
                }
            }
        }
        return Errno.EIO;
    }

    /** The errno a host exception stands for, with the call and path named. */
    /**
     * The JDK's {@code user} view of a regular file or directory, null for anything else:
     * user.* exists on those only, and the view opens the file, which would block on a FIFO.
     */
    private static UserDefinedFileAttributeView userView(String path) {
        Path p = Path.of(path);
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        return Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public List<String> listxattr(String path) throws ErrnoException {
        UserDefinedFileAttributeView v = userView(path);
        if (v == null) {
            return List.of();
        }
        try {
            return v.list().stream().map(n -> USER + n).toList();
        } catch (IOException e) {
            throw errno("listxattr", path, e);
        }
    }

    @Override
    public byte[] getxattr(String path, String name) throws ErrnoException {
        UserDefinedFileAttributeView v = userView(path);
        if (v == null || !name.startsWith(USER)) {
            throw new ErrnoException(Errno.EOPNOTSUPP, "getxattr", path, "the host side reaches user.* attributes of files and directories only");
        }
        try {
            String n = name.substring(USER.length());
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.size(n));
            v.read(n, b);
            return b.array();
        } catch (IOException e) {
            throw errno("getxattr", path, e);
        }
    }

    @Override
    public void setxattr(String path, String name, byte[] value) throws ErrnoException {
        UserDefinedFileAttributeView v = userView(path);
        if (v == null || !name.startsWith(USER)) {
            throw new ErrnoException(Errno.EOPNOTSUPP, "setxattr", path + " (" + name + ")",
                    "the host side keeps user.* attributes of files and directories only");
        }
        try {
            v.write(name.substring(USER.length()), java.nio.ByteBuffer.wrap(value));
        } catch (IOException e) {
            throw errno("setxattr", path + " (" + name + ")", e);
        }
    }

    static ErrnoException errno(String call, String path, IOException e) {
        Errno errno;
        if (e instanceof NoSuchFileException) {
            errno = Errno.ENOENT;
        } else if (e instanceof FileAlreadyExistsException) {
            errno = Errno.EEXIST;
        } else if (e instanceof AccessDeniedException) {
            errno = Errno.EACCES;
        } else if (e instanceof DirectoryNotEmptyException) {
            errno = Errno.ENOTEMPTY;
        } else if (e instanceof NotDirectoryException) {
            errno = Errno.ENOTDIR;
        } else {
            errno = byReason(e);
        }
        String detail = errno == Errno.EIO ? (e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.toString()) : null;
        ErrnoException err = new ErrnoException(errno, call, path, detail);
        err.initCause(e);
        return err;
    }
}
