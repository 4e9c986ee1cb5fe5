package io.jrump.dev;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;

/**
 * The argument checks every {@link BlockDevice} owes its callers, in one place so that a
 * host file, a memory disk, a fault injector and the Xen and virtio drivers all refuse the
 * same requests with the same errno: a transfer that is not whole sectors or reaches past the
 * end of the device is {@code EINVAL}, a write to a read-only device is {@code EROFS}
 * (the contract written on {@link BlockDevice}).
 *
 * <p>The checks run before a device counts, caches or touches anything, so a bad request
 * never has a side effect.
 */
public final class Sectors {
    /**
     * The sector size of host files and memory disks: the traditional 512-byte disk sector,
     * which is also the smallest block ext2, FAT and FFS address.
     */
    public static final int SIZE = 512;

    private Sectors() {
    }

    /**
     * Checks a read of {@code dst.remaining()} bytes at {@code sector}.
     *
     * @param device names the device in the error message
     * @throws ErrnoException EINVAL when the transfer is not whole sectors or leaves the device
     */
    public static void checkRead(String device, BlockDevice dev, long sector, ByteBuffer dst) throws ErrnoException {
        checkRange(device, dev.sectorSize(), dev.sectors(), sector, dst.remaining());
    }

    /**
     * Checks a write of {@code src.remaining()} bytes at {@code sector}.
     *
     * @throws ErrnoException EROFS when the device is read-only, else as {@link #checkRead}
     */
    public static void checkWrite(String device, BlockDevice dev, long sector, ByteBuffer src) throws ErrnoException {
        if (dev.isReadOnly()) {
            throw new ErrnoException(Errno.EROFS, device + ": device is read-only");
        }
        checkRange(device, dev.sectorSize(), dev.sectors(), sector, src.remaining());
    }

    /**
     * Checks a discard of {@code count} sectors at {@code sector}.
     *
     * @throws ErrnoException EROFS when the device is read-only, EINVAL when the range leaves the device
     */
    public static void checkDiscard(String device, BlockDevice dev, long sector, long count) throws ErrnoException {
        if (dev.isReadOnly()) {
            throw new ErrnoException(Errno.EROFS, device + ": device is read-only");
        }
        if (count < 0 || sector < 0 || sector > dev.sectors() || count > dev.sectors() - sector) {
            throw new ErrnoException(Errno.EINVAL, device + ": discard of " + count + " sectors at sector " + sector
                    + " is outside the device (" + dev.sectors() + " sectors)");
        }
    }

    /**
     * Checks the geometry of a device about to be made.
     *
     * @throws ErrnoException EINVAL unless {@code size} is positive and a multiple of {@code sectorSize}
     */
    public static void checkSize(String device, long size, int sectorSize) throws ErrnoException {
        if (size <= 0) {
            throw new ErrnoException(Errno.EINVAL, device + ": size " + size + " is not positive");
        }
        if (size % sectorSize != 0) {
            throw new ErrnoException(Errno.EINVAL, device + ": size " + size + " is not a multiple of the "
                    + sectorSize + "-byte sector");
        }
    }

    /** Whether {@code sectorSize} is a power of two of at least 512, as {@link BlockDevice#sectorSize()} requires. */
    static boolean isValidSectorSize(int sectorSize) {
        return sectorSize >= SIZE && Integer.bitCount(sectorSize) == 1;
    }

    private static void checkRange(String device, int sectorSize, long sectors, long sector, int bytes) throws ErrnoException {
        if (bytes % sectorSize != 0) {
            throw new ErrnoException(Errno.EINVAL, device + ": transfer of " + bytes + " bytes is not a multiple of the "
                    + sectorSize + "-byte sector");
        }
        long count = bytes / sectorSize;
        // Written so that no sum can overflow: sector + count may exceed Long.MAX_VALUE.
        if (sector < 0 || sector > sectors || count > sectors - sector) {
            throw new ErrnoException(Errno.EINVAL, device + ": " + count + " sectors at sector " + sector
                    + " are outside the device (" + sectors + " sectors)");
        }
    }

    /** The error of a device used after {@code close()}. */
    static ErrnoException closed(String device) {
        return new ErrnoException(Errno.ENXIO, device + ": device is closed");
    }
}
