package io.jrump.api;

import java.time.Instant;

/** What {@code stat}, {@code lstat} and {@code fstat} return: the fields of Linux's {@code struct stat}. */
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

    /** Permission bits, including set-id and sticky. */
    public int perms() {
        return mode & FileMode.ALLPERMS;
    }
}
