package io.jrump.fs.mkfs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.file.Path;

/** Makes file systems: on a device, or in a new image file. */
public final class Mkfs {
    private Mkfs() {
    }

    public static void createImage(Path image, long size, MkfsOptions options) throws ErrnoException {
        throw new ErrnoException(Errno.ENOSYS, "mkfs not written yet");
    }
}
