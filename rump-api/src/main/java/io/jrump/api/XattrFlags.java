package io.jrump.api;

/**
 * Flags and limits of the extended-attribute calls ({@link Syscalls#setxattr} and friends),
 * with Linux's values ({@code include/uapi/linux/xattr.h}, {@code limits.h}).
 */
public final class XattrFlags {
    /** setxattr: fail with EEXIST when the attribute exists. */
    public static final int XATTR_CREATE = 0x1;
    /** setxattr: fail with ENODATA when the attribute does not exist. */
    public static final int XATTR_REPLACE = 0x2;
    /** Longest attribute name in bytes, prefix included ({@code XATTR_NAME_MAX}); longer is ERANGE. */
    public static final int XATTR_NAME_MAX = 255;
    /** Largest value in bytes ({@code XATTR_SIZE_MAX}); larger is E2BIG. */
    public static final int XATTR_SIZE_MAX = 65536;

    private XattrFlags() {
    }
}
