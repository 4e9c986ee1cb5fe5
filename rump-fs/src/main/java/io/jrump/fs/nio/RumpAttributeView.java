package io.jrump.fs.nio;

import io.jrump.api.ErrnoException;
import io.jrump.api.Stat;
import io.jrump.api.Syscalls;
import java.io.IOException;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;

/**
 * The {@code basic}, {@code posix}, {@code owner} and {@code unix} views of one path: reads
 * are a {@code stat} (or {@code lstat}), updates the matching system call. One class serves
 * all four because {@code posix} contains the others; {@link #name} says which was asked for.
 *
 * <p>The kernel has no {@code lutimes} or {@code lchmod}: with {@code NOFOLLOW_LINKS}, times
 * and permissions of a symbolic link are refused ({@code UnsupportedOperationException})
 * rather than silently applied to its target; owners use {@code lchown}.
 */
final class RumpAttributeView implements PosixFileAttributeView {
    private final String name;
    private final RumpPath path;
    private final boolean follow;

    RumpAttributeView(String name, RumpPath path, boolean follow) {
        this.name = name;
        this.path = path;
        this.follow = follow;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public RumpFileAttributes readAttributes() throws IOException {
        Syscalls sys = path.getFileSystem().sys();
        try {
            String k = path.kernelPath();
            return new RumpFileAttributes(follow ? sys.stat(k) : sys.lstat(k));
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
    }

    /** Sets the times given; a {@code null} one is left as it is. There is no creation time to set. */
    @Override
    public void setTimes(FileTime lastModifiedTime, FileTime lastAccessTime, FileTime createTime) throws IOException {
        if (lastModifiedTime == null && lastAccessTime == null) {
            return;
        }
        RumpFileAttributes now = targetOnly("times");
        Syscalls sys = writable();
        try {
            Stat st = now.stat();
            sys.utimes(path.kernelPath(), lastAccessTime != null ? lastAccessTime.toInstant() : st.atime(),
                    lastModifiedTime != null ? lastModifiedTime.toInstant() : st.mtime());
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
    }

    @Override
    public void setPermissions(Set<PosixFilePermission> perms) throws IOException {
        setMode(RumpFileAttributes.mode(perms));
    }

    /** Sets all permission bits, set-id and sticky included ({@code unix:mode}). */
    void setMode(int mode) throws IOException {
        targetOnly("permissions");
        Syscalls sys = writable();
        try {
            sys.chmod(path.kernelPath(), mode & io.jrump.api.FileMode.ALLPERMS);
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
    }

    @Override
    public UserPrincipal getOwner() throws IOException {
        return readAttributes().owner();
    }

    @Override
    public void setOwner(UserPrincipal owner) throws IOException {
        setIds(RumpPrincipals.id(owner), -1);
    }

    @Override
    public void setGroup(GroupPrincipal group) throws IOException {
        setIds(-1, RumpPrincipals.id(group));
    }

    /** Sets the owner and/or group; -1 keeps the current one. */
    void setIds(int uid, int gid) throws IOException {
        Stat st = readAttributes().stat();
        Syscalls sys = writable();
        int u = uid == -1 ? st.uid() : uid;
        int g = gid == -1 ? st.gid() : gid;
        try {
            if (follow) {
                sys.chown(path.kernelPath(), u, g);
            } else {
                sys.lchown(path.kernelPath(), u, g);
            }
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
    }

    private RumpFileAttributes targetOnly(String what) throws IOException {
        RumpFileAttributes a = readAttributes();
        if (!follow && a.isSymbolicLink()) {
            throw new UnsupportedOperationException(path + ": the " + what + " of a symbolic link itself cannot be set");
        }
        return a;
    }

    private Syscalls writable() {
        path.getFileSystem().checkWritable();
        return path.getFileSystem().sys();
    }
}
