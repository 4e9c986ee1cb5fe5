package io.jrump.fs.nio;

import io.jrump.api.FileMode;
import io.jrump.api.Stat;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.Set;

/**
 * The basic and POSIX attributes of a file, read from one {@code stat}. Like the JDK's Unix
 * provider, the creation time is the modification time (ext2 keeps no birth time), and the
 * file key is the (device, inode) pair, equal for hard links of one file.
 */
final class RumpFileAttributes implements PosixFileAttributes {
    /** Permission bits in the order of {@link PosixFilePermission}'s constants, owner read first. */
    private static final int[] PERMISSION_BITS = {0400, 0200, 0100, 040, 020, 010, 04, 02, 01};

    /** What {@link #fileKey} returns: equal for two names of one file. */
    record FileKey(long dev, long ino) {
    }

    private final Stat st;

    RumpFileAttributes(Stat st) {
        this.st = st;
    }

    Stat stat() {
        return st;
    }

    @Override
    public FileTime lastModifiedTime() {
        return FileTime.from(st.mtime());
    }

    @Override
    public FileTime lastAccessTime() {
        return FileTime.from(st.atime());
    }

    @Override
    public FileTime creationTime() {
        return lastModifiedTime();
    }

    @Override
    public boolean isRegularFile() {
        return st.isRegularFile();
    }

    @Override
    public boolean isDirectory() {
        return st.isDirectory();
    }

    @Override
    public boolean isSymbolicLink() {
        return st.isSymlink();
    }

    @Override
    public boolean isOther() {
        return !isRegularFile() && !isDirectory() && !isSymbolicLink();
    }

    @Override
    public long size() {
        return st.size();
    }

    @Override
    public Object fileKey() {
        return new FileKey(st.dev(), st.ino());
    }

    @Override
    public UserPrincipal owner() {
        return new RumpPrincipals.User(st.uid());
    }

    @Override
    public GroupPrincipal group() {
        return new RumpPrincipals.Group(st.gid());
    }

    @Override
    public Set<PosixFilePermission> permissions() {
        return permissions(st.mode());
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = PosixFilePermission.values();
        for (int i = 0; i < all.length; i++) {
            if ((mode & PERMISSION_BITS[i]) != 0) {
                out.add(all[i]);
            }
        }
        return out;
    }

    /** The mode bits of a permission set (no set-id or sticky bits, which NIO cannot express). */
    static int mode(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= PERMISSION_BITS[p.ordinal()];
        }
        return mode;
    }

    /** The mode as {@code unix:mode} reports it: file type and all permission bits. */
    int unixMode() {
        return st.mode() & (FileMode.S_IFMT | FileMode.ALLPERMS);
    }
}
