package io.jrump.fs.ext2;

import io.jrump.api.ErrnoException;
import io.jrump.fs.ext2.disk.Feature;
import io.jrump.fs.ext2.disk.GroupDescriptor;
import io.jrump.fs.ext2.disk.GroupLayout;
import io.jrump.fs.ext2.disk.Superblock;
import java.util.Arrays;

/**
 * The blocks that hold the file system's own metadata — superblock copies, descriptor tables
 * and their reserved growth blocks, block and inode bitmaps, inode tables — as Linux's ext2
 * and ext4 keep them in their "system zone" ({@code ext2_data_block_valid},
 * {@code ext4_setup_system_zone}). A read-write mount builds it once and consults it wherever a
 * block number read from the image is about to be written or freed: a file's block pointer
 * into this zone is corruption, never a block to overwrite, and the allocator never hands out a
 * block inside it even when a damaged bitmap shows one free. Layout facts: ext4 wiki "Ext4
 * Disk Layout", sections Layout, Flexible Block Groups, Meta Block Groups.
 *
 * <p>Building the zone also checks that no two pieces of metadata overlap (a descriptor whose
 * block bitmap lies in an inode table, say): such an image cannot be written without one
 * structure overwriting another, so the read-write mount is refused.
 *
 * <p>Held as sorted, merged, disjoint ranges: a lookup is a binary search, and the memory is
 * a few longs per group (flex_bg images merge whole runs of groups into one range).
 */
final class SystemZone {
    /** First block of each range, ascending. */
    private final long[] starts;
    /** One past the last block of each range. */
    private final long[] ends;

    /** The zone of a read-only mount, which writes and frees nothing: empty. */
    static final SystemZone NONE = new SystemZone(new long[0], new long[0]);

    private SystemZone(long[] starts, long[] ends) {
        this.starts = starts;
        this.ends = ends;
    }

    /** One piece of metadata: blocks [start, end) and what it is, for messages. */
    private record Piece(long start, long end, long group, String what) {
        String describe() {
            return what + " of group " + group + " (blocks " + start + ".." + (end - 1) + ")";
        }
    }

    /**
     * Collects the metadata of every group and checks that no two pieces overlap.
     *
     * @throws ErrnoException EUCLEAN naming the two pieces that overlap
     */
    static SystemZone build(Superblock sb, GroupTable groups) throws ErrnoException {
        long n = groups.count();
        Piece[] pieces = new Piece[(int) Math.min(Integer.MAX_VALUE - 8, n * 5)];
        int count = 0;
        long fixed = fixedBlocks(sb);
        boolean metaBg = sb.has(Feature.META_BG);
        long itb = groups.inodeTableBlocks();
        for (long g = 0; g < n; g++) {
            long start = GroupLayout.groupStart(sb, g);
            if (GroupLayout.hasSuperblock(sb, g)) {
                pieces[count++] = new Piece(start, start + fixed, g, "superblock and descriptor table copy");
            }
            if (metaBg) {
                long tableBlock = g / GroupLayout.descriptorsPerBlock(sb);
                long lastOfMeta = Math.min(n - 1, (tableBlock + 1) * GroupLayout.descriptorsPerBlock(sb) - 1);
                long firstOfMeta = tableBlock * GroupLayout.descriptorsPerBlock(sb);
                if (tableBlock >= sb.firstMetaBg() && (g == firstOfMeta || g == firstOfMeta + 1 || g == lastOfMeta)) {
                    long at = start + (GroupLayout.hasSuperblock(sb, g) ? 1 : 0);
                    pieces[count++] = new Piece(at, at + 1, g, "meta_bg descriptor block");
                }
            }
            GroupDescriptor d = groups.get(g);
            pieces[count++] = new Piece(d.blockBitmap(), d.blockBitmap() + 1, g, "block bitmap");
            pieces[count++] = new Piece(d.inodeBitmap(), d.inodeBitmap() + 1, g, "inode bitmap");
            pieces[count++] = new Piece(d.inodeTable(), d.inodeTable() + itb, g, "inode table");
        }
        Piece[] sorted = Arrays.copyOf(pieces, count);
        Arrays.sort(sorted, (a, b) -> Long.compare(a.start, b.start));
        long[] starts = new long[count];
        long[] ends = new long[count];
        int m = 0;
        Piece last = null;
        for (Piece p : sorted) {
            if (p.start == p.end) {
                continue;
            }
            if (last != null && p.start < last.end) {
                throw Damage.corrupt(p.describe() + " overlaps the " + last.describe()
                        + ": writing would overwrite one with the other; run e2fsck");
            }
            if (m > 0 && p.start == ends[m - 1]) {
                ends[m - 1] = p.end;
            } else {
                starts[m] = p.start;
                ends[m] = p.end;
                m++;
            }
            if (last == null || p.end > last.end) {
                last = p;
            }
        }
        return new SystemZone(Arrays.copyOf(starts, m), Arrays.copyOf(ends, m));
    }

    /**
     * Blocks at the start of a group that carries a superblock copy: the superblock, then
     * (below {@code s_first_meta_bg} with meta_bg, always without it) the descriptor table and
     * the blocks reserved for its growth ({@code s_reserved_gdt_blocks}).
     */
    private static long fixedBlocks(Superblock sb) {
        long table = sb.has(Feature.META_BG) ? Math.min(sb.firstMetaBg(), GroupLayout.descriptorBlocks(sb))
                : GroupLayout.descriptorBlocks(sb);
        return 1 + table + sb.reservedGdtBlocks();
    }

    /** Whether any block of [block, block + count) is metadata. */
    boolean overlaps(long block, long count) {
        int i = indexAtOrBefore(block + count - 1);
        return i >= 0 && ends[i] > block;
    }

    /** Whether {@code block} is metadata. */
    boolean contains(long block) {
        return overlaps(block, 1);
    }

    /**
     * Calls {@code each} with every metadata block in [from, to), in order: what a group's
     * block bitmap must show in use.
     */
    void forEachIn(long from, long to, BlockVisitor each) throws ErrnoException {
        int i = Math.max(0, indexAtOrBefore(from));
        for (; i < starts.length && starts[i] < to; i++) {
            for (long b = Math.max(from, starts[i]); b < Math.min(to, ends[i]); b++) {
                each.visit(b);
            }
        }
    }

    /** A step of {@link #forEachIn}. */
    interface BlockVisitor {
        void visit(long block) throws ErrnoException;
    }

    /** Index of the last range starting at or before {@code block}, or -1. */
    private int indexAtOrBefore(long block) {
        int i = Arrays.binarySearch(starts, block);
        return i >= 0 ? i : -i - 2;
    }
}
