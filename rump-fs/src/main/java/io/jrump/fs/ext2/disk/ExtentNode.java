package io.jrump.fs.ext2.disk;

import java.nio.ByteBuffer;

/**
 * A node of an ext4 extent tree: a 12-byte header ({@code struct ext4_extent_header}) followed
 * by {@code eh_entries} 12-byte entries, index entries ({@code ext4_extent_idx}) when
 * {@code eh_depth > 0}, leaf extents ({@code ext4_extent}) at depth 0. The root lives in the
 * inode's 60-byte {@code i_block} (room for 4 entries); other nodes fill a block and end with
 * a checksum after {@code eh_max} entries (ext4 wiki "Ext4 Disk Layout", section Extent Tree).
 */
public final class ExtentNode extends LeView {
    public static final int MAGIC = 0xF30A;
    public static final int HEADER = 12;
    public static final int ENTRY = 12;
    /** Deepest tree the kernel builds (ext4 EXT4_MAX_EXTENT_DEPTH). */
    public static final int MAX_DEPTH = 5;
    /** A leaf length above this marks an uninitialised (preallocated, reads as zero) extent. */
    public static final int INIT_MAX_LEN = 32768;

    private final int length;

    /** A node occupying {@code length} bytes at {@code offset} (60 for a root, a block otherwise). */
    public ExtentNode(ByteBuffer buffer, int offset, int length) {
        super(buffer, offset, length);
        this.length = length;
    }

    public int magic() { return u16(0); }
    public int entries() { return u16(2); }
    public int max() { return u16(4); }
    public int depth() { return u16(6); }

    /** Null when the header is consistent with a node of this size, else what is wrong. */
    public String check() {
        if (magic() != MAGIC) {
            return String.format("bad extent magic 0x%04x", magic());
        }
        if (max() > (length - HEADER) / ENTRY) {
            return "extent header max " + max() + " does not fit in " + length + " bytes";
        }
        if (entries() > max()) {
            return "extent header has " + entries() + " entries, max " + max();
        }
        if (depth() > MAX_DEPTH) {
            return "extent tree depth " + depth() + " exceeds " + MAX_DEPTH;
        }
        return null;
    }

    private int entry(int i) {
        return HEADER + i * ENTRY;
    }

    /** First logical block covered by entry {@code i} (index or leaf). */
    public long firstBlock(int i) { return u32(entry(i)); }

    /** Index entry {@code i}: the block of the child node. */
    public long childBlock(int i) { return join(u32(entry(i) + 4), u16(entry(i) + 8)); }

    /** Leaf entry {@code i}: number of blocks (uninitialised extents decoded). */
    public int length(int i) {
        int len = u16(entry(i) + 4);
        return len > INIT_MAX_LEN ? len - INIT_MAX_LEN : len;
    }

    /** Leaf entry {@code i}: whether it is preallocated but not written (reads as zeros). */
    public boolean uninitialized(int i) { return u16(entry(i) + 4) > INIT_MAX_LEN; }

    /** Leaf entry {@code i}: first physical block. */
    public long startBlock(int i) { return join(u32(entry(i) + 8), u16(entry(i) + 6)); }

    /** Offset, from the node's start, of the checksum of a block-sized node. */
    public int tailOffset() { return HEADER + max() * ENTRY; }

    /** The stored checksum of a block-sized node. */
    public long tailChecksum() { return u32(tailOffset()); }
}
