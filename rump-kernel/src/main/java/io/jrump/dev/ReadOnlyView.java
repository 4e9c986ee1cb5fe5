package io.jrump.dev;

import io.jrump.api.BlockDevice;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;

/**
 * A device seen read-only, so that one disk can be given to several kernels at once (an image
 * snapshot every summoned kernel mounts): reads pass through, writes and discards fail with
 * EROFS here, below any file system, whatever the file system above tries. The view does not
 * own the disk: {@link #close} does nothing to it, as a kernel closes the devices it was given.
 */
public final class ReadOnlyView implements BlockDevice {
    private final BlockDevice disk;

    public ReadOnlyView(BlockDevice disk) {
        this.disk = disk;
    }

    @Override
    public int sectorSize() {
        return disk.sectorSize();
    }

    @Override
    public long size() {
        return disk.size();
    }

    @Override
    public boolean isReadOnly() {
        return true;
    }

    @Override
    public void read(long sector, ByteBuffer dst) throws ErrnoException {
        disk.read(sector, dst);
    }

    @Override
    public void write(long sector, ByteBuffer src) throws ErrnoException {
        Sectors.checkWrite(toString(), this, sector, src);
    }

    @Override
    public void discard(long sector, long count) throws ErrnoException {
        Sectors.checkDiscard(toString(), this, sector, count);
    }

    @Override
    public void flush() {
        // nothing was written through the view
    }

    @Override
    public void close() {
        // the disk is its owner's
    }

    @Override
    public String toString() {
        return disk + " (read-only)";
    }
}
