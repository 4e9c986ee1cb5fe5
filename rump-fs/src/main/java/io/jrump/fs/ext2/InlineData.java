package io.jrump.fs.ext2;

import io.jrump.fs.ext2.disk.Inode;
import io.jrump.fs.ext2.disk.Superblock;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * ext4's inline data, read-only: a small file or directory kept inside its inode, the first
 * 60 bytes in {@code i_block} and the rest in the value of the in-inode extended attribute
 * {@code system.data} (ext4 wiki "Ext4 Disk Layout", sections Inline Data and Extended
 * Attributes). The attribute area is walked with every offset checked against the inode size.
 */
final class InlineData {
    /** In-inode extended attribute header magic. */
    private static final int XATTR_MAGIC = 0xEA020000;
    /** {@code e_name_index} of the "system." prefix. */
    private static final int INDEX_SYSTEM = 7;
    private static final int ENTRY_HEADER = 16;
    private static final byte[] DATA = {'d', 'a', 't', 'a'};

    private InlineData() {
    }

    /** The whole inline contents: {@code i_block} then the {@code system.data} value. */
    static byte[] read(Inode in, long ino) throws io.jrump.api.ErrnoException {
        byte[] head = in.blockBytes();
        byte[] tail = systemData(in, ino);
        byte[] all = new byte[head.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    private static byte[] systemData(Inode in, long ino) throws io.jrump.api.ErrnoException {
        int size = in.size();
        int start = Superblock.GOOD_OLD_INODE_SIZE + in.extraIsize();
        if (size <= Superblock.GOOD_OLD_INODE_SIZE || start + 4 > size) {
            return new byte[0];
        }
        ByteBuffer b = in.buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int base = in.offset();
        if (b.getInt(base + start) != XATTR_MAGIC) {
            return new byte[0];
        }
        int first = start + 4;
        int e = first;
        while (e + ENTRY_HEADER <= size) {
            int nameLen = b.get(base + e) & 0xFF;
            int index = b.get(base + e + 1) & 0xFF;
            if (nameLen == 0 && index == 0) {
                break;
            }
            int valueOffs = b.getShort(base + e + 2) & 0xFFFF;
            long valueInum = b.getInt(base + e + 4) & 0xFFFF_FFFFL;
            long valueSize = b.getInt(base + e + 8) & 0xFFFF_FFFFL;
            if (e + ENTRY_HEADER + nameLen > size) {
                throw Damage.inode(ino, "in-inode extended attribute name runs past the inode");
            }
            if (index == INDEX_SYSTEM && nameLen == DATA.length && matches(b, base + e + ENTRY_HEADER, DATA)) {
                if (valueInum != 0 || first + valueOffs + valueSize > size) {
                    throw Damage.inode(ino, "system.data attribute value outside the inode");
                }
                byte[] v = new byte[(int) valueSize];
                b.get(base + first + valueOffs, v);
                return v;
            }
            e += (ENTRY_HEADER + nameLen + 3) & ~3;
        }
        return new byte[0];
    }

    private static boolean matches(ByteBuffer b, int at, byte[] s) {
        for (int i = 0; i < s.length; i++) {
            if (b.get(at + i) != s[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether a node stores its data inline. */
    static boolean isInline(Inode in) {
        return (in.flags() & Inode.INLINE_DATA_FL) != 0;
    }
}
