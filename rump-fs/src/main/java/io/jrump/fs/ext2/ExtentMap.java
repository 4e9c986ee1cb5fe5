package io.jrump.fs.ext2;

import io.jrump.api.ErrnoException;
import io.jrump.fs.bio.Buf;
import io.jrump.fs.ext2.disk.Checksums;
import io.jrump.fs.ext2.disk.ExtentNode;
import io.jrump.fs.ext2.disk.Inode;
import java.nio.ByteBuffer;

/**
 * ext4's extent tree, read-only: the root in {@code i_block}, index nodes naming child
 * blocks, leaves naming runs of up to 32768 blocks. Each node is checked (magic, counts,
 * depth one less than its parent's, never deeper than {@link ExtentNode#MAX_DEPTH}) and, with
 * metadata_csum, its checksum verified, before anything in it is believed. The last leaf
 * found is remembered, so a sequential read walks the tree once per leaf, not per block.
 */
final class ExtentMap implements BlockMap {
    private final Ext2Node node;
    private final Ext2Fs fs;
    /** The last leaf visited, as a copy, and the logical range it answers for. */
    private ExtentNode lastLeaf;
    private long leafFrom = -1;
    private long leafTo = -1;

    ExtentMap(Ext2Node node) throws ErrnoException {
        this.node = node;
        this.fs = node.fs;
        ExtentNode root = root();
        String bad = root.check();
        if (bad != null) {
            throw Damage.inode(node.ino(), "extent root: " + bad);
        }
    }

    private ExtentNode root() {
        Inode in = node.inode();
        return new ExtentNode(in.buffer(), in.blockArrayOffset(), Inode.I_BLOCK_BYTES);
    }

    @Override
    public long maxBlocks() {
        return 1L << 32;
    }

    @Override
    public long map(long lblk) throws ErrnoException {
        if (lblk < 0 || lblk >= maxBlocks()) {
            return 0;
        }
        ExtentNode n;
        if (lastLeaf != null && lblk >= leafFrom && lblk < leafTo) {
            n = lastLeaf;
        } else {
            n = findLeaf(lblk);
            if (n == null) {
                return 0;
            }
        }
        for (int i = n.entries() - 1; i >= 0; i--) {
            long first = n.firstBlock(i);
            if (first <= lblk) {
                int len = n.length(i);
                if (lblk >= first + len || n.uninitialized(i)) {
                    return 0;
                }
                long p = n.startBlock(i) + (lblk - first);
                fs.checkBlock(node.ino(), p);
                return p;
            }
        }
        return 0;
    }

    /** Walks from the root to the leaf covering {@code lblk}, or null when it falls before every entry. */
    private ExtentNode findLeaf(long lblk) throws ErrnoException {
        ExtentNode n = root();
        int depth = n.depth();
        long from = 0;
        long to = maxBlocks();
        long where = 0;
        for (int hops = 0; depth > 0; hops++) {
            if (hops > ExtentNode.MAX_DEPTH) {
                throw Damage.inode(node.ino(), "extent tree deeper than " + ExtentNode.MAX_DEPTH);
            }
            int pick = -1;
            for (int i = 0; i < n.entries(); i++) {
                if (n.firstBlock(i) <= lblk) {
                    pick = i;
                } else {
                    break;
                }
            }
            if (pick < 0) {
                return null;
            }
            from = n.firstBlock(pick);
            if (pick + 1 < n.entries()) {
                to = Math.min(to, n.firstBlock(pick + 1));
            }
            long child = n.childBlock(pick);
            fs.checkBlock(node.ino(), child);
            where = child;
            ByteBuffer copy = ByteBuffer.allocate(fs.blockSize());
            try (Buf b = fs.cache().read(child)) {
                copy.put(b.array()).flip();
            }
            ExtentNode c = new ExtentNode(copy, 0, fs.blockSize());
            String bad = c.check();
            if (bad == null && c.depth() != depth - 1) {
                bad = "depth " + c.depth() + " under a node of depth " + depth;
            }
            if (bad != null) {
                throw Damage.inode(node.ino(), "extent block " + child + ": " + bad);
            }
            if (fs.hasMetadataCsum() && c.tailOffset() + 4 <= fs.blockSize()) {
                long want = Checksums.extentBlock(node.checksumSeed(), c);
                if (want != c.tailChecksum()) {
                    throw Damage.checksum("inode " + node.ino() + ": extent block", child, c.tailChecksum(), want);
                }
            }
            n = c;
            depth--;
        }
        if (where != 0) {
            lastLeaf = n;
            leafFrom = from;
            leafTo = to;
        }
        return n;
    }
}
