package io.jrump.dev.part;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.dev.Sectors;
import java.nio.ByteBuffer;

/**
 * A window onto a range of a disk's sectors. Every request is checked against the window
 * ({@link Sectors}) before it is moved by the partition's start, so a file system on partition 1
 * cannot read or write partition 2 however wrong its block numbers are.
 *
 * <p>The view does not own the disk: {@link #close} only stops the view, because the disk
 * usually serves the partition table reader and other partitions too.
 */
final class PartitionDevice implements BlockDevice {
    private final BlockDevice disk;
    private final Partition partition;
    private final String name;
    private volatile boolean closed;

    PartitionDevice(BlockDevice disk, Partition partition, String name) {
        if (partition.end() > disk.sectors()) {
            // PartitionTable checks this already; a hand-made Partition must not escape the disk either.
            throw new IllegalArgumentException(name + ": partition ends at sector " + partition.end()
                    + ", past the disk's " + disk.sectors() + " sectors");
        }
        this.disk = disk;
        this.partition = partition;
        this.name = name;
    }

    @Override
    public int sectorSize() {
        return disk.sectorSize();
    }

    @Override
    public long size() {
        return partition.sectors() * disk.sectorSize();
    }

    @Override
    public boolean isReadOnly() {
        return disk.isReadOnly();
    }

    @Override
    public void read(long sector, ByteBuffer dst) throws ErrnoException {
        checkOpen();
        Sectors.checkRead(name, this, sector, dst);
        disk.read(partition.start() + sector, dst);
    }

    @Override
    public void write(long sector, ByteBuffer src) throws ErrnoException {
        checkOpen();
        Sectors.checkWrite(name, this, sector, src);
        disk.write(partition.start() + sector, src);
    }

    @Override
    public void flush() throws ErrnoException {
        checkOpen();
        disk.flush();
    }

    @Override
    public void discard(long sector, long count) throws ErrnoException {
        checkOpen();
        Sectors.checkDiscard(name, this, sector, count);
        disk.discard(partition.start() + sector, count);
    }

    /** Stops this view; the disk stays open. */
    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "PartitionDevice[" + name + ", sectors " + partition.start() + "+" + partition.sectors() + "]";
    }

    private void checkOpen() throws ErrnoException {
        if (closed) {
            throw new ErrnoException(Errno.ENXIO, name + ": device is closed");
        }
    }
}
