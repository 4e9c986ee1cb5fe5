package io.jrump.fs.ext2;

import io.jrump.api.FileMode;
import io.jrump.fs.ext2.disk.Inode;

/**
 * A character or block device node, a FIFO or a socket: an inode with no blocks, made and
 * stat'ed but not opened for data here. A device's number is in {@code i_block}
 * ({@link Inode#device}), as Linux's {@code ext2_mknod} puts it.
 */
final class Ext2Special extends Ext2Node {
    Ext2Special(Ext2Fs fs, long ino, Inode inode) {
        super(fs, ino, inode);
    }

    @Override
    long rdev() {
        int type = mode() & FileMode.S_IFMT;
        return type == FileMode.S_IFCHR || type == FileMode.S_IFBLK ? inode().device() : 0;
    }
}
