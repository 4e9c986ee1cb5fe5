package io.jrump.fs.ext2;

import io.jrump.api.ErrnoException;
import io.jrump.fs.bio.Buf;
import io.jrump.fs.bio.BufferCache;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Where the bytes of one read of a file lie, worked out under the node's mutex (which guards the
 * block map's caches) so that the data can then move without it: readers of one file reach the
 * device in parallel instead of queueing behind each other's I/O. The blocks stay the file's
 * while the plan is carried out, since a read runs under the VFS's shared vnode lock and every
 * change to a file's blocks (write, truncate, release) under the exclusive one.
 *
 * <p>A plan is a list of pieces in file order: a run of whole contiguous blocks (one device
 * request through {@link BufferCache#readBlocks}, which does not fill the cache with data read
 * once), part of one block (through the cache, which keeps the tail of a small file for the
 * next reader and reads ahead for a scan of many), or zeros for a hole.
 */
final class ReadPlan {
    /** A plan for a read already done (inline data, or nothing to read): only its length. */
    static ReadPlan done(int bytes) {
        return new ReadPlan(0, bytes);
    }

    private final int blockSize;
    private final int total;
    /** Per piece: the first block (0 for a hole), the offset in it, and the length in bytes. */
    private long[] blocks = new long[4];
    private int[] offsets = new int[4];
    private int[] lengths = new int[4];
    private int pieces;

    ReadPlan(int blockSize, int total) {
        this.blockSize = blockSize;
        this.total = total;
    }

    /** Bytes the read returns. */
    int total() {
        return total;
    }

    /** Adds {@code length} bytes from {@code offset} in block {@code block} (0: a hole), merging whole contiguous blocks into runs. */
    void add(long block, int offset, int length, int maxRunBlocks) {
        int last = pieces - 1;
        if (last >= 0 && block != 0 && offset == 0 && length == blockSize && offsets[last] == 0
                && lengths[last] % blockSize == 0 && blocks[last] != 0
                && blocks[last] + lengths[last] / blockSize == block && lengths[last] / blockSize < maxRunBlocks) {
            lengths[last] += blockSize;
            return;
        }
        if (pieces == blocks.length) {
            blocks = Arrays.copyOf(blocks, pieces * 2);
            offsets = Arrays.copyOf(offsets, pieces * 2);
            lengths = Arrays.copyOf(lengths, pieces * 2);
        }
        blocks[pieces] = block;
        offsets[pieces] = offset;
        lengths[pieces] = length;
        pieces++;
    }

    /** Moves the planned bytes into {@code dst}; returns {@link #total()}. */
    int transfer(BufferCache cache, ByteBuffer dst, byte[] zeros) throws ErrnoException {
        for (int i = 0; i < pieces; i++) {
            long block = blocks[i];
            int length = lengths[i];
            if (block == 0) {
                for (int left = length; left > 0; left -= Math.min(left, zeros.length)) {
                    dst.put(zeros, 0, Math.min(left, zeros.length));
                }
            } else if (offsets[i] == 0 && length % blockSize == 0) {
                ByteBuffer slice = dst.slice();
                slice.limit(length);
                cache.readBlocks(block, length / blockSize, slice);
                dst.position(dst.position() + length);
            } else {
                try (Buf b = cache.read(block)) {
                    dst.put(b.array(), offsets[i], length);
                }
            }
        }
        return total;
    }
}
