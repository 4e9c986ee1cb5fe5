package io.jrump.fs.tmpfs;

import io.jrump.api.ErrnoException;
import io.jrump.fs.vfs.FileSystem;
import io.jrump.fs.vfs.FileSystemType;
import io.jrump.fs.vfs.MountOptions;
import io.jrump.fs.vfs.MountRequest;

/**
 * The "tmpfs" file system type. Options, as mount_tmpfs(8) and Linux tmpfs take them:
 * {@code size} (bytes, k/m/g suffixes; 0 or absent: no limit), {@code nr_inodes} (default:
 * NetBSD's rule of 3 plus one per KiB of {@code size}, unlimited without a size), {@code mode}
 * of the root (octal, default 1777 as for /tmp), {@code uid} and {@code gid} of the root.
 */
public final class TmpfsType implements FileSystemType {
    public static final String NAME = "tmpfs";
    private static final int DEFAULT_ROOT_MODE = 01777;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FileSystem mount(MountRequest request) throws ErrnoException {
        MountOptions o = request.options();
        o.rejectUnknown("size", "nr_inodes", "mode", "uid", "gid");
        long size = o.size("size", 0);
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
}
