package io.jrump.fs.ext2.disk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A POSIX ACL as ext2 stores it and as {@code getxattr} returns it. On disk
 * ({@code ext4_acl_header}, Linux's {@code fs/ext4/acl.h}): a 4-byte version 1, then entries
 * of tag and permissions (2 bytes each) and, for named users and groups only, a 4-byte id.
 * To callers ({@code posix_acl_xattr_header}, {@code include/uapi/linux/posix_acl_xattr.h}): a
 * 4-byte version 2 and 8-byte entries, every one with an id ({@code ACL_UNDEFINED_ID} when
 * the tag has none).
 */
public final class PosixAcl {
    private static final int DISK_VERSION = 1;
    private static final int XATTR_VERSION = 2;
    private static final int ACL_USER_OBJ = 0x01;
    private static final int ACL_USER = 0x02;
    private static final int ACL_GROUP_OBJ = 0x04;
    private static final int ACL_GROUP = 0x08;
    private static final int ACL_MASK = 0x10;
    private static final int ACL_OTHER = 0x20;
    private static final int UNDEFINED_ID = -1;

    private PosixAcl() {
    }

    /** The caller's form of an ACL stored as {@code disk}, or null when it is malformed. */
    public static byte[] toXattr(byte[] disk) {
        ByteBuffer in = ByteBuffer.wrap(disk).order(ByteOrder.LITTLE_ENDIAN);
        if (disk.length < 4 || in.getInt(0) != DISK_VERSION) {
            return null;
        }
        ByteBuffer out = ByteBuffer.allocate(4 + 2 * disk.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(XATTR_VERSION);
        int at = 4;
        while (at < disk.length) {
            if (at + 4 > disk.length) {
                return null;
            }
            int tag = in.getShort(at) & 0xFFFF;
            int perm = in.getShort(at + 2) & 0xFFFF;
            int id = UNDEFINED_ID;
            switch (tag) {
                case ACL_USER, ACL_GROUP -> {
                    if (at + 8 > disk.length) {
                        return null;
                    }
                    id = in.getInt(at + 4);
                    at += 8;
                }
                case ACL_USER_OBJ, ACL_GROUP_OBJ, ACL_MASK, ACL_OTHER -> at += 4;
                default -> {
                    return null;
                }
            }
            out.putShort((short) tag).putShort((short) perm).putInt(id);
        }
        byte[] r = new byte[out.position()];
        out.flip().get(r);
        return r;
    }
}
