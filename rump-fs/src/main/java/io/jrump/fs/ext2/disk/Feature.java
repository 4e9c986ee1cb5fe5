package io.jrump.fs.ext2.disk;

import java.util.ArrayList;
import java.util.List;

/**
 * The feature flags of an ext2/3/4 superblock, with the names e2fsprogs gives them (source:
 * e2fsprogs {@code lib/ext2fs/ext2_fs.h} and {@code lib/e2p/feature.c}; the ext4 wiki "Ext4
 * Disk Layout", section Super Block).
 *
 * <p>The three sets have different rules, which is why each constant carries its {@link Kind}:
 * an unknown <em>compat</em> feature may be ignored, an unknown <em>ro_compat</em> feature
 * still allows reading, an unknown <em>incompat</em> feature forbids mounting at all.
 */
public enum Feature {
    DIR_PREALLOC(Kind.COMPAT, 0x0001, "dir_prealloc"),
    IMAGIC_INODES(Kind.COMPAT, 0x0002, "imagic_inodes"),
    HAS_JOURNAL(Kind.COMPAT, 0x0004, "has_journal"),
    EXT_ATTR(Kind.COMPAT, 0x0008, "ext_attr"),
    RESIZE_INODE(Kind.COMPAT, 0x0010, "resize_inode"),
    DIR_INDEX(Kind.COMPAT, 0x0020, "dir_index"),
    LAZY_BG(Kind.COMPAT, 0x0040, "lazy_bg"),
    EXCLUDE_BITMAP(Kind.COMPAT, 0x0100, "snapshot_bitmap"),
    SPARSE_SUPER2(Kind.COMPAT, 0x0200, "sparse_super2"),
    FAST_COMMIT(Kind.COMPAT, 0x0400, "fast_commit"),
    STABLE_INODES(Kind.COMPAT, 0x0800, "stable_inodes"),
    ORPHAN_FILE(Kind.COMPAT, 0x1000, "orphan_file"),

    SPARSE_SUPER(Kind.RO_COMPAT, 0x0001, "sparse_super"),
    LARGE_FILE(Kind.RO_COMPAT, 0x0002, "large_file"),
    BTREE_DIR(Kind.RO_COMPAT, 0x0004, "btree_dir"),
    HUGE_FILE(Kind.RO_COMPAT, 0x0008, "huge_file"),
    GDT_CSUM(Kind.RO_COMPAT, 0x0010, "uninit_bg"),
    DIR_NLINK(Kind.RO_COMPAT, 0x0020, "dir_nlink"),
    EXTRA_ISIZE(Kind.RO_COMPAT, 0x0040, "extra_isize"),
    HAS_SNAPSHOT(Kind.RO_COMPAT, 0x0080, "snapshot"),
    QUOTA(Kind.RO_COMPAT, 0x0100, "quota"),
    BIGALLOC(Kind.RO_COMPAT, 0x0200, "bigalloc"),
    METADATA_CSUM(Kind.RO_COMPAT, 0x0400, "metadata_csum"),
    REPLICA(Kind.RO_COMPAT, 0x0800, "replica"),
    READONLY(Kind.RO_COMPAT, 0x1000, "read-only"),
    PROJECT(Kind.RO_COMPAT, 0x2000, "project"),
    SHARED_BLOCKS(Kind.RO_COMPAT, 0x4000, "shared_blocks"),
    VERITY(Kind.RO_COMPAT, 0x8000, "verity"),
    ORPHAN_PRESENT(Kind.RO_COMPAT, 0x10000, "orphan_present"),

    COMPRESSION(Kind.INCOMPAT, 0x0001, "compression"),
    FILETYPE(Kind.INCOMPAT, 0x0002, "filetype"),
    RECOVER(Kind.INCOMPAT, 0x0004, "needs_recovery"),
    JOURNAL_DEV(Kind.INCOMPAT, 0x0008, "journal_dev"),
    META_BG(Kind.INCOMPAT, 0x0010, "meta_bg"),
    EXTENTS(Kind.INCOMPAT, 0x0040, "extent"),
    BIT64(Kind.INCOMPAT, 0x0080, "64bit"),
    MMP(Kind.INCOMPAT, 0x0100, "mmp"),
    FLEX_BG(Kind.INCOMPAT, 0x0200, "flex_bg"),
    EA_INODE(Kind.INCOMPAT, 0x0400, "ea_inode"),
    DIRDATA(Kind.INCOMPAT, 0x1000, "dirdata"),
    CSUM_SEED(Kind.INCOMPAT, 0x2000, "metadata_csum_seed"),
    LARGEDIR(Kind.INCOMPAT, 0x4000, "large_dir"),
    INLINE_DATA(Kind.INCOMPAT, 0x8000, "inline_data"),
    ENCRYPT(Kind.INCOMPAT, 0x10000, "encrypt"),
    CASEFOLD(Kind.INCOMPAT, 0x20000, "casefold");

    /** Which of the superblock's three feature words a flag lives in. */
    public enum Kind { COMPAT, INCOMPAT, RO_COMPAT }

    private final Kind kind;
    private final int mask;
    private final String label;

    Feature(Kind kind, int mask, String label) {
        this.kind = kind;
        this.mask = mask;
        this.label = label;
    }

    public Kind kind() {
        return kind;
    }

    public int mask() {
        return mask;
    }

    /** The name e2fsprogs prints ({@code dumpe2fs}, {@code mke2fs -O}). */
    public String label() {
        return label;
    }

    /** Whether {@code sb} has this feature. */
    public boolean in(Superblock sb) {
        return (sb.features(kind) & mask) != 0;
    }

    /**
     * Names of the bits of {@code word} (a feature word of kind {@code kind}) that are not in
     * {@code allowed}; a bit e2fsprogs does not know either is named {@code FEATURE_X<bit>}
     * ({@code I}, {@code R}, {@code C}) as e2fsprogs does.
     */
    public static List<String> namesOf(Kind kind, int word, int allowed) {
        List<String> out = new ArrayList<>();
        int rest = word & ~allowed;
        for (int bit = 0; bit < 32 && rest != 0; bit++) {
            int m = 1 << bit;
            if ((rest & m) == 0) {
                continue;
            }
            rest &= ~m;
            String name = null;
            for (Feature f : values()) {
                if (f.kind == kind && f.mask == m) {
                    name = f.label;
                }
            }
            if (name == null) {
                char c = kind == Kind.COMPAT ? 'C' : kind == Kind.INCOMPAT ? 'I' : 'R';
                name = "FEATURE_" + c + bit;
            }
            out.add(name);
        }
        return out;
    }

    /** The OR of the masks of {@code features}, all of which must be of {@code kind}. */
    public static int maskOf(Kind kind, Feature... features) {
        int m = 0;
        for (Feature f : features) {
            if (f.kind != kind) {
                throw new IllegalArgumentException(f + " is not " + kind);
            }
            m |= f.mask;
        }
        return m;
    }
}
