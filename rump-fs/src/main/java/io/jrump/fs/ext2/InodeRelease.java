package io.jrump.fs.ext2;

import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.fs.ext2.disk.Inode;

/**
 * The end of an inode's life: giving back everything it holds (data and indirect blocks, its
 * reference to an extended-attribute block, the inode itself), and checking all of it first,
 * so that an operation ending in a release finds damage before it changes anything. Called
 * under the node's mutex, or with the node held exclusive by the VFS.
 */
final class InodeRelease {
    private InodeRelease() {
    }

    /**
     * Gives the inode and everything it holds back: data and indirect blocks (not for a fast
     * symlink, whose i_block is text), one reference to a shared extended-attribute block, and
     * the inode, with its deletion time set as Linux does.
     */
    static void release(Ext2Node n) throws ErrnoException {
        if (n.isFreed()) {
            return;
        }
        checkBesidesMap(n);
        if (hasBlocks(n)) {
            n.map().truncate(0);
        }
        Ext2Xattrs.releaseBlock(n);
        Inode inode = n.inode();
        inode.setFileSize(0);
        inode.setLinksCount(0);
        inode.setDtime(n.fs.nowSeconds());
        n.markInodeDirty();
        n.markFreed();
        n.fs.allocator().freeInode(n.ino(), n.isDirectory());
    }

    /**
     * Whether i_block is a block map: only for files, directories and slow symlinks (as Linux's
     * {@code ext2_evict_inode} truncates only those) — not a fast symlink (whose i_block is
     * text), inline data, a device node (its number) or a FIFO or socket.
     */
    private static boolean hasBlocks(Ext2Node n) {
        Inode inode = n.inode();
        boolean fastSymlink = n.isSymlink() && (inode.flags() & Inode.EXTENTS_FL) == 0 && n.size() < Inode.I_BLOCK_BYTES;
        int type = inode.mode() & FileMode.S_IFMT;
        boolean mapped = type == FileMode.S_IFREG || type == FileMode.S_IFDIR || type == FileMode.S_IFLNK;
        return mapped && !fastSymlink && !InlineData.isInline(inode);
    }

    /**
     * Checks everything {@link #release} will free — the inode's bit, every block of its map,
     * its extended-attribute block — so that an operation ending in a release finds damage
     * before it changes anything (a half-done unlink would leave a nameless inode behind).
     */
    static void check(Ext2Node n) throws ErrnoException {
        if (n.isFreed()) {
            return;
        }
        if (hasBlocks(n)) {
            n.map().checkTruncate(0);
        }
        checkBesidesMap(n);
    }

    /** The inode's bit and its extended-attribute block: what {@link #release} checks before its truncate, which checks the map itself. */
    private static void checkBesidesMap(Ext2Node n) throws ErrnoException {
        Ext2Fs fs = n.fs;
        fs.allocator().requireInodeAllocated(n.ino());
        Ext2Xattrs.checkRelease(n);
    }
}
