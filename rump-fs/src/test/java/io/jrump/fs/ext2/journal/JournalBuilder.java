package io.jrump.fs.ext2.journal;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.fs.ext2.disk.Crc32c;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes jbd2 journals by hand, for the parser's tests and fuzzing: a v2 superblock with the
 * given incompat features, then transactions of data blocks, revoke records and a commit
 * block (or none, or one with a wrong checksum), laid out from any log block, wrapping at the
 * end of the journal as the kernel does. Checksums (v2/v3) are computed as the layout says.
 */
final class JournalBuilder {
    static final byte[] UUID = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

    enum Commit { GOOD, MISSING, BAD_CHECKSUM }

    private final int bs;
    private final int blocks;
    private final int incompat;
    private final byte[][] journal;
    private final int seed;
    private final int firstSequence;
    private final long start;
    private int sequence;
    private long next;
    private int transactions;

    /** A journal of {@code blocks} blocks of {@code bs} bytes whose log starts at {@code start} with sequence {@code firstSequence}. */
    JournalBuilder(int bs, int blocks, int incompat, long start, int firstSequence) {
        this.bs = bs;
        this.blocks = blocks;
        this.incompat = incompat;
        this.journal = new byte[blocks][bs];
        this.seed = Crc32c.update(~0, UUID, 0, UUID.length);
        this.start = start;
        this.firstSequence = firstSequence;
        this.sequence = firstSequence;
        this.next = start;
    }

    private boolean has(int f) {
        return (incompat & f) != 0;
    }

    private boolean csum() {
        return has(JournalSuperblock.INCOMPAT_CSUM_V2) || has(JournalSuperblock.INCOMPAT_CSUM_V3);
    }

    private ByteBuffer take() {
        ByteBuffer b = ByteBuffer.wrap(journal[(int) next]).order(ByteOrder.BIG_ENDIAN);
        next++;
        if (next >= blocks) {
            next = 1;
        }
        return b;
    }

    private void header(ByteBuffer b, int type) {
        b.putInt(JournalSuperblock.H_MAGIC, JournalSuperblock.MAGIC);
        b.putInt(JournalSuperblock.H_BLOCKTYPE, type);
        b.putInt(JournalSuperblock.H_SEQUENCE, sequence);
    }

    private int tagBytes() {
        if (has(JournalSuperblock.INCOMPAT_CSUM_V3)) {
            return 16;
        }
        int n = has(JournalSuperblock.INCOMPAT_CSUM_V2) ? 14 : 12;
        return has(JournalSuperblock.INCOMPAT_64BIT) ? n : n - 4;
    }

    private void tail(ByteBuffer b) {
        if (csum()) {
            b.putInt(bs - 4, 0);
            b.putInt(bs - 4, Crc32c.update(seed, b, 0, bs));
        }
    }

    /**
     * Logs one transaction: {@code targets[i]} gets {@code data[i]} (escaped when it starts with
     * the journal's magic), then a revoke block for {@code revoked} when there are any.
     */
    JournalBuilder transaction(long[] targets, byte[][] data, long[] revoked, Commit commit) {
        ByteBuffer d = take();
        header(d, JournalSuperblock.DESCRIPTOR);
        int off = JournalSuperblock.HEADER;
        boolean v3 = has(JournalSuperblock.INCOMPAT_CSUM_V3);
        for (int i = 0; i < targets.length; i++) {
            byte[] block = data[i].clone();
            ByteBuffer bb = ByteBuffer.wrap(block).order(ByteOrder.BIG_ENDIAN);
            int flags = 0;
            if (bb.getInt(0) == JournalSuperblock.MAGIC) {
                bb.putInt(0, 0);
                flags |= JournalReplay.FLAG_ESCAPE;
            }
            if (i > 0) {
                flags |= JournalReplay.FLAG_SAME_UUID;
            }
            if (i == targets.length - 1) {
                flags |= JournalReplay.FLAG_LAST_TAG;
            }
            int c = Crc32c.update(seed, ByteBuffer.allocate(4).putInt(0, sequence).array(), 0, 4);
            c = Crc32c.update(c, block, 0, bs);
            d.putInt(off, (int) targets[i]);
            if (v3) {
                d.putInt(off + 4, flags);
                d.putInt(off + 12, c);
            } else {
                d.putShort(off + 6, (short) flags);
                if (has(JournalSuperblock.INCOMPAT_CSUM_V2)) {
                    d.putShort(off + 4, (short) c);
                }
            }
            if (has(JournalSuperblock.INCOMPAT_64BIT)) {
                d.putInt(off + 8, (int) (targets[i] >>> 32));
            }
            off += tagBytes();
            if (i == 0) {
                d.put(off, UUID);
                off += 16;
            }
            take().put(0, block);
        }
        tail(d);
        if (revoked.length > 0) {
            ByteBuffer r = take();
            header(r, JournalSuperblock.REVOKE);
            int width = has(JournalSuperblock.INCOMPAT_64BIT) ? 8 : 4;
            int at = JournalReplay.REVOKE_RECORDS;
            for (long t : revoked) {
                if (width == 8) {
                    r.putLong(at, t);
                } else {
                    r.putInt(at, (int) t);
                }
                at += width;
            }
            r.putInt(JournalReplay.REVOKE_COUNT, at);
            tail(r);
        }
        if (commit != Commit.MISSING) {
            ByteBuffer c = take();
            header(c, JournalSuperblock.COMMIT);
            if (csum()) {
                c.put(JournalSuperblock.HEADER, (byte) JournalSuperblock.CHECKSUM_CRC32C);
                c.put(JournalSuperblock.HEADER + 1, (byte) 4);
                c.putInt(JournalReplay.COMMIT_CHECKSUM, Crc32c.update(seed, c, 0, bs) ^ (commit == Commit.BAD_CHECKSUM ? 1 : 0));
            }
        }
        sequence++;
        transactions++;
        return this;
    }

    /** The journal's bytes, superblock included. */
    byte[] build() {
        ByteBuffer s = ByteBuffer.wrap(journal[0]).order(ByteOrder.BIG_ENDIAN);
        s.putInt(JournalSuperblock.H_MAGIC, JournalSuperblock.MAGIC);
        s.putInt(JournalSuperblock.H_BLOCKTYPE, JournalSuperblock.SUPERBLOCK_V2);
        s.putInt(0x0C, bs);
        s.putInt(0x10, blocks);
        s.putInt(0x14, 1);
        s.putInt(0x18, firstSequence);
        s.putInt(0x1C, transactions == 0 ? 0 : (int) start);
        s.putInt(0x28, incompat);
        s.put(0x30, UUID);
        s.putInt(0x40, 1);
        if (csum()) {
            s.put(0x50, (byte) JournalSuperblock.CHECKSUM_CRC32C);
            s.putInt(JournalSuperblock.S_CHECKSUM, 0);
            s.putInt(JournalSuperblock.S_CHECKSUM, Crc32c.update(~0, s, 0, JournalSuperblock.SIZE));
        }
        byte[] out = new byte[blocks * bs];
        for (int i = 0; i < blocks; i++) {
            System.arraycopy(journal[i], 0, out, i * bs, bs);
        }
        return out;
    }

    /** {@code bytes} as journal blocks of {@code bs} bytes. */
    static JournalBlocks blocks(byte[] bytes, int bs) {
        return new JournalBlocks() {
            @Override
            public int blockSize() {
                return bs;
            }

            @Override
            public long count() {
                return bytes.length / bs;
            }

            @Override
            public void read(long block, ByteBuffer dst) throws ErrnoException {
                if (block < 0 || block >= count()) {
                    throw new ErrnoException(Errno.EIO, "journal block " + block + " out of range");
                }
                dst.put(dst.position(), bytes, (int) block * bs, bs);
            }
        };
    }
}
