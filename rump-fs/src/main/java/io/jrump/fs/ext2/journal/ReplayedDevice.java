package io.jrump.fs.ext2.journal;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * A read-only view of a device as it would be after its journal was replayed: reads of a block
 * a committed transaction rewrote are served from the journal (unescaped), every other read
 * from the device. It sits under the buffer cache, so every reader of the file system, the
 * superblock included, sees the replayed state, and the image itself is never written.
 * Closing it leaves the device open: the device's owner closes it.
 */
public final class ReplayedDevice implements BlockDevice {
    private final BlockDevice device;
    private final JournalBlocks journal;
    private final Replay replay;
    private final int blockSize;

    /** {@code blockSize} is the file system's (and the journal's), a multiple of the device's sectors. */
    public ReplayedDevice(BlockDevice device, JournalBlocks journal, Replay replay) {
        this.device = device;
        this.journal = journal;
        this.replay = replay;
        this.blockSize = journal.blockSize();
        if (blockSize % device.sectorSize() != 0) {
            throw new IllegalArgumentException("block size " + blockSize + " is not a multiple of the sector size " + device.sectorSize());
        }
    }

    @Override
    public int sectorSize() {
        return device.sectorSize();
    }

    @Override
    public long size() {
        return device.size();
    }

    @Override
    public boolean isReadOnly() {
        return true;
    }

    @Override
    public void read(long sector, ByteBuffer dst) throws ErrnoException {
        int start = dst.position();
        int len = dst.remaining();
        device.read(sector, dst.duplicate());
        long from = sector * device.sectorSize();
        long to = from + len;
        ByteBuffer block = null;
        for (Map.Entry<Long, Replay.Source> e : replay.blocks().subMap(from / blockSize, true, (to - 1) / blockSize, true).entrySet()) {
            if (block == null) {
                block = ByteBuffer.allocate(blockSize).order(ByteOrder.BIG_ENDIAN);
            }
            block.clear();
            journal.read(e.getValue().journalBlock(), block);
            if (e.getValue().escaped()) {
                block.putInt(0, JournalSuperblock.MAGIC);
            }
            long blockStart = e.getKey() * blockSize;
            long lo = Math.max(from, blockStart);
            long hi = Math.min(to, blockStart + blockSize);
            dst.put(start + (int) (lo - from), block, (int) (lo - blockStart), (int) (hi - lo));
        }
        dst.position(start + len);
    }

    @Override
    public void write(long sector, ByteBuffer src) throws ErrnoException {
        throw new ErrnoException(Errno.EROFS, "ext2: the journal was replayed in memory only: the image is read-only until e2fsck replays it");
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
