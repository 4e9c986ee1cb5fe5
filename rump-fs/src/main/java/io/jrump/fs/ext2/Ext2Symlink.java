package io.jrump.fs.ext2;

import io.jrump.api.ErrnoException;
import io.jrump.fs.bio.Buf;
import io.jrump.fs.ext2.disk.Inode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A symbolic link. Its target lives in one of three places, as Linux writes them: in
 * {@code i_block} itself when shorter than its 60 bytes (a "fast" symlink), in the inode's
 * inline data, or in the link's one data block (at most a block long, so one read).
 */
final class Ext2Symlink extends Ext2Node {
    /** Longest target read, whatever the block size: Linux's PAGE_SIZE bound on a link body, with room for 64 KiB blocks. */
    private static final int MAX_TARGET = 65536;

    Ext2Symlink(Ext2Fs fs, long ino, Inode inode) {
        super(fs, ino, inode);
    }

    @Override
    public String readlink() throws ErrnoException {
        return locked(() -> {
            long len = size();
            if (len > fs.blockSize() || len > MAX_TARGET) {
                throw Damage.inode(ino(), "symbolic link of " + len + " bytes");
            }
            byte[] target;
            Inode inode = inode();
            if (InlineData.isInline(inode)) {
                target = Arrays.copyOf(InlineData.read(inode, ino()), (int) len);
            } else if ((inode.flags() & Inode.EXTENTS_FL) == 0 && len < Inode.I_BLOCK_BYTES) {
                target = Arrays.copyOf(inode.blockBytes(), (int) len);
            } else {
                target = new byte[(int) len];
                long pblk = len == 0 ? 0 : map().map(0);
                if (pblk != 0) {
                    try (Buf b = fs.cache().read(pblk)) {
                        System.arraycopy(b.array(), 0, target, 0, (int) len);
                    }
                }
            }
            return new String(target, StandardCharsets.UTF_8);
        });
    }

    /** Writes the target of a link just made: in {@code i_block} when it fits, else in a block of its own. */
    void setTarget(byte[] t) throws ErrnoException {
        Inode inode = inode();
        if (t.length < Inode.I_BLOCK_BYTES) {
            inode.setBlockBytes(t);
        } else {
            boolean[] fresh = new boolean[1];
            long pblk = map().mapOrAllocate(0, fresh);
            try (Buf b = fs.cache().zeroed(pblk)) {
                System.arraycopy(t, 0, b.array(), 0, t.length);
            }
        }
        inode.setFileSize(t.length);
    }
}
