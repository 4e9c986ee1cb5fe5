package io.jrump.fs.nio;

import io.jrump.api.BlockDevice;
import io.jrump.api.ErrnoException;
import io.jrump.fs.ext2.disk.Feature;
import io.jrump.fs.ext2.disk.Superblock;
import java.nio.ByteBuffer;

/**
 * Recognises ext2, ext3 and ext4 by the superblock magic, and tells them apart the way
 * {@code blkid} does (util-linux {@code libblkid/src/superblocks/ext.c}): a file system with a
 * feature ext3 does not know is ext4, one with a journal is ext3, the rest is ext2. Each is
 * mounted as the type of its name; the ext2 driver serves all three and decides what it can
 * write (ext4 is read-only).
 */
final class ExtProbe implements TypeProbe {
    /** The incompat features ext3 knows (and ext4 adds to). */
    private static final int EXT3_INCOMPAT = Feature.maskOf(Feature.Kind.INCOMPAT,
            Feature.FILETYPE, Feature.RECOVER, Feature.META_BG);
    /** The ro_compat features ext3 knows. */
    private static final int EXT3_RO_COMPAT = Feature.maskOf(Feature.Kind.RO_COMPAT,
            Feature.SPARSE_SUPER, Feature.LARGE_FILE, Feature.BTREE_DIR);

    @Override
    public FsType probe(BlockDevice device) throws ErrnoException {
        int sector = device.sectorSize();
        long end = Superblock.OFFSET + Superblock.SIZE;
        if (device.size() < end) {
            return null;
        }
        // Whole sectors covering the superblock, whatever the sector size.
        long first = Superblock.OFFSET / sector;
        long last = (end + sector - 1) / sector;
        ByteBuffer buf = ByteBuffer.allocate((int) ((last - first) * sector));
        device.read(first, buf);
        Superblock sb = new Superblock(buf, (int) (Superblock.OFFSET - first * sector));
        if (sb.magic() != Superblock.MAGIC) {
            return null;
        }
        String name;
        if ((sb.features(Feature.Kind.INCOMPAT) & ~EXT3_INCOMPAT) != 0
                || (sb.features(Feature.Kind.RO_COMPAT) & ~EXT3_RO_COMPAT) != 0) {
            name = "ext4";
        } else if (sb.has(Feature.HAS_JOURNAL)) {
            name = "ext3";
        } else {
            name = "ext2";
        }
        return new FsType(name, name, sb.volumeName(), sb.blocksCount() * sb.blockSize());
    }
}
