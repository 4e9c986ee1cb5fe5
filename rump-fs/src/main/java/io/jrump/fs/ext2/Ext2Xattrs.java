package io.jrump.fs.ext2;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.fs.bio.Buf;
import io.jrump.fs.ext2.disk.Checksums;
import io.jrump.fs.ext2.disk.Feature;
import io.jrump.fs.ext2.disk.Inode;
import io.jrump.fs.ext2.disk.PosixAcl;
import io.jrump.fs.ext2.disk.Superblock;
import io.jrump.fs.ext2.disk.Xattr;
import io.jrump.fs.ext2.disk.XattrNames;
import io.jrump.fs.ext2.disk.XattrRegion;
import io.jrump.api.XattrFlags;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A node's extended attributes, in its inode body and in its attribute block
 * ({@link XattrRegion} has the layout). A change reads both lists, edits them in memory and
 * writes back only the place that changed: an attribute stays where it was while it fits
 * there, a new one goes into the inode first and into the block when the inode is full, as
 * Linux's ext4 places them.
 *
 * <p>The block may be shared by inodes with the same attributes ({@code h_refcount}). A
 * shared block is never changed: a change copies it to a new block and drops one reference
 * from the old (copy on write); a block whose last reference goes is freed. The reference
 * counts are guarded by the {@link Allocator}'s monitor, under which every block change is
 * made. Nothing read is trusted for writing: the block pointer passes {@link Ext2Fs#checkBlock}
 * (the system zone), a block about to be rewritten or freed must be allocated in the bitmap,
 * and damage is EUCLEAN (which {@link Ext2Fs#failure} turns into a read-only mount).
 */
final class Ext2Xattrs {
    private Ext2Xattrs() {
    }

    /** Both lists as read, with the block's number and reference count (0 without a block). */
    private record Loaded(List<Xattr> ibody, List<Xattr> block, long blockNr) {
    }

    /** The value of {@code name}, in the form getxattr returns; ENODATA when absent. */
    static byte[] get(Ext2Node n, String name) throws ErrnoException {
        Xattr key = key(name);
        Loaded l = load(n);
        Xattr x = find(l.ibody, key);
        if (x == null) {
            x = find(l.block, key);
        }
        if (x == null) {
            throw new ErrnoException(Errno.ENODATA);
        }
        if (key.index() == XattrNames.POSIX_ACL_ACCESS || key.index() == XattrNames.POSIX_ACL_DEFAULT) {
            byte[] acl = PosixAcl.toXattr(x.value());
            if (acl == null) {
                throw Damage.inode(n.ino(), "malformed POSIX ACL in " + name);
            }
            return acl;
        }
        return x.value();
    }

    /** Every named attribute, inode body first, as Linux lists them. */
    static List<String> list(Ext2Node n) throws ErrnoException {
        Loaded l = load(n);
        List<String> out = new ArrayList<>();
        for (List<Xattr> part : List.of(l.ibody, l.block)) {
            for (Xattr x : part) {
                String full = XattrNames.fullName(x.index(), x.name());
                if (full != null && !out.contains(full)) {
                    out.add(full);
                }
            }
        }
        return out;
    }

    /**
     * Sets ({@code value} non-null) or removes {@code name}, with setxattr's flags: EEXIST for
     * XATTR_CREATE of one that exists, ENODATA for XATTR_REPLACE or a removal of one that does
     * not, ENOSPC when it fits neither in the inode nor in a block. Updates the change time.
     */
    static void set(Ext2Node n, String name, byte[] value, int flags) throws ErrnoException {
        Xattr key = key(name);
        if (key.index() == XattrNames.POSIX_ACL_ACCESS || key.index() == XattrNames.POSIX_ACL_DEFAULT) {
            throw new ErrnoException(Errno.EOPNOTSUPP, "ext2: POSIX ACLs are read, not written, here");
        }
        if (key.name().length > 255) {
            throw new ErrnoException(Errno.ERANGE, "ext2: attribute name longer than 255 bytes");
        }
        Loaded l = load(n);
        List<Xattr> ibody = new ArrayList<>(l.ibody);
        List<Xattr> block = new ArrayList<>(l.block);
        boolean inIbody = ibody.removeIf(x -> x.is(key.index(), key.name()));
        boolean inBlock = block.removeIf(x -> x.is(key.index(), key.name()));
        boolean exists = inIbody || inBlock;
        if (exists && (flags & XattrFlags.XATTR_CREATE) != 0) {
            throw new ErrnoException(Errno.EEXIST);
        }
        if (!exists && (value == null || (flags & XattrFlags.XATTR_REPLACE) != 0)) {
            throw new ErrnoException(Errno.ENODATA);
        }
        if (value != null) {
            Xattr x = new Xattr(key.index(), key.name(), value);
            int room = ibodyRoom(n);
            boolean fitsIbody = room >= 0 && XattrRegion.spaceNeeded(plus(ibody, x)) <= room;
            boolean fitsBlock = XattrRegion.spaceNeeded(plus(block, x)) <= n.fs.blockSize() - XattrRegion.BLOCK_HEADER;
            if (fitsIbody && (!inBlock || !fitsBlock)) {
                ibody.add(x);
            } else if (fitsBlock) {
                block.add(x);
                block.sort(Xattr::blockOrder);
            } else {
                throw new ErrnoException(Errno.ENOSPC, "ext2: no room for " + name + " (" + value.length
                        + " bytes) in the inode or in an attribute block");
            }
        }
        // the block first: it is what may fail (no space), before the inode changes
        if (!Xattr.sameList(block, l.block)) {
            writeBlock(n, l.blockNr, block);
        }
        if (!Xattr.sameList(ibody, l.ibody)) {
            writeIbody(n, ibody);
        }
        n.touchChanged();
    }

    private static List<Xattr> plus(List<Xattr> list, Xattr x) {
        List<Xattr> out = new ArrayList<>(list);
        out.add(x);
        return out;
    }

    private static Xattr key(String name) throws ErrnoException {
        Xattr key = XattrNames.key(name);
        if (key == null) {
            throw new ErrnoException(Errno.EOPNOTSUPP, "ext2: no attributes named " + name);
        }
        return key;
    }

    private static Xattr find(List<Xattr> list, Xattr key) {
        for (Xattr x : list) {
            if (x.is(key.index(), key.name())) {
                return x;
            }
        }
        return null;
    }

    private static Loaded load(Ext2Node n) throws ErrnoException {
        List<Xattr> ibody = readIbody(n);
        long acl = n.inode().fileAcl();
        List<Xattr> block = new ArrayList<>();
        if (acl != 0) {
            n.fs.checkBlock(n.ino(), acl);
            try (Buf b = n.fs.cache().read(acl)) {
                ByteBuffer d = b.data();
                checkHeader(n, acl, d);
                String bad = XattrRegion.parse(d, XattrRegion.BLOCK_HEADER, 0, n.fs.blockSize(), block);
                if (bad != null) {
                    throw Damage.inode(n.ino(), "extended attribute block " + acl + ": " + bad);
                }
            }
        }
        return new Loaded(ibody, block, acl);
    }

    /** EUCLEAN for a block that is not an attribute block, EIO for one whose checksum fails. */
    private static void checkHeader(Ext2Node n, long acl, ByteBuffer d) throws ErrnoException {
        if (d.getInt(XattrRegion.H_MAGIC) != XattrRegion.MAGIC) {
            throw Damage.inode(n.ino(), "extended attribute block " + acl + " has a bad magic number");
        }
        if (d.getInt(XattrRegion.H_BLOCKS) != 1) {
            throw Damage.inode(n.ino(), "extended attribute block " + acl + " says it spans "
                    + Integer.toUnsignedString(d.getInt(XattrRegion.H_BLOCKS)) + " blocks");
        }
        if (d.getInt(XattrRegion.H_REFCOUNT) <= 0) {
            throw Damage.inode(n.ino(), "extended attribute block " + acl + " has reference count "
                    + Integer.toUnsignedString(d.getInt(XattrRegion.H_REFCOUNT)));
        }
        if (n.fs.hasMetadataCsum()) {
            int want = Checksums.xattrBlock(n.fs.csumSeed(), acl, d, n.fs.blockSize());
            int stored = d.getInt(XattrRegion.H_CHECKSUM);
            if (want != stored) {
                throw Damage.checksum("inode " + n.ino() + ": extended attribute block", acl,
                        stored & 0xFFFF_FFFFL, want & 0xFFFF_FFFFL);
            }
        }
    }

    // ---- the inode body ----

    /** Offset in the inode's buffer where the body's attribute header starts, or -1 when the inode has no room for one. */
    private static int ibodyStart(Ext2Node n) throws ErrnoException {
        Inode in = n.inode();
        if (in.size() <= Superblock.GOOD_OLD_INODE_SIZE) {
            return -1;
        }
        int extra = in.extraIsize();
        if (extra % 4 != 0 || Superblock.GOOD_OLD_INODE_SIZE + extra > in.size()) {
            throw Damage.inode(n.ino(), "i_extra_isize " + extra + " out of range for " + in.size() + "-byte inodes");
        }
        int start = Superblock.GOOD_OLD_INODE_SIZE + extra;
        return start + XattrRegion.IBODY_HEADER <= in.size() ? in.offset() + start : -1;
    }

    /** Bytes for entries and values in the inode body; -1 when there is no body. */
    private static int ibodyRoom(Ext2Node n) throws ErrnoException {
        int start = ibodyStart(n);
        return start < 0 ? -1 : n.inode().offset() + n.inode().size() - start - XattrRegion.IBODY_HEADER;
    }

    private static List<Xattr> readIbody(Ext2Node n) throws ErrnoException {
        List<Xattr> out = new ArrayList<>();
        int start = ibodyStart(n);
        ByteBuffer b = n.inode().buffer();
        if (start < 0 || b.getInt(start) != XattrRegion.MAGIC) {
            return out;
        }
        int first = start + XattrRegion.IBODY_HEADER;
        String bad = XattrRegion.parse(b, first, first, n.inode().offset() + n.inode().size(), out);
        if (bad != null) {
            throw Damage.inode(n.ino(), "extended attributes in the inode: " + bad);
        }
        return out;
    }

    /** Writes the body's list (the magic only when there is one, as ext4 leaves an empty body) and the inode. */
    private static void writeIbody(Ext2Node n, List<Xattr> list) throws ErrnoException {
        int start = ibodyStart(n);
        ByteBuffer b = n.inode().buffer();
        int first = start + XattrRegion.IBODY_HEADER;
        XattrRegion.write(b, first, first, n.inode().offset() + n.inode().size(), list, false);
        b.putInt(start, list.isEmpty() ? 0 : XattrRegion.MAGIC);
        requireExtAttrFeature(n.fs);
        n.markInodeDirty();
    }

    // ---- the block ----

    /**
     * Makes the node's block hold {@code list}: rewritten in place when the node is its only
     * user, copied to a new block when it is shared, freed (or one reference dropped) when the
     * list is empty, allocated when there was none.
     */
    private static void writeBlock(Ext2Node n, long old, List<Xattr> list) throws ErrnoException {
        Ext2Fs fs = n.fs;
        Allocator allocator = fs.allocator();
        synchronized (allocator) {
            int refs = 0;
            if (old != 0) {
                refs = checkedRefs(n, old);
            }
            if (list.isEmpty()) {
                dropReference(n, old, refs);
                n.addBlocks(-1);
                n.inode().setFileAcl(0);
            } else if (old != 0 && refs == 1) {
                try (Buf b = fs.cache().read(old)) {
                    fill(fs, old, b.data(), list);
                    b.markDirty();
                }
            } else {
                long fresh = allocator.allocBlock(allocator.goalFor(n.ino()));
                try (Buf b = fs.cache().zeroed(fresh)) {
                    fill(fs, fresh, b.data(), list);
                }
                if (old != 0) {
                    dropReference(n, old, refs);
                } else {
                    n.addBlocks(1);
                }
                n.inode().setFileAcl(fresh);
            }
            requireExtAttrFeature(fs);
        }
        n.markInodeDirty();
    }

    /**
     * The reference count of the node's block {@code acl}, checked for writing: inside the data
     * area and outside the system zone, an attribute block, and — when this node is its only
     * user, so that it will be rewritten or freed — allocated in the bitmap. Allocator's monitor held.
     */
    private static int checkedRefs(Ext2Node n, long acl) throws ErrnoException {
        Ext2Fs fs = n.fs;
        fs.checkBlock(n.ino(), acl);
        int refs;
        try (Buf b = fs.cache().read(acl)) {
            ByteBuffer d = b.data();
            checkHeader(n, acl, d);
            refs = d.getInt(XattrRegion.H_REFCOUNT);
        }
        if (refs <= 1) {
            fs.allocator().requireAllocated(acl);
        }
        return refs;
    }

    /** One reference fewer to {@code acl} (whose count, checked, is {@code refs}); freed with the last. Allocator's monitor held. */
    private static void dropReference(Ext2Node n, long acl, int refs) throws ErrnoException {
        Ext2Fs fs = n.fs;
        if (refs <= 1) {
            fs.allocator().freeBlock(acl);
            return;
        }
        try (Buf b = fs.cache().read(acl)) {
            ByteBuffer d = b.data();
            d.putInt(XattrRegion.H_REFCOUNT, refs - 1);
            if (fs.hasMetadataCsum()) {
                d.putInt(XattrRegion.H_CHECKSUM, Checksums.xattrBlock(fs.csumSeed(), acl, d, fs.blockSize()));
            }
            b.markDirty();
        }
    }

    /** A block of one reference holding {@code list} (sorted as Linux sorts them), with its hashes and checksum. */
    private static void fill(Ext2Fs fs, long blockNr, ByteBuffer d, List<Xattr> list) {
        int bs = fs.blockSize();
        for (int i = 0; i < XattrRegion.BLOCK_HEADER; i++) {
            d.put(i, (byte) 0);
        }
        d.putInt(XattrRegion.H_MAGIC, XattrRegion.MAGIC);
        d.putInt(XattrRegion.H_REFCOUNT, 1);
        d.putInt(XattrRegion.H_BLOCKS, 1);
        int[] hashes = XattrRegion.write(d, XattrRegion.BLOCK_HEADER, 0, bs, list, true);
        d.putInt(XattrRegion.H_HASH, XattrRegion.blockHash(hashes));
        if (fs.hasMetadataCsum()) {
            d.putInt(XattrRegion.H_CHECKSUM, Checksums.xattrBlock(fs.csumSeed(), blockNr, d, bs));
        }
    }

    /** Sets the ext_attr compatible feature, as Linux does with the first attribute it writes. */
    private static void requireExtAttrFeature(Ext2Fs fs) {
        Superblock sb = fs.superblock();
        synchronized (fs.allocator()) {
            if (!sb.has(Feature.EXT_ATTR)) {
                sb.setFeatures(Feature.Kind.COMPAT, sb.features(Feature.Kind.COMPAT) | Feature.EXT_ATTR.mask());
            }
        }
    }

    /**
     * Drops the inode's reference to its attribute block, freeing the block with the last one;
     * {@link InodeRelease} calls this when the inode goes. {@link #checkRelease} ran first.
     */
    static void releaseBlock(Ext2Node n) throws ErrnoException {
        long acl = n.inode().fileAcl();
        if (acl == 0) {
            return;
        }
        synchronized (n.fs.allocator()) {
            dropReference(n, acl, checkedRefs(n, acl));
        }
        n.addBlocks(-1);
        n.inode().setFileAcl(0);
    }

    /** Checks what {@link #releaseBlock} will do, changing nothing. */
    static void checkRelease(Ext2Node n) throws ErrnoException {
        long acl = n.inode().fileAcl();
        if (acl != 0) {
            synchronized (n.fs.allocator()) {
                checkedRefs(n, acl);
            }
        }
    }
}
