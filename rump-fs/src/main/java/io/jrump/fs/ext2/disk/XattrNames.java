package io.jrump.fs.ext2.disk;

import java.nio.charset.StandardCharsets;

/**
 * How ext2 abbreviates an attribute's name: a one-byte index for the prefix, and the rest of
 * the name in the entry (e2fsprogs {@code lib/ext2fs/ext_attr.c}, Linux's
 * {@code fs/ext4/xattr.h} {@code EXT4_XATTR_INDEX_*}). The POSIX ACLs are whole names with an
 * empty rest. Indexes not listed here (7 {@code system.data} of inline data, Lustre, rich ACLs,
 * ...) are kept as found but not named: Linux lists none of them either.
 */
public final class XattrNames {
    public static final int USER = 1;
    public static final int POSIX_ACL_ACCESS = 2;
    public static final int POSIX_ACL_DEFAULT = 3;
    public static final int TRUSTED = 4;
    public static final int SECURITY = 6;

    private static final String USER_PREFIX = "user.";
    private static final String TRUSTED_PREFIX = "trusted.";
    private static final String SECURITY_PREFIX = "security.";
    private static final String ACL_ACCESS = "system.posix_acl_access";
    private static final String ACL_DEFAULT = "system.posix_acl_default";

    private XattrNames() {
    }

    /** The index and the rest of {@code fullName} (value null), or null when ext2 has no index for it. */
    public static Xattr key(String fullName) {
        if (fullName.equals(ACL_ACCESS)) {
            return new Xattr(POSIX_ACL_ACCESS, new byte[0], null);
        }
        if (fullName.equals(ACL_DEFAULT)) {
            return new Xattr(POSIX_ACL_DEFAULT, new byte[0], null);
        }
        String[][] prefixes = {{USER_PREFIX, "1"}, {TRUSTED_PREFIX, "4"}, {SECURITY_PREFIX, "6"}};
        for (String[] p : prefixes) {
            if (fullName.startsWith(p[0])) {
                return new Xattr(Integer.parseInt(p[1]), fullName.substring(p[0].length()).getBytes(StandardCharsets.UTF_8), null);
            }
        }
        return null;
    }

    /** The full name of an entry, or null for an index that is not named (see the class comment). */
    public static String fullName(int index, byte[] rest) {
        String r = new String(rest, StandardCharsets.UTF_8);
        switch (index) {
            case USER:
                return USER_PREFIX + r;
            case TRUSTED:
                return TRUSTED_PREFIX + r;
            case SECURITY:
                return SECURITY_PREFIX + r;
            case POSIX_ACL_ACCESS:
                return rest.length == 0 ? ACL_ACCESS : null;
            case POSIX_ACL_DEFAULT:
                return rest.length == 0 ? ACL_DEFAULT : null;
            default:
                return null;
        }
    }
}
