package io.jrump.fs.ext2.disk;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * The two places ext2 keeps extended attributes, and the entry table both share (facts from
 * the ext4 wiki "Ext4 Disk Layout", section Extended Attributes, and e2fsprogs
 * {@code lib/ext2fs/ext2_ext_attr.h}):
 *
 * <ul>
 * <li>in the inode, after {@code 128 + i_extra_isize}: a 4-byte magic, then entries; value
 *     offsets count from the first entry;</li>
 * <li>in a block named by {@code i_file_acl}: a 32-byte header ({@code h_magic},
 *     {@code h_refcount} — how many inodes share the block —, {@code h_blocks} = 1,
 *     {@code h_hash}, {@code h_checksum} with metadata_csum), then entries; value offsets count
 *     from the start of the block.</li>
 * </ul>
 *
 * An entry is 16 bytes ({@code e_name_len}, {@code e_name_index}, {@code e_value_offs},
 * {@code e_value_inum}, {@code e_value_size}, {@code e_hash}) and the name, padded to 4 bytes;
 * four zero bytes end the table. Values lie at the end of the region, each padded to 4 bytes,
 * growing down towards the entries. This class parses a region into {@link Xattr}s, checking
 * every offset against the region, and writes a list back.
 */
public final class XattrRegion {
    /** {@code h_magic} and the in-inode header's magic. */
    public static final int MAGIC = 0xEA020000;
    /** {@code sizeof(struct ext2_ext_attr_header)}: where a block's entries start. */
    public static final int BLOCK_HEADER = 32;
    public static final int H_MAGIC = 0;
    public static final int H_REFCOUNT = 4;
    public static final int H_BLOCKS = 8;
    public static final int H_HASH = 12;
    public static final int H_CHECKSUM = 16;
    /** The in-inode header: just the magic. */
    public static final int IBODY_HEADER = 4;
    /** Refcount limit Linux keeps a shared block under (EXT4_XATTR_REFCOUNT_MAX). */
    public static final int REFCOUNT_MAX = 1024;

    private static final int ENTRY_HEADER = 16;
    private static final int E_NAME_LEN = 0;
    private static final int E_NAME_INDEX = 1;
    private static final int E_VALUE_OFFS = 2;
    private static final int E_VALUE_INUM = 4;
    private static final int E_VALUE_SIZE = 8;
    private static final int E_HASH = 12;
    private static final int PAD = 4;
    private static final int END_MARKER = 4;
    /** {@code NAME_HASH_SHIFT}, {@code VALUE_HASH_SHIFT}, {@code BLOCK_HASH_SHIFT} of {@code ext2_xattr_hash_entry} and {@code ext2_xattr_rehash}. */
    private static final int NAME_HASH_SHIFT = 5;
    private static final int VALUE_HASH_SHIFT = 16;
    private static final int BLOCK_HASH_SHIFT = 16;

    private XattrRegion() {
    }

    private static int padded(int n) {
        return (n + PAD - 1) & -PAD;
    }

    /** Bytes an entry with a name of {@code nameLen} takes in the table. */
    static int entrySize(int nameLen) {
        return padded(ENTRY_HEADER + nameLen);
    }

    /** Bytes {@code list} needs between the first entry and the end of the region. */
    public static int spaceNeeded(List<Xattr> list) {
        int n = END_MARKER;
        for (Xattr x : list) {
            n += entrySize(x.name().length) + padded(x.value().length);
        }
        return n;
    }

    /**
     * Reads the entries at {@code first} into {@code out}; value offsets count from
     * {@code valueBase} and everything lies before {@code end} (all offsets within {@code b}).
     * Returns null, or what is wrong: an entry or value past the region, a value inside the
     * entry table, an entry without a name, a value in an inode (ea_inode, not read here).
     */
    public static String parse(ByteBuffer b, int first, int valueBase, int end, List<Xattr> out) {
        int at = first;
        while (true) {
            if (at + END_MARKER > end) {
                return "entry table runs past the end (no end marker)";
            }
            if (b.getInt(at) == 0) {
                break;
            }
            int nameLen = b.get(at + E_NAME_LEN) & 0xFF;
            int index = b.get(at + E_NAME_INDEX) & 0xFF;
            if (at + entrySize(nameLen) + END_MARKER > end) {
                return "entry at " + (at - first) + " runs past the end";
            }
            if (nameLen == 0 && index != XattrNames.POSIX_ACL_ACCESS && index != XattrNames.POSIX_ACL_DEFAULT) {
                return "entry at " + (at - first) + " has an empty name";
            }
            if (b.getInt(at + E_VALUE_INUM) != 0) {
                return "entry at " + (at - first) + " keeps its value in inode " + Integer.toUnsignedString(b.getInt(at + E_VALUE_INUM))
                        + " (ea_inode is not supported)";
            }
            byte[] name = new byte[nameLen];
            b.get(at + ENTRY_HEADER, name);
            out.add(new Xattr(index, name, null));
            at += entrySize(nameLen);
        }
        int tableEnd = at + END_MARKER;
        at = first;
        for (int i = 0; i < out.size(); i++) {
            Xattr x = out.get(i);
            int size = b.getInt(at + E_VALUE_SIZE);
            int offs = b.getShort(at + E_VALUE_OFFS) & 0xFFFF;
            byte[] value = new byte[0];
            if (size != 0) {
                long from = (long) valueBase + offs;
                if (size < 0 || from < tableEnd || from + size > end) {
                    return "value of entry at " + (at - first) + " (offset " + offs + ", " + Integer.toUnsignedString(size)
                            + " bytes) lies outside the region";
                }
                value = new byte[size];
                b.get((int) from, value);
            }
            out.set(i, new Xattr(x.index(), x.name(), value));
            at += entrySize(x.name().length);
        }
        return null;
    }

    /**
     * Writes {@code list} at {@code first} (zeroing the region up to {@code end} first), values
     * from the end downwards with offsets from {@code valueBase}; entry hashes only when
     * {@code hashes} (a block's entries carry them, the inode's may be zero). The caller has
     * checked that it fits ({@link #spaceNeeded}). Returns the entries' hashes.
     */
    public static int[] write(ByteBuffer b, int first, int valueBase, int end, List<Xattr> list, boolean hashes) {
        for (int i = first; i < end; i++) {
            b.put(i, (byte) 0);
        }
        int[] out = new int[list.size()];
        int at = first;
        int valueAt = end;
        for (int i = 0; i < list.size(); i++) {
            Xattr x = list.get(i);
            int size = x.value().length;
            int offs = 0;
            if (size > 0) {
                valueAt -= padded(size);
                b.put(valueAt, x.value());
                offs = valueAt - valueBase;
            }
            b.put(at + E_NAME_LEN, (byte) x.name().length);
            b.put(at + E_NAME_INDEX, (byte) x.index());
            b.putShort(at + E_VALUE_OFFS, (short) offs);
            b.putInt(at + E_VALUE_INUM, 0);
            b.putInt(at + E_VALUE_SIZE, size);
            out[i] = hashes ? entryHash(x.name(), x.value()) : 0;
            b.putInt(at + E_HASH, out[i]);
            b.put(at + ENTRY_HEADER, x.name());
            at += entrySize(x.name().length);
        }
        return out;
    }

    /** {@code e_hash}: the name's bytes, then the value's 32-bit little-endian words (zero-padded). */
    public static int entryHash(byte[] name, byte[] value) {
        int h = 0;
        for (byte c : name) {
            h = (h << NAME_HASH_SHIFT) ^ (h >>> (32 - NAME_HASH_SHIFT)) ^ (c & 0xFF);
        }
        for (int i = 0; i < value.length; i += 4) {
            int w = 0;
            for (int k = 0; k < 4 && i + k < value.length; k++) {
                w |= (value[i + k] & 0xFF) << (8 * k);
            }
            h = (h << VALUE_HASH_SHIFT) ^ (h >>> (32 - VALUE_HASH_SHIFT)) ^ w;
        }
        return h;
    }

    /** {@code h_hash}: the entries' hashes folded together, or 0 if any is 0. */
    public static int blockHash(int[] entryHashes) {
        int h = 0;
        for (int e : entryHashes) {
            if (e == 0) {
                return 0;
            }
            h = (h << BLOCK_HASH_SHIFT) ^ (h >>> (32 - BLOCK_HASH_SHIFT)) ^ e;
        }
        return h;
    }
}
