package io.jrump.api;

/** Flags of {@code mount} (Linux MS_* values, sys/mount.h) and {@code unmount}. */
public final class MountFlags {
    public static final int MNT_RDONLY = 1;
    public static final int MNT_NOSUID = 2;
    public static final int MNT_NODEV = 4;
    public static final int MNT_NOEXEC = 8;
    /** unmount: detach even when files are in use. */
    public static final int MNT_FORCE = 1;

    private MountFlags() {
    }
}
