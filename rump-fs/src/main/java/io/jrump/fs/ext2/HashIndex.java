package io.jrump.fs.ext2;

import io.jrump.api.ErrnoException;
import io.jrump.fs.bio.Buf;
import io.jrump.fs.ext2.disk.DirHash;
import io.jrump.fs.ext2.disk.DxNode;
import io.jrump.fs.ext2.disk.Feature;
import java.util.ArrayList;
import java.util.List;

/**
 * A lookup through a hashed directory's index, as Linux's {@code dx_probe} and
 * {@code ext4_dx_find_entry} do it: hash the name, descend from the root through the index
 * nodes, each time taking the last entry whose hash is not above the name's, and search the
 * leaf reached. Names whose hashes collide may run on into the next leaves, which the index
 * marks by setting the low bit of the next entry's hash; those leaves are searched too while
 * the next entry's hash is the name's. A lookup so reads the index's depth plus one blocks
 * (usually two or three), not the whole directory.
 *
 * <p>Every block is checked as it is read ({@link Directory#block}: records, and with
 * metadata_csum the index or leaf checksum). A damaged index (depth beyond what the file
 * system allows, a limit or count that does not fit, a block number outside the directory, a
 * leaf where an index node should be) is corruption, EUCLEAN. Only an index whose hash
 * version this driver does not know is {@link #UNUSABLE}: the directory is then searched
 * linearly, which finds the same entries since the leaves are ordinary directory blocks.
 */
final class HashIndex {
    /** What {@link #lookup} returns when the index cannot be used. */
    static final long UNUSABLE = -1;
    /** Index levels below the root Linux allows: 1, or 2 with large_dir (ext4_dir_htree_level). */
    private static final int MAX_LEVELS = 2;
    private static final int MAX_LEVELS_LARGEDIR = 3;

    private final Directory dir;
    private final Ext2Fs fs;
    private final long ino;

    HashIndex(Directory dir) {
        this.dir = dir;
        this.fs = dir.node().fs;
        this.ino = dir.node().ino();
    }

    /** One index block on the path from the root: its view and the entry taken. */
    private static final class Frame {
        DxNode node;
        int at;
    }

    /** The inode named {@code name}, 0 when there is none, or {@link #UNUSABLE}. */
    long lookup(byte[] name) throws ErrnoException {
        List<Buf> pinned = new ArrayList<>();
        try {
            return lookup(name, pinned);
        } finally {
            for (Buf b : pinned) {
                b.close();
            }
        }
    }

    private long lookup(byte[] name, List<Buf> pinned) throws ErrnoException {
        long n = dir.blockCount();
        Buf rootBuf = dir.block(0, n);
        pinned.add(rootBuf);
        Frame root = new Frame();
        root.node = DxNode.root(rootBuf.data(), fs.blockSize());
        int version = DirHash.effectiveVersion(root.node.hashVersion(), fs.superblock().flags());
        if (root.node.hashVersion() > DirHash.TEA || !DirHash.known(version)) {
            return UNUSABLE;
        }
        String bad = root.node.check(fs.hasMetadataCsum());
        if (bad != null) {
            throw Damage.inode(ino, "directory block " + rootBuf.block() + " (logical 0): " + bad);
        }
        int levels = root.node.indirectLevels();
        int allowed = fs.superblock().has(Feature.LARGEDIR) ? MAX_LEVELS_LARGEDIR : MAX_LEVELS;
        if (levels >= allowed) {
            throw Damage.inode(ino, "directory index of " + levels + " levels (at most " + (allowed - 1) + ")");
        }
        int hash = DirHash.hash(version, name, fs.superblock().hashSeed());
        Frame[] path = new Frame[levels + 1];
        path[0] = root;
        root.at = search(root.node, hash);
        for (int level = 1; level <= levels; level++) {
            path[level] = descend(path[level - 1], n, hash, true, pinned);
        }
        Frame last = path[levels];
        while (true) {
            long leaf = last.node.block(last.at);
            if (leaf == 0) {
                throw Damage.inode(ino, "directory index points at block 0 as a leaf");
            }
            try (Buf b = dir.block(leaf, n)) {
                long found = dir.findInBlock(b, name);
                if (found != 0) {
                    return found;
                }
            }
            if (!advance(path, n, hash, pinned)) {
                return 0;
            }
            last = path[levels];
        }
    }

    /** The last entry of {@code node} whose hash (unsigned) is at most {@code hash}; entry 0 counts as hash 0. */
    private static int search(DxNode node, int hash) {
        int lo = 1;
        int hi = node.count() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Integer.compareUnsigned(node.hash(mid), hash) > 0) {
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        return lo - 1;
    }

    /** Reads the index node that {@code parent}'s current entry names, taking the entry for {@code hash} (or its first). */
    private Frame descend(Frame parent, long n, int hash, boolean bySearch, List<Buf> pinned) throws ErrnoException {
        long child = parent.node.block(parent.at);
        if (child == 0) {
            throw Damage.inode(ino, "directory index points at block 0 as an index node");
        }
        Buf b = dir.block(child, n);
        pinned.add(b);
        Frame f = new Frame();
        f.node = DxNode.node(b.data(), fs.blockSize());
        String bad = f.node.check(fs.hasMetadataCsum());
        if (bad != null) {
            throw Damage.inode(ino, "directory block " + b.block() + " (logical " + child + "): " + bad);
        }
        f.at = bySearch ? search(f.node, hash) : 0;
        return f;
    }

    /**
     * Moves the path to the next leaf when it continues {@code hash} (the next entry's hash,
     * without its collision bit, is {@code hash}); false at the end of the run or the index.
     */
    private boolean advance(Frame[] path, long n, int hash, List<Buf> pinned) throws ErrnoException {
        int level = path.length - 1;
        while (level >= 0 && path[level].at + 1 >= path[level].node.count()) {
            level--;
        }
        if (level < 0) {
            return false;
        }
        Frame f = path[level];
        f.at++;
        if ((f.node.hash(f.at) & ~1) != hash) {
            return false;
        }
        for (int l = level + 1; l < path.length; l++) {
            path[l] = descend(path[l - 1], n, hash, false, pinned);
        }
        return true;
    }
}
