package io.jrump.fs.ext2;

import io.jrump.api.DirEntry;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.fs.bio.Buf;
import io.jrump.fs.ext2.disk.Checksums;
import io.jrump.fs.ext2.disk.DirRecord;
import io.jrump.fs.ext2.disk.DxNode;
import io.jrump.fs.ext2.disk.Feature;
import io.jrump.fs.ext2.disk.Inode;
import io.jrump.fs.vfs.DirBatch;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The entries of one directory: a chain of {@link DirRecord}s tiling each block (ext4 wiki
 * "Ext4 Disk Layout", section Directory Entries), or for ext4 inline directories the same
 * chain inside the inode.
 *
 * <p>Hashed (htree) directories hide their index in blocks that look like directory blocks:
 * the root (block 0) as a block whose ".." record spans the index, an interior index block
 * as one empty record spanning the block, so readdir scans every block and sees every entry
 * exactly once. Lookups in them go through the index ({@link HashIndex}): the name's hash
 * picks the leaf, so a lookup reads a few blocks whatever the directory's size. Before
 * changing such a directory the driver clears its {@code EXT2_INDEX_FL}, which leaves a
 * valid linear directory, as e2fsck accepts and Linux reads (e2fsck -D rebuilds the index).
 * Lookups in other large directories go through an in-memory name table built on first use
 * and kept up to date by every change.
 *
 * <p>Every block is checked before its records are used: lengths multiples of 4, at least 12,
 * names inside their records, records tiling the block exactly, no used record with an empty
 * name (no path can reach it, and e2fsck's pass 2 reports it as "entry has a zero-length
 * name", {@code PR_2_NULL_NAME}); with metadata_csum, a leaf's checksum tail is verified,
 * and an index block's {@code dx_tail} (an index root keeps stale bytes where a leaf's tail
 * would be, since the kernel made it by converting a full leaf). Readdir cookies are byte
 * offsets into the directory (an index into the inline area for inline directories); a
 * cookie that falls inside a record merged away by a removal resumes at the next record, as
 * Linux's ext2 does.
 */
final class Directory {
    /** Directories of at least this many blocks get an in-memory name table for lookups. */
    private static final int NAME_TABLE_BLOCKS = 1;
    /** Cookie positions of the synthesised "." and ".." of an inline directory. */
    private static final int INLINE_DOT = 0;
    private static final int INLINE_DOTDOT = 1;
    private static final int INLINE_PARENT_BYTES = 4;

    private final Ext2Node dir;
    private final Ext2Fs fs;
    private final int bs;
    private Map<String, Long> names;
    /**
     * Logical blocks whose records (and checksum) were checked since the directory last
     * changed: a block read again, from the cache or the device, is not checked again, as
     * Linux's {@code buffer_verified}. Without it a lookup would checksum its index path
     * every time. Cleared by every change.
     */
    private final BitSet verified = new BitSet();
    /** Logical block where the last entry was added: adding starts there, so filling a directory is not quadratic. */
    private long addHint;

    Directory(Ext2Node dir) {
        this.dir = dir;
        this.fs = dir.fs;
        this.bs = fs.blockSize();
    }

    /** Called for each used record; returns true to stop. */
    private interface Visitor {
        boolean visit(Buf block, long lblk, int off, int prevOff, DirRecord rec) throws ErrnoException;
    }

    /** Blocks in the directory, after checking that its size and block count agree. */
    long blockCount() throws ErrnoException {
        long size = dir.size();
        if (size % bs != 0) {
            throw Damage.inode(dir.ino(), "directory size " + size + " is not a multiple of the block size");
        }
        long n = size / bs;
        if (n > dir.blocksHeld() + 1) {
            throw Damage.inode(dir.ino(), "directory of " + n + " blocks holds only " + dir.blocksHeld());
        }
        return n;
    }

    /** Visits every record, used or not, from logical block {@code fromLblk}. */
    private void walk(long fromLblk, Visitor v) throws ErrnoException {
        long n = blockCount();
        for (long lblk = fromLblk; lblk < n; lblk++) {
            try (Buf b = block(lblk, n)) {
                int prev = -1;
                int off = 0;
                while (off < bs) {
                    DirRecord r = new DirRecord(b.data(), off);
                    if (v.visit(b, lblk, off, prev, r)) {
                        return;
                    }
                    prev = off;
                    off += r.recLen(bs);
                }
            }
        }
    }

    /** Logical block {@code lblk} (of {@code n}), read, pinned and checked by {@link #checkBlock}. */
    Buf block(long lblk, long n) throws ErrnoException {
        if (lblk < 0 || lblk >= n) {
            throw Damage.inode(dir.ino(), "directory block " + lblk + " beyond its end (" + n + " blocks)");
        }
        long pblk = dir.map().map(lblk);
        if (pblk == 0) {
            throw Damage.inode(dir.ino(), "hole at block " + lblk + " of a directory");
        }
        Buf b = fs.cache().read(pblk);
        if (lblk <= Integer.MAX_VALUE && verified.get((int) lblk)) {
            return b;
        }
        try {
            checkBlock(b, lblk);
            if (lblk <= Integer.MAX_VALUE) {
                verified.set((int) lblk);
            }
        } catch (ErrnoException | RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    /**
     * Whether this is a hashed directory as Linux reads one: the inode's index flag, on a file
     * system with dir_index (without the feature Linux ignores the flag, and so does this).
     */
    boolean isIndexed() {
        return (dir.inode().flags() & Inode.INDEX_FL) != 0 && fs.superblock().has(Feature.DIR_INDEX);
    }

    Ext2Node node() {
        return dir;
    }

    /**
     * The index view of {@code b} (logical block {@code lblk}) when it is an index block of a
     * hashed directory, checked; null when it is a leaf. Only needed with metadata_csum, to
     * know which checksum a block carries: block 0 of a hashed directory is its root, and must
     * parse; another block is an interior node when its first record is empty and spans the
     * whole block (an empty leaf's stops before the leaf's checksum tail) and it has the
     * index's limit.
     */
    private DxNode indexView(Buf b, long lblk) throws ErrnoException {
        if (!isIndexed()) {
            return null;
        }
        ByteBuffer d = b.data();
        DxNode node;
        if (lblk == 0) {
            node = DxNode.root(d, bs);
        } else {
            DirRecord first = new DirRecord(d, 0);
            if (first.inode() != 0 || first.recLen(bs) != bs) {
                return null;
            }
            node = DxNode.node(d, bs);
            if (node.limit() != node.expectedLimit(true)) {
                return null;
            }
        }
        String bad = node.check(true);
        if (bad != null) {
            throw Damage.inode(dir.ino(), "directory block " + b.block() + " (logical " + lblk + "): " + bad);
        }
        return node;
    }

        /**
     * The inode the used record named {@code name} in block {@code b} (checked) names, or 0.
     * Reads the record fields straight from the block's bytes (the lookup's inner loop).
     */
    long findInBlock(Buf b, byte[] name) {
        ByteBuffer d = b.data();
        byte[] raw = b.array();
        int off = 0;
        while (off < bs) {
            long ino = DirRecord.inodeAt(d, off);
            int rl = DirRecord.recLenAt(d, off, bs);
            if (ino != 0 && DirRecord.nameLenAt(d, off) == name.length
                    && java.util.Arrays.equals(raw, off + DirRecord.HEADER, off + DirRecord.HEADER + name.length, name, 0, name.length)) {
                return ino;
            }
            off += rl;
        }
        return 0;
    }

    private void checkBlock(Buf b, long lblk) throws ErrnoException {
        ByteBuffer d = b.data();
        int off = 0;
        int count = 0;
        while (off < bs) {
            String bad = null;
            if (off + DirRecord.HEADER > bs) {
                bad = "record header runs past the block";
            } else {
                DirRecord r = new DirRecord(d, off);
                int rl = r.recLen(bs);
                if (rl < 12 || (rl & 3) != 0) {
                    bad = "record length " + rl + " invalid";
                } else if (off + rl > bs) {
                    bad = "record length " + rl + " runs past the block";
                } else if (DirRecord.HEADER + r.nameLen() > rl) {
                    bad = "name length " + r.nameLen() + " does not fit record length " + rl;
                } else if (r.inode() > fs.superblock().inodesCount()) {
                    bad = "inode " + r.inode() + " out of range";
                } else if (r.inode() != 0 && r.nameLen() == 0) {
                    bad = "entry for inode " + r.inode() + " has a zero-length name";
                } else {
                    off += rl;
                    count++;
                    continue;
                }
            }
            throw Damage.inode(dir.ino(), "directory block " + b.block() + " (logical " + lblk + "), offset " + off + ": " + bad);
        }
        DxNode index = fs.hasMetadataCsum() ? indexView(b, lblk) : null;
        if (index != null) {
            if (fs.hasMetadataCsum()) {
                long want = Checksums.dxBlock(dir.checksumSeed(), index);
                if (index.storedChecksum() != want) {
                    throw Damage.checksum("inode " + dir.ino() + ": directory index", b.block(), index.storedChecksum(), want);
                }
            }
        } else if (fs.hasMetadataCsum() && count > 0) {
            DirRecord tail = new DirRecord(d, bs - DirRecord.TAIL_SIZE);
            if (tail.inode() == 0 && tail.rawRecLen() == DirRecord.TAIL_SIZE && tail.nameLen() == 0
                    && tail.fileType() == DirRecord.FT_DIR_CSUM) {
                long stored = d.getInt(bs - 4) & 0xFFFF_FFFFL;
                long want = Checksums.dirBlock(dir.checksumSeed(), d, bs);
                if (stored != want) {
                    throw Damage.checksum("inode " + dir.ino() + ": directory", b.block(), stored, want);
                }
            }
        }
    }

    // ---- reading ----

    /** The inode named {@code name}, or 0. */
    long lookup(byte[] name) throws ErrnoException {
        if (!InlineData.isInline(dir.inode()) && isIndexed()) {
            long ino = new HashIndex(this).lookup(name);
            if (ino != HashIndex.UNUSABLE) {
                return ino;
            }
        }
        if (InlineData.isInline(dir.inode())) {
            long[] found = {0};
            inlineScan(0, (pos, next, ino, type, n) -> {
                if (java.util.Arrays.equals(n, name)) {
                    found[0] = ino;
                    return true;
                }
                return false;
            });
            return found[0];
        }
        if (dir.size() >= (long) NAME_TABLE_BLOCKS * bs) {
            if (names == null) {
                Map<String, Long> table = new HashMap<>();
                walk(0, (b, lblk, off, prev, r) -> {
                    if (r.inode() != 0) {
                        table.put(new String(r.nameBytes(), StandardCharsets.ISO_8859_1), r.inode());
                    }
                    return false;
                });
                names = table;
            }
            Long ino = names.get(new String(name, StandardCharsets.ISO_8859_1));
            return ino == null ? 0 : ino;
        }
        long[] found = {0};
        walk(0, (b, lblk, off, prev, r) -> {
            if (r.inode() != 0 && r.nameEquals(name)) {
                found[0] = r.inode();
                return true;
            }
            return false;
        });
        return found[0];
    }

    DirBatch readdir(long cookie, int max) throws ErrnoException {
        List<DirEntry> out = new ArrayList<>();
        long[] next = {cookie};
        if (InlineData.isInline(dir.inode())) {
            inlineScan(cookie, (pos, nxt, ino, type, n) -> {
                if (out.size() >= max) {
                    return true;
                }
                out.add(new DirEntry(ino, direntType(ino, type), new String(n, StandardCharsets.UTF_8)));
                next[0] = nxt;
                return false;
            });
            return new DirBatch(out, next[0]);
        }
        if (cookie < 0 || cookie >= dir.size()) {
            return new DirBatch(out, Math.max(cookie, 0));
        }
        walk(cookie / bs, (b, lblk, off, prev, r) -> {
            long pos = lblk * bs + off;
            if (pos < cookie) {
                return false;
            }
            if (out.size() >= max) {
                return true;
            }
            next[0] = pos + r.recLen(bs);
            if (r.inode() != 0) {
                out.add(new DirEntry(r.inode(), direntType(r.inode(), r.fileType()), r.name()));
            }
            return false;
        });
        return new DirBatch(out, next[0]);
    }

    private int direntType(long ino, int ft) throws ErrnoException {
        if (fs.hasFileType()) {
            return switch (ft) {
                case DirRecord.FT_REG_FILE -> FileMode.DT_REG;
                case DirRecord.FT_DIR -> FileMode.DT_DIR;
                case DirRecord.FT_CHRDEV -> FileMode.DT_CHR;
                case DirRecord.FT_BLKDEV -> FileMode.DT_BLK;
                case DirRecord.FT_FIFO -> FileMode.DT_FIFO;
                case DirRecord.FT_SOCK -> FileMode.DT_SOCK;
                case DirRecord.FT_SYMLINK -> FileMode.DT_LNK;
                default -> FileMode.DT_UNKNOWN;
            };
        }
        return FileMode.direntType(fs.node(ino).mode());
    }

    boolean isEmpty() throws ErrnoException {
        if (InlineData.isInline(dir.inode())) {
            boolean[] any = {false};
            inlineScan(INLINE_DOTDOT + 1, (pos, nxt, ino, type, n) -> {
                any[0] = true;
                return true;
            });
            return !any[0];
        }
        boolean[] other = {false};
        walk(0, (b, lblk, off, prev, r) -> {
            if (r.inode() != 0 && !isDots(r)) {
                other[0] = true;
                return true;
            }
            return false;
        });
        return !other[0];
    }

    private static boolean isDots(DirRecord r) {
        byte[] n = r.nameBytes();
        return n.length == 1 && n[0] == '.' || n.length == 2 && n[0] == '.' && n[1] == '.';
    }

    // ---- inline directories (ext4, read-only) ----

    private interface InlineVisitor {
        boolean visit(long pos, long next, long ino, int type, byte[] name) throws ErrnoException;
    }

    private void inlineScan(long cookie, InlineVisitor v) throws ErrnoException {
        byte[] data = InlineData.read(dir.inode(), dir.ino());
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        long parent = b.getInt(0) & 0xFFFF_FFFFL;
        if (cookie <= INLINE_DOT && v.visit(INLINE_DOT, INLINE_DOTDOT, dir.ino(), DirRecord.FT_DIR, new byte[] {'.'})) {
            return;
        }
        if (cookie <= INLINE_DOTDOT && v.visit(INLINE_DOTDOT, INLINE_PARENT_BYTES, parent, DirRecord.FT_DIR, new byte[] {'.', '.'})) {
            return;
        }
        int[][] regions = {{INLINE_PARENT_BYTES, Math.min(data.length, Inode.I_BLOCK_BYTES)}, {Inode.I_BLOCK_BYTES, data.length}};
        for (int[] reg : regions) {
            int off = reg[0];
            while (off < reg[1]) {
                if (off + DirRecord.HEADER > reg[1]) {
                    throw Damage.inode(dir.ino(), "inline directory record at " + off + " runs past the data");
                }
                DirRecord r = new DirRecord(b, off);
                int rl = r.rawRecLen();
                if (rl < DirRecord.HEADER || (rl & 3) != 0 || off + rl > reg[1] || DirRecord.HEADER + r.nameLen() > rl) {
                    throw Damage.inode(dir.ino(), "inline directory record at " + off + " has bad length " + rl);
                }
                if (r.inode() != 0 && r.nameLen() == 0) {
                    throw Damage.inode(dir.ino(), "inline directory record at " + off + ": entry for inode " + r.inode()
                            + " has a zero-length name");
                }
                if (r.inode() != 0 && off >= cookie && v.visit(off, off + rl, r.inode(), r.fileType(), r.nameBytes())) {
                    return;
                }
                off += rl;
            }
        }
    }

    // ---- changes (ext2 block directories only; the file system is writable) ----

    /** Clears the htree flag before a change. */
    private void beforeChange() throws ErrnoException {
        verified.clear();
        if ((dir.inode().flags() & Inode.INDEX_FL) != 0) {
            dir.inode().setFlags(dir.inode().flags() & ~Inode.INDEX_FL);
            dir.markInodeDirty();
        }
    }

    /** Writes the first block of a new directory: "." and "..". */
    void init(long parentIno) throws ErrnoException {
        verified.clear();
        boolean[] fresh = new boolean[1];
        long pblk = dir.map().mapOrAllocate(0, fresh);
        int type = fs.hasFileType() ? DirRecord.FT_DIR : 0;
        try (Buf b = fs.cache().zeroed(pblk)) {
            new DirRecord(b.data(), 0).set(dir.ino(), 12, new byte[] {'.'}, type);
            new DirRecord(b.data(), 12).set(parentIno, bs - 12, new byte[] {'.', '.'}, type);
        }
        dir.setSizeField(bs);
    }

    /** Adds {@code name} for inode {@code ino}; the caller has checked that it is absent. */
    void add(byte[] name, long ino, int mode) throws ErrnoException {
        beforeChange();
        int need = DirRecord.sizeFor(name.length);
        int type = fs.hasFileType() ? DirRecord.fileTypeOf(mode) : 0;
        boolean[] done = {false};
        long[] where = {0};
        walk(Math.min(addHint, blockCount()), (b, lblk, off, prev, r) -> {
            int rl = r.recLen(bs);
            if (r.inode() == 0 && rl >= need) {
                r.set(ino, rl, name, type);
            } else if (r.inode() != 0 && rl - r.usedSize() >= need) {
                int used = r.usedSize();
                r.setRecLen(used);
                new DirRecord(b.data(), off + used).set(ino, rl - used, name, type);
            } else {
                return false;
            }
            b.markDirty();
            done[0] = true;
            where[0] = lblk;
            return true;
        });
        if (names != null) {
            names.put(new String(name, StandardCharsets.ISO_8859_1), ino);
        }
        if (done[0]) {
            addHint = where[0];
            return;
        }
        long lblk = dir.size() / bs;
        if ((lblk + 1) * bs > Integer.MAX_VALUE && !fs.superblock().has(io.jrump.fs.ext2.disk.Feature.LARGEDIR)) {
            throw new ErrnoException(Errno.ENOSPC, "ext2: directory " + dir.ino() + " cannot grow beyond 2 GiB");
        }
        boolean[] fresh = new boolean[1];
        long pblk = dir.map().mapOrAllocate(lblk, fresh);
        try (Buf b = fs.cache().zeroed(pblk)) {
            new DirRecord(b.data(), 0).set(ino, bs, name, type);
        }
        dir.setSizeField((lblk + 1) * bs);
        addHint = lblk;
    }

    /** Removes {@code name}; returns the inode it named, or 0 when absent. */
    long remove(byte[] name) throws ErrnoException {
        beforeChange();
        long[] found = {0};
        walk(0, (b, lblk, off, prev, r) -> {
            if (r.inode() == 0 || !r.nameEquals(name)) {
                return false;
            }
            found[0] = r.inode();
            if (prev >= 0) {
                DirRecord p = new DirRecord(b.data(), prev);
                p.setRecLen(p.recLen(bs) + r.recLen(bs));
            } else {
                r.setInode(0);
            }
            b.markDirty();
            return true;
        });
        if (names != null) {
            names.remove(new String(name, StandardCharsets.ISO_8859_1));
        }
        addHint = 0;
        return found[0];
    }

    /** Points the existing entry {@code name} at {@code ino} (rename over an existing name; ".." of a moved directory). */
    void retarget(byte[] name, long ino, int mode) throws ErrnoException {
        beforeChange();
        int type = fs.hasFileType() ? DirRecord.fileTypeOf(mode) : 0;
        boolean[] done = {false};
        walk(0, (b, lblk, off, prev, r) -> {
            if (r.inode() == 0 || !r.nameEquals(name)) {
                return false;
            }
            r.setInode(ino);
            r.setFileType(type);
            if (names != null) {
                names.put(new String(name, StandardCharsets.ISO_8859_1), ino);
            }
            b.markDirty();
            done[0] = true;
            return true;
        });
        if (!done[0]) {
            throw Damage.inode(dir.ino(), "entry '" + new String(name, StandardCharsets.UTF_8) + "' vanished");
        }
    }
}
