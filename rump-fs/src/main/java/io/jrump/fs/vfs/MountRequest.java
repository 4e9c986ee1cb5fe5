package io.jrump.fs.vfs;

import io.jrump.api.BlockDevice;
import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import io.jrump.api.spi.Platform;

/**
 * What a {@link FileSystemType} is given to create a file system: the {@code source} argument
 * of {@code mount} (a device name of the platform, or anything for a memory file system), the
 * mount flags, the parsed {@code data} options, and the platform, through which alone a driver
 * reaches devices and the clock.
 */
public record MountRequest(String source, int flags, MountOptions options, Platform platform) {

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
}
