package io.jrump.fs.tmpfs;

import io.jrump.api.ErrnoException;
import io.jrump.fs.vfs.FileSystem;
import io.jrump.fs.vfs.FileSystemType;
import io.jrump.fs.vfs.MountOptions;
import io.jrump.fs.vfs.MountRequest;

/**
 * The "tmpfs" file system type. Options, as mount_tmpfs(8) and Linux tmpfs take them:
 * {@code size} (bytes, k/m/g suffixes; absent: {@link #DEFAULT_SIZE}; 0: no limit),
 * {@code nr_inodes} (default: NetBSD's rule of 3 plus one per KiB of {@code size}, unlimited
 * without a size), {@code mode} of the root (octal, default 1777 as for /tmp), {@code uid} and
 * {@code gid} of the root.
 *
 * <p>Every tmpfs lives on the Java heap, so one without a limit lets any path that writes to it
 * end the whole JVM with an {@code OutOfMemoryError}. Linux bounds a tmpfs mounted without a
 * size at half of physical memory (Documentation/filesystems/tmpfs.rst); the memory of a JVM is
 * its heap, so the default here is half of the maximum heap, and a full tmpfs says ENOSPC.
 */
public final class TmpfsType implements FileSystemType {
    public static final String NAME = "tmpfs";
    private static final int DEFAULT_ROOT_MODE = 01777;
    /** The size of a tmpfs mounted without one: half of this JVM's maximum heap. */
    public static final long DEFAULT_SIZE = defaultSize(Runtime.getRuntime().maxMemory());

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FileSystem mount(MountRequest request) throws ErrnoException {
        MountOptions o = request.options();
        o.rejectUnknown("size", "nr_inodes", "mode", "uid", "gid");
        long size = o.size("size", DEFAULT_SIZE);
        long maxPages = size == 0 ? Long.MAX_VALUE : (size + Tmpfs.PAGE_SIZE - 1) / Tmpfs.PAGE_SIZE;
        long maxNodes = o.number("nr_inodes", size == 0 ? 0 : 3 + size / 1024);
        if (maxNodes <= 0) {
            maxNodes = Long.MAX_VALUE;
        }
        int mode = (int) (o.octal("mode", DEFAULT_ROOT_MODE) & 07777);
        int uid = (int) Math.min(o.number("uid", 0), Integer.MAX_VALUE);
        int gid = (int) Math.min(o.number("gid", 0), Integer.MAX_VALUE);
        return new Tmpfs(maxPages, maxNodes, mode, uid, gid, request::now);
    }

    /**
     * Half of {@code maxHeap} ({@link Runtime#maxMemory}), in whole pages; 0 (no limit) for a
     * JVM that reports no heap limit, whose heap cannot run out before the host's memory does.
     */
    static long defaultSize(long maxHeap) {
        if (maxHeap == Long.MAX_VALUE) {
            return 0;
        }
        return Math.max(Tmpfs.PAGE_SIZE, maxHeap / 2 / Tmpfs.PAGE_SIZE * Tmpfs.PAGE_SIZE);
    }
}
