package io.jrump.fs.ext2;

import io.jrump.api.ErrnoException;
import io.jrump.fs.bio.Buf;
import io.jrump.fs.ext2.disk.Inode;

/**
 * ext2's block map: twelve direct pointers in the inode, then a single, a double and a triple
 * indirect block, each a block full of 32-bit block numbers (ext4 wiki "Ext4 Disk Layout",
 * section Direct/Indirect Block Addressing). A zero pointer is a hole.
 *
 * <p>Every pointer read is checked ({@link Ext2Fs#checkBlock}) before it is followed or
 * written through. Truncation walks the map twice: once to check every block it would free,
 * then to free them, so a damaged map frees nothing rather than half of itself.
 */
final class IndirectMap implements BlockMap {
    private final Ext2Node node;
    private final Ext2Fs fs;
    private final int perBlock;
    private final int shift;

    IndirectMap(Ext2Node node) {
        this.node = node;
        this.fs = node.fs;
        this.perBlock = fs.blockSize() / 4;
        this.shift = Integer.numberOfTrailingZeros(perBlock);
    }

    @Override
    public long maxBlocks() {
        long p = perBlock;
        return Inode.NDIR_BLOCKS + p + p * p + p * p * p;
    }

    /** Path through the tree: slot in i_block, then index at each indirect level. */
    private int levels(long lblk, int[] path) {
        if (lblk < Inode.NDIR_BLOCKS) {
            path[0] = (int) lblk;
            return 0;
        }
        long b = lblk - Inode.NDIR_BLOCKS;
        long p = perBlock;
        int mask = perBlock - 1;
        if (b < p) {
            path[0] = Inode.IND_BLOCK;
            path[1] = (int) b;
            return 1;
        }
        b -= p;
        if (b < p * p) {
            path[0] = Inode.DIND_BLOCK;
            path[1] = (int) (b >>> shift);
            path[2] = (int) (b & mask);
            return 2;
        }
        b -= p * p;
        path[0] = Inode.TIND_BLOCK;
        path[1] = (int) (b >>> (2 * shift));
        path[2] = (int) ((b >>> shift) & mask);
        path[3] = (int) (b & mask);
        return 3;
    }

    @Override
    public long map(long lblk) throws ErrnoException {
        if (lblk < 0 || lblk >= maxBlocks()) {
            return 0;
        }
        int[] path = new int[4];
        int depth = levels(lblk, path);
        long ptr = node.inode().block(path[0]);
        for (int level = 1; level <= depth && ptr != 0; level++) {
            fs.checkBlock(node.ino(), ptr);
            try (Buf b = fs.cache().read(ptr)) {
                ptr = b.data().getInt(path[level] * 4) & 0xFFFF_FFFFL;
            }
        }
        if (ptr != 0) {
            fs.checkBlock(node.ino(), ptr);
        }
        return ptr;
    }

    @Override
    public long mapOrAllocate(long lblk, boolean[] fresh) throws ErrnoException {
        fresh[0] = false;
        int[] path = new int[4];
        int depth = levels(lblk, path);
        long ptr = node.inode().block(path[0]);
        if (ptr == 0) {
            ptr = newBlock(depth > 0);
            node.inode().setBlock(path[0], ptr);
            node.markInodeDirty();
            fresh[0] = depth == 0;
        } else {
            fs.checkBlock(node.ino(), ptr);
        }
        for (int level = 1; level <= depth; level++) {
            try (Buf b = fs.cache().read(ptr)) {
                long next = b.data().getInt(path[level] * 4) & 0xFFFF_FFFFL;
                if (next == 0) {
                    next = newBlock(level < depth);
                    b.data().putInt(path[level] * 4, (int) next);
                    b.markDirty();
                    fresh[0] = level == depth;
                } else {
                    fs.checkBlock(node.ino(), next);
                }
                ptr = next;
            }
        }
        node.setLastBlock(ptr);
        return ptr;
    }

    /** A new block near the file's last one; an indirect block is zeroed in the cache. */
    private long newBlock(boolean indirect) throws ErrnoException {
        long b = fs.allocator().allocBlock(node.allocationGoal());
        node.addBlocks(1);
        node.setLastBlock(b);
        if (indirect) {
            fs.cache().zeroed(b).close();
        }
        return b;
    }

    @Override
    public void checkTruncate(long from) throws ErrnoException {
        Freed plan = new Freed(node.blocksHeld() + 4, false);
        walk(from, plan);
        long[] blocks = java.util.Arrays.copyOf(plan.blocks, plan.count);
        java.util.Arrays.sort(blocks);
        for (int i = 0; i < blocks.length; i++) {
            if (i > 0 && blocks[i] == blocks[i - 1]) {
                throw Damage.inode(node.ino(), "block " + blocks[i] + " is mapped twice");
            }
            fs.allocator().requireAllocated(blocks[i]);
        }
    }

    @Override
    public void truncate(long from) throws ErrnoException {
        checkTruncate(from);
        walk(from, new Freed(node.blocksHeld() + 4, true));
        node.markInodeDirty();
    }

    /**
     * The blocks a truncation frees: collected by {@link #checkTruncate}, freed (with the
     * pointers to them cleared) by {@link #truncate}. Either way no more than {@code budget}
     * ({@code i_blocks} and a little) are visited, so a pointer loop in a hostile image ends in
     * an error, not in a walk of 2^30 entries.
     */
    private final class Freed {
        private long budget;
        private final boolean apply;
        private long[] blocks = new long[16];
        private int count;

        Freed(long budget, boolean apply) {
            this.budget = budget;
            this.apply = apply;
        }

        void free(long block) throws ErrnoException {
            if (--budget < 0) {
                throw Damage.inode(node.ino(), "more blocks mapped than i_blocks counts (a loop in the indirect blocks?)");
            }
            if (apply) {
                fs.allocator().freeBlock(block);
                node.addBlocks(-1);
            } else {
                if (count == blocks.length) {
                    blocks = java.util.Arrays.copyOf(blocks, count * 2);
                }
                blocks[count++] = block;
            }
        }
    }

    /** Visits (and, when {@code freed} applies, frees) every block from logical block {@code from} on. */
    private void walk(long from, Freed freed) throws ErrnoException {
        Inode in = node.inode();
        for (int i = 0; i < Inode.NDIR_BLOCKS; i++) {
            long b = in.block(i);
            if (b != 0 && i >= from) {
                fs.checkBlock(node.ino(), b);
                freed.free(b);
                if (freed.apply) {
                    in.setBlock(i, 0);
                }
            }
        }
        long p = perBlock;
        long base = Inode.NDIR_BLOCKS;
        long span = 1;
        for (int slot = Inode.IND_BLOCK; slot <= Inode.TIND_BLOCK; slot++) {
            long b = in.block(slot);
            int level = slot - Inode.IND_BLOCK + 1;
            long covers = span * p;
            if (b != 0 && base + covers > from) {
                if (walkTree(b, level, base, from, freed) && freed.apply) {
                    in.setBlock(slot, 0);
                }
            }
            base += covers;
            span = covers;
        }
    }

    /** Visits what lies at or after {@code from} under indirect block {@code block}; true when the block itself goes. */
    private boolean walkTree(long block, int level, long base, long from, Freed freed) throws ErrnoException {
        fs.checkBlock(node.ino(), block);
        long span = 1L << (shift * (level - 1));
        boolean empty = true;
        try (Buf b = fs.cache().read(block)) {
            java.nio.ByteBuffer d = b.data();
            for (int i = 0; i < perBlock; i++) {
                long child = d.getInt(i * 4) & 0xFFFF_FFFFL;
                if (child == 0) {
                    continue;
                }
                long cbase = base + i * span;
                if (cbase + span <= from) {
                    empty = false;
                    continue;
                }
                boolean gone;
                if (level == 1) {
                    fs.checkBlock(node.ino(), child);
                    freed.free(child);
                    gone = true;
                } else {
                    gone = walkTree(child, level - 1, cbase, from, freed);
                }
                if (gone && freed.apply) {
                    d.putInt(i * 4, 0);
                    b.markDirty();
                } else if (!gone) {
                    empty = false;
                }
            }
        }
        if (empty) {
            freed.free(block);
        }
        return empty;
    }
}
