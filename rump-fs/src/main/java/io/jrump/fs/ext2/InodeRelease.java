package io.jrump.fs.ext2;

import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.fs.bio.Buf;
import io.jrump.fs.ext2.disk.Inode;
import java.nio.ByteBuffer;

/**
 * The end of an inode's life: giving back everything it holds (data and indirect blocks, its
 * reference to an extended-attribute block, the inode itself), and checking all of it first,
 * so that an operation ending in a release finds damage before it changes anything. Called
 * under the node's mutex, or with the node held exclusive by the VFS.
 */
final class InodeRelease {
    /** {@code h_magic} of an extended-attribute block (e2fsprogs {@code ext2_ext_attr.h}). */
    private static final int XATTR_MAGIC = 0xEA020000;

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
        releaseXattrBlock(n);
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
        long acl = n.inode().fileAcl();
        if (acl != 0) {
            fs.checkBlock(n.ino(), acl);
            synchronized (fs.allocator()) {
                if (xattrRefs(n, acl) <= 1) {
                    fs.allocator().requireAllocated(acl);
                }
            }
        }
    }

    /** The reference count of the extended-attribute block {@code acl}; the caller holds the allocator's monitor. */
    private static int xattrRefs(Ext2Node n, long acl) throws ErrnoException {
        try (Buf b = n.fs.cache().read(acl)) {
            ByteBuffer d = b.data();
            if (d.getInt(0) != XATTR_MAGIC) {
                throw Damage.inode(n.ino(), "extended attribute block " + acl + " has a bad magic number");
            }
            return d.getInt(4);
        }
    }

    /** Drops the inode's reference to its extended-attribute block, freeing the block with the last one. */
    private static void releaseXattrBlock(Ext2Node n) throws ErrnoException {
        Ext2Fs fs = n.fs;
        long acl = n.inode().fileAcl();
        if (acl == 0) {
            return;
        }
        fs.checkBlock(n.ino(), acl);
        Allocator allocator = fs.allocator();
        synchronized (allocator) {
            // the block is shared by the inodes that have the same attributes: its count is the allocator's to guard
            boolean last;
            try (Buf b = fs.cache().read(acl)) {
                ByteBuffer d = b.data();
                if (d.getInt(0) != XATTR_MAGIC) {
                    throw Damage.inode(n.ino(), "extended attribute block " + acl + " has a bad magic number");
                }
                int refs = d.getInt(4);
                last = refs <= 1;
                if (!last) {
                    d.putInt(4, refs - 1);
                    b.markDirty();
                }
            }
            if (last) {
                allocator.freeBlock(acl);
            }
        }
        n.addBlocks(-1);
        n.inode().setFileAcl(0);
    }
}
