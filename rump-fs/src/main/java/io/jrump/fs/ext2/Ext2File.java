package io.jrump.fs.ext2;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.fs.bio.Buf;
import io.jrump.fs.ext2.disk.Inode;
import java.nio.ByteBuffer;

/**
 * A regular file's data: reads and writes through the block map (or the inode's inline data),
 * in runs of contiguous blocks where the map allows, and truncation. A write that fails part
 * way either reports what it wrote or gives back what it took ({@link #rollBack}).
 */
final class Ext2File extends Ext2Node {
    /** A block of zeros to copy from for holes (blocks are at most 64 KiB). */
    private static final byte[] ZEROS = new byte[65536];

    Ext2File(Ext2Fs fs, long ino, Inode inode) {
        super(fs, ino, inode);
    }

    @Override
    public int read(ByteBuffer dst, long offset) throws ErrnoException {
        ReadPlan plan = locked(() -> {
            ReadPlan p = planRead(dst, offset);
            touchAccessed();
            return p;
        });
        try {
            return plan.transfer(fs.cache(), dst, ZEROS); // outside the mutex: see ReadPlan
        } catch (ErrnoException e) {
            throw fs.failure(e);
        }
    }

    /** Under the mutex: where the bytes of a read lie (inline data is copied at once). */
    private ReadPlan planRead(ByteBuffer dst, long offset) throws ErrnoException {
        long sz = size();
        if (offset >= sz || !dst.hasRemaining()) {
            return ReadPlan.done(0);
        }
        int total = (int) Math.min(dst.remaining(), sz - offset);
        if (InlineData.isInline(inode())) {
            byte[] data = InlineData.read(inode(), ino());
            for (int i = 0; i < total; i++) {
                long at = offset + i;
                dst.put(at < data.length ? data[(int) at] : 0);
            }
            return ReadPlan.done(total);
        }
        int bs = fs.blockSize();
        ReadPlan plan = new ReadPlan(bs, total);
        long pos = offset;
        long end = offset + total;
        BlockMap m = map();
        while (pos < end) {
            long lblk = pos / bs;
            int in = (int) (pos % bs);
            int chunk = (int) Math.min(bs - in, end - pos);
            plan.add(m.map(lblk), in, chunk, 256);
            pos += chunk;
        }
        return plan;
    }

    @Override
    public int write(ByteBuffer src, long offset) throws ErrnoException {
        return writing(() -> writeData(src, offset));
    }

    private int writeData(ByteBuffer src, long offset) throws ErrnoException {
        long max = fs.maxFileSize();
        if (offset >= max && src.hasRemaining()) {
            throw new ErrnoException(Errno.EFBIG, "ext2: offset " + offset + " beyond the largest file (" + max + " bytes)");
        }
        int want = (int) Math.min(src.remaining(), max - offset);
        int bs = fs.blockSize();
        BlockMap m = map();
        long pos = offset;
        long end = offset + want;
        boolean[] fresh = new boolean[1];
        long runStart = 0;
        int runLen = 0;
        int runFrom = 0;
        int base = src.position();
        ErrnoException full = null;
        try {
            while (pos < end) {
                long lblk = pos / bs;
                int in = (int) (pos % bs);
                int chunk = (int) Math.min(bs - in, end - pos);
                long pblk = m.mapOrAllocate(lblk, fresh);
                if (chunk == bs) {
                    if (runLen > 0 && pblk == runStart + runLen && runLen < 256) {
                        runLen++;
                    } else {
                        flushRun(src, runStart, runFrom, runLen);
                        runStart = pblk;
                        runFrom = (int) (pos - offset);
                        runLen = 1;
                    }
                } else {
                    flushRun(src, runStart, runFrom, runLen);
                    runLen = 0;
                    try (Buf b = fresh[0] ? fs.cache().zeroed(pblk) : fs.cache().read(pblk)) {
                        src.get(base + (int) (pos - offset), b.array(), in, chunk);
                        b.markDirty();
                    }
                }
                pos += chunk;
            }
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ENOSPC || pos == offset) {
                flushRun(src, runStart, runFrom, runLen);
                rollBack(inode().fileSize(), pos, e);
                throw e;
            }
            full = e;
        }
        flushRun(src, runStart, runFrom, runLen);
        finishWrite(offset, pos);
        src.position(base + (int) (pos - offset));
        return (int) (pos - offset);
    }

    /**
     * After a write failed: the size stays {@code oldSize} and blocks the write took past it are
     * given back, so a write call either reports what it wrote or fails without growing the
     * file (bytes it overwrote inside the file stay overwritten, as with any file system).
     * Should giving back fail, the size covers what the write reached ({@code reached}), so
     * no block lies past the end.
     */
    private void rollBack(long oldSize, long reached, ErrnoException cause) throws ErrnoException {
        int bs = fs.blockSize();
        long keep = (oldSize + bs - 1) / bs;
        try {
            map().checkTruncate(keep);
            if (oldSize % bs != 0) {
                long pblk = map().map(oldSize / bs);
                if (pblk != 0) {
                    try (Buf b = fs.cache().read(pblk)) {
                        java.util.Arrays.fill(b.array(), (int) (oldSize % bs), bs, (byte) 0);
                        b.markDirty();
                    }
                }
            }
            map().truncate(keep);
        } catch (ErrnoException e) {
            cause.addSuppressed(e);
            inode().setFileSize(Math.max(oldSize, reached));
        }
        markInodeDirty();
    }

    private void flushRun(ByteBuffer src, long start, int from, int blocks) throws ErrnoException {
        if (blocks == 0) {
            return;
        }
        int bs = fs.blockSize();
        ByteBuffer run = src.duplicate();
        run.position(src.position() + from).limit(src.position() + from + blocks * bs);
        fs.cache().writeBlocks(start, run);
    }

    private void finishWrite(long offset, long pos) throws ErrnoException {
        if (pos > inode().fileSize()) {
            inode().setFileSize(pos);
        }
        if (pos > offset) {
            touchModified();
        } else {
            markInodeDirty();
        }
    }

    @Override
    public void truncate(long length) throws ErrnoException {
        writing(() -> {
            if (length > fs.maxFileSize()) {
                throw new ErrnoException(Errno.EFBIG, "ext2: " + length + " bytes is beyond the largest file (" + fs.maxFileSize() + ")");
            }
            setLength(length);
            touchModified();
            return null;
        });
    }

    /** Changes the size, freeing blocks past it and zeroing the rest of a partial last block. */
    private void setLength(long length) throws ErrnoException {
        int bs = fs.blockSize();
        if (length < inode().fileSize()) {
            map().checkTruncate((length + bs - 1) / bs);
            int in = (int) (length % bs);
            if (in != 0) {
                long pblk = map().map(length / bs);
                if (pblk != 0) {
                    try (Buf b = fs.cache().read(pblk)) {
                        java.util.Arrays.fill(b.array(), in, bs, (byte) 0);
                        b.markDirty();
                    }
                }
            }
            map().truncate((length + bs - 1) / bs);
        }
        inode().setFileSize(length);
        markInodeDirty();
    }
}
