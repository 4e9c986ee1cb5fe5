package io.jrump.fs.mkfs;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.dev.FileBlockDevice;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes file systems, on a device or in an image file: the one entry point of
 * {@code rump mkfs} and of the NIO provider's {@code create}. ext2 only for now; a type is
 * refused by name until it has a formatter.
 */
public final class Mkfs {
    /** The label field of the ext2 superblock, in bytes. */
    private static final int LABEL_BYTES = 16;
    /** Smaller images cannot hold the metadata of one group and the first directories. */
    public static final long MIN_SIZE = 64 * 1024;

    private Mkfs() {
    }

    /**
     * A size as mkfs takes it: bytes, or a number with k, M, G or T (powers of 1024), the same
     * syntax as the {@code size=} mount option.
     *
     * @throws ErrnoException EINVAL when malformed
     */
    public static long parseSize(String text) throws ErrnoException {
        return io.jrump.fs.vfs.MountOptions.parseSize("size", text);
    }

    /**
     * Makes a file system on {@code device}, overwriting what is there.
     *
     * @param zeroed whether the device is known to read as zeros (a new sparse file): then
     *     zeros are not written, which keeps a new 1 GiB image sparse and quick to make
     * @throws ErrnoException EINVAL for a bad type, block size, label or size; what the device reports
     */
    public static void format(BlockDevice device, MkfsOptions options, boolean zeroed) throws ErrnoException {
        if (!"ext2".equals(options.type())) {
            throw new ErrnoException(Errno.EINVAL, "mkfs: file system type '" + options.type() + "' not supported (ext2)");
        }
        if (options.label().getBytes(StandardCharsets.UTF_8).length > LABEL_BYTES) {
            throw new ErrnoException(Errno.EINVAL, "mkfs: label '" + options.label() + "' is longer than " + LABEL_BYTES + " bytes");
        }
        Ext2Geometry g = Ext2Geometry.compute(device.size(), options.blockSize(), device.sectorSize());
        new Ext2Formatter(device, g, options, zeroed, System.currentTimeMillis() * 1_000_000L).format();
    }

    /**
     * Makes an image file of {@code size} bytes (rounded down to whole 512-byte sectors) with a
     * file system on it. A new file is sparse; an existing file is resized and overwritten.
     *
     * @throws ErrnoException naming the image: EINVAL for a size under {@link #MIN_SIZE}, EISDIR
     *     for a directory, as {@link #format}, or what the host reports
     */
    public static void createImage(Path image, long size, MkfsOptions options) throws ErrnoException {
        long bytes = size / 512 * 512;
        if (bytes < MIN_SIZE) {
            throw new ErrnoException(Errno.EINVAL, image + ": size " + size + " is below the " + MIN_SIZE + "-byte minimum");
        }
        if (Files.isDirectory(image)) {
            throw new ErrnoException(Errno.EISDIR, "mkfs", image.toString(), "an image is a file");
        }
        boolean fresh = Files.notExists(image);
        try (FileBlockDevice dev = FileBlockDevice.create(image, bytes)) { // locked before it is resized
            format(dev, options, fresh);
        } catch (ErrnoException e) {
            throw e.detail() != null && e.detail().startsWith(image.toString()) ? e
                    : new ErrnoException(e.errno(), "mkfs", image.toString(), e.detail());
        }
    }
}
