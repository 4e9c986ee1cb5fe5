package io.jrump.api;

import java.time.Instant;

/**
 * What {@code stat}, {@code lstat} and {@code fstat} return: the fields of Linux's {@code struct stat}.
 * Times are instants (seconds and nanoseconds apart), so every date a file system holds fits,
 * ext4's 1901..2446 included; {@code dev} and {@code rdev} are {@link DeviceNumber}s.
 */
public record Stat(
        long dev,
        long ino,
        int mode,
        long nlink,
        int uid,
        int gid,
        long rdev,
        long size,
        int blksize,
        long blocks,
        Instant atime,
        Instant mtime,
        Instant ctime) {

    public boolean isDirectory() {
        return FileMode.isDirectory(mode);
    }

    public boolean isRegularFile() {
        return FileMode.isRegular(mode);
    }

    public boolean isSymlink() {
        return FileMode.isSymlink(mode);
    }

    /** Whether this is a character or block device node, whose {@link #rdev} means something. */
    public boolean isDevice() {
        int type = mode & FileMode.S_IFMT;
        return type == FileMode.S_IFCHR || type == FileMode.S_IFBLK;
    }

    /** Permission bits, including set-id and sticky. */
    public int perms() {
        return mode & FileMode.ALLPERMS;
    }
}
