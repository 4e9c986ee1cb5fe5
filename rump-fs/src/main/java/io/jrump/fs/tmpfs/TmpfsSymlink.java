package io.jrump.fs.tmpfs;

import io.jrump.api.FileMode;
import java.nio.charset.StandardCharsets;

/**
 * A symbolic link: its target kept as a string. The target counts against the inode budget
 * only, not the page budget; at most PATH_MAX bytes, it is small next to the node itself.
 */
final class TmpfsSymlink extends TmpfsNode {
    private final String target;
    private final long length;

    TmpfsSymlink(Tmpfs fs, long ino, String target, int uid, int gid) {
        super(fs, ino, FileMode.S_IFLNK | 0777, uid, gid, 1);
        this.target = target;
        this.length = target.getBytes(StandardCharsets.UTF_8).length;
    }

    @Override
    public long size() {
        return length;
    }

    @Override
    public String readlink() {
        return target;
    }
}
