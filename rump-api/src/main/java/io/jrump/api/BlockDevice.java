package io.jrump.api;

import java.nio.ByteBuffer;

/**
 * A disk: an array of sectors. File systems see nothing of the platform but this interface,
 * so a host file, memory, Xen blkfront and virtio-blk all serve the same drivers.
 *
 * <p>Transfers are whole sectors: {@code buf.remaining()} must be a multiple of
 * {@link #sectorSize()} and the range must lie inside the device, else {@code EINVAL}.
 * Writes to a read-only device fail with {@code EROFS}; media errors are {@code EIO}.
 * Implementations are safe for concurrent use.
 */
public interface BlockDevice extends AutoCloseable {
    /** Bytes per sector: 512 or a larger power of two. */
    int sectorSize();

    /** Size in bytes, a multiple of the sector size. */
    long size();

    default long sectors() {
        return size() / sectorSize();
    }

    boolean isReadOnly();

    /** Reads {@code dst.remaining()} bytes starting at {@code sector}, advancing {@code dst}'s position. */
    void read(long sector, ByteBuffer dst) throws ErrnoException;

    /** Writes {@code src.remaining()} bytes starting at {@code sector}, advancing {@code src}'s position. */
    void write(long sector, ByteBuffer src) throws ErrnoException;

    /** Makes every completed write durable. */
    void flush() throws ErrnoException;

    /** Says that a range of sectors is no longer used; the default does nothing. */
    default void discard(long sector, long count) throws ErrnoException {
    }

    @Override
    void close() throws ErrnoException;
}
