package io.jrump.fs.ext2.disk;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One directory entry ({@code struct ext2_dir_entry_2}): inode, record length, name length,
 * file type, name. Records tile a directory block exactly; a record with inode 0 is unused
 * space. Without the filetype feature the type byte is the high byte of a 16-bit name length,
 * which Linux never sets above 255, so reading it as a type of 0 (unknown) is safe (source:
 * ext4 wiki "Ext4 Disk Layout", section Directory Entries; e2fsprogs {@code ext2_fs.h}).
 */
public final class DirRecord extends LeView {
    /** Bytes before the name. */
    public static final int HEADER = 8;
    public static final int NAME_MAX = 255;
    /** {@code file_type} values (EXT2_FT_*). */
    public static final int FT_UNKNOWN = 0;
    public static final int FT_REG_FILE = 1;
    public static final int FT_DIR = 2;
    public static final int FT_CHRDEV = 3;
    public static final int FT_BLKDEV = 4;
    public static final int FT_FIFO = 5;
    public static final int FT_SOCK = 6;
    public static final int FT_SYMLINK = 7;
    /** {@code file_type} of the checksum tail record of metadata_csum directory blocks. */
    public static final int FT_DIR_CSUM = 0xDE;
    /** Bytes of the checksum tail record ({@code struct ext4_dir_entry_tail}). */
    public static final int TAIL_SIZE = 12;

    private static final int INODE = 0;
    private static final int REC_LEN = 4;
    private static final int NAME_LEN = 6;
    private static final int FILE_TYPE = 7;

    /** A record at {@code offset}; the caller has checked that a header fits in the buffer. */
    public DirRecord(ByteBuffer block, int offset) {
        super(block, offset, HEADER);
    }

    public long inode() { return u32(INODE); }
    public void setInode(long ino) { put32(INODE, ino); }

    /** The raw record length; {@link #recLen(int)} decodes the 64 KiB-block encoding. */
    public int rawRecLen() { return u16(REC_LEN); }

    /** Record length; 0 or 65535 stand for 65536 in 64 KiB blocks (ext4_rec_len_from_disk). */
    public int recLen(int blockSize) {
        return decodeRecLen(rawRecLen(), blockSize);
    }

    private static int decodeRecLen(int r, int blockSize) {
        if (blockSize >= 65536 && (r == 65535 || r == 0)) {
            return blockSize;
        }
        return r;
    }

    /**
     * The record length of the record at {@code offset} of a little-endian {@code block},
     * without making a view: for loops that visit every record of many blocks.
     */
    public static int recLenAt(ByteBuffer block, int offset, int blockSize) {
        return decodeRecLen(block.getShort(offset + REC_LEN) & 0xFFFF, blockSize);
    }

    /** The inode of the record at {@code offset} of a little-endian {@code block}, without making a view. */
    public static long inodeAt(ByteBuffer block, int offset) {
        return block.getInt(offset + INODE) & 0xFFFF_FFFFL;
    }

    /** The name length of the record at {@code offset} of {@code block}, without making a view. */
    public static int nameLenAt(ByteBuffer block, int offset) {
        return block.get(offset + NAME_LEN) & 0xFF;
    }

    public void setRecLen(int len) { put16(REC_LEN, len >= 65536 ? 65535 : len); }
    public int nameLen() { return u8(NAME_LEN); }
    public int fileType() { return u8(FILE_TYPE); }
    public void setFileType(int t) { put8(FILE_TYPE, t); }

    /** The name's bytes; the caller has checked {@code offset + HEADER + nameLen} is inside the block. */
    public byte[] nameBytes() {
        byte[] b = new byte[nameLen()];
        buf.get(base + HEADER, b);
        return b;
    }

    public String name() {
        return new String(nameBytes(), StandardCharsets.UTF_8);
    }

    /** Whether the name equals {@code name} byte for byte. */
    public boolean nameEquals(byte[] name) {
        if (name.length != nameLen()) {
            return false;
        }
        for (int i = 0; i < name.length; i++) {
            if (buf.get(base + HEADER + i) != name[i]) {
                return false;
            }
        }
        return true;
    }

    /** Writes inode, record length, name and type; the record must have room for them. */
    public void set(long ino, int recLen, byte[] name, int fileType) {
        setInode(ino);
        setRecLen(recLen);
        put8(NAME_LEN, name.length);
        put8(FILE_TYPE, fileType);
        buf.put(base + HEADER, name);
    }

    /** Bytes a record with a name of {@code nameLen} bytes needs: header and name, rounded up to 4. */
    public static int sizeFor(int nameLen) {
        return (HEADER + nameLen + 3) & ~3;
    }

    /** The space this record's name needs ({@link #sizeFor} of its name length). */
    public int usedSize() {
        return sizeFor(nameLen());
    }

    /** Writes a checksum tail record at the end of a block of {@code blockSize} bytes (checksum left 0). */
    public static void writeTail(ByteBuffer block, int blockSize) {
        DirRecord t = new DirRecord(block, blockSize - TAIL_SIZE);
        t.setInode(0);
        t.setRecLen(TAIL_SIZE);
        t.put8(NAME_LEN, 0);
        t.put8(FILE_TYPE, FT_DIR_CSUM);
    }

    /** The ext2 file type for a {@code st_mode}. */
    public static int fileTypeOf(int mode) {
        return switch (mode & 0170000) {
            case 0100000 -> FT_REG_FILE;
            case 0040000 -> FT_DIR;
            case 0020000 -> FT_CHRDEV;
            case 0060000 -> FT_BLKDEV;
            case 0010000 -> FT_FIFO;
            case 0140000 -> FT_SOCK;
            case 0120000 -> FT_SYMLINK;
            default -> FT_UNKNOWN;
        };
    }
}
