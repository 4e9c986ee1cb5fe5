package io.jrump.fs.vfs;

import io.jrump.api.BlockDevice;
import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import io.jrump.api.spi.Platform;

/**
 * What a {@link FileSystemType} is given to create a file system: the {@code source} argument
 * of {@code mount} (a device name of the platform, or anything for a memory file system), the
 * mount flags, the parsed {@code data} options, and from the platform only what a driver may
 * use: the block device named by the source, the wall clock and the logger. A driver never
 * sees the {@link Platform} itself (the architecture test holds it to that), so a file system
 * runs unchanged on any platform that offers a {@link BlockDevice}.
 */
public final class MountRequest {
    private final String source;
    private final int flags;
    private final MountOptions options;
    private final Platform platform;

    public MountRequest(String source, int flags, MountOptions options, Platform platform) {
        this.source = source;
        this.flags = flags;
        this.options = options;
        this.platform = platform;
    }

    /** The {@code source} argument of {@code mount}. */
    public String source() {
        return source;
    }

    /** The mount flags ({@link MountFlags}). */
    public int flags() {
        return flags;
    }

    /** The parsed {@code data} options. */
    public MountOptions options() {
        return options;
    }

    public boolean readOnly() {
        return (flags & MountFlags.MNT_RDONLY) != 0;
    }

    /** The block device named by {@code source} (ENXIO when the platform has none by that name). */
    public BlockDevice device() throws ErrnoException {
        return platform.blockDevice(source);
    }

    /** Wall-clock nanoseconds since the epoch, for file times. */
    public long now() {
        return platform.wallClockNanos();
    }

    /** Where the file system reports what it repaired or refused (the kernel's logger). */
    public System.Logger logger() {
        return platform.logger();
    }
}
