package io.jrump.fs.ext2.journal;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.fs.ext2.disk.Crc32c;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Replays a jbd2 journal into memory: which file-system blocks the committed transactions
 * rewrite, and with which journal block, as Linux's {@code jbd2_journal_recover} would write
 * them, but without writing anything. The passes are the kernel's (source: the ext4 wiki "Ext4
 * Disk Layout", section Journal (jbd2); e2fsprogs {@code lib/ext2fs/kernel-jbd.h} for the
 * layouts):
 * <ol>
 * <li>scan: from {@code s_start}, with sequence {@code s_sequence}, read descriptor blocks
 *     (tags naming the file-system block each following data block belongs to), revoke blocks
 *     and commit blocks, each stamped with its transaction's sequence; the log ends at the
 *     first block that is not the next one expected (wrong magic or sequence, an unknown type),
 *     at a descriptor or commit block whose checksum fails, or after a full turn of the log. A
 *     transaction without its commit block (torn by the crash) is not replayed, nor is anything
 *     after it;</li>
 * <li>revoke: blocks named by the revoke records of committed transactions, each with the
 *     latest transaction that revoked it;</li>
 * <li>replay: each tag of each committed transaction, in order, unless a transaction at or
 *     after it revoked the block; a later transaction's copy replaces an earlier one's.</li>
 * </ol>
 * Tags are 8 bytes (32-bit block numbers), 12 ({@code INCOMPAT_64BIT}), 2 more with checksum
 * v2, or 16 with v3; each is followed by the 16-byte UUID unless flagged {@code SAME_UUID}. A
 * data block whose first word was the journal's magic is stored with that word zeroed and
 * flagged {@code ESCAPE}; the replayed copy gets it back. With checksum v2/v3 (crc32c seeded
 * with the journal UUID's) the superblock, descriptor and revoke block tails, commit blocks and
 * every data block (by its tag, with the transaction's sequence) are verified.
 *
 * <p>A journal that cannot be replayed as the kernel would (a damaged superblock, a revoke block
 * or data block failing its checksum in a committed transaction, a tag naming a block outside
 * the file system, features this class does not know such as fast commits) is an error, as it
 * makes Linux's mount fail: EUCLEAN, EIO for checksums, EINVAL for unknown features.
 */
public final class JournalReplay {
    /** Tag flags ({@code JBD2_FLAG_*}). */
    static final int FLAG_ESCAPE = 0x1;
    static final int FLAG_SAME_UUID = 0x2;
    static final int FLAG_LAST_TAG = 0x8;
    /** Bytes of the UUID that follows a tag without {@code SAME_UUID}. */
    static final int UUID_SIZE = 16;
    /** Bytes of the checksum tail of descriptor and revoke blocks ({@code jbd2_journal_block_tail}). */
    static final int TAIL_SIZE = 4;
    /** Where a commit block's checksum lies ({@code h_chksum[0]}, after type, size and padding). */
    static final int COMMIT_CHECKSUM = JournalSuperblock.HEADER + 4;
    /** Where a revoke block's byte count lies ({@code r_count}); the records follow it. */
    static final int REVOKE_COUNT = JournalSuperblock.HEADER;
    static final int REVOKE_RECORDS = REVOKE_COUNT + 4;

    private final JournalBlocks journal;
    private final long fsBlocks;
    private final int bs;
    private JournalSuperblock sb;
    private int seed;
    private int tagBytes;

    private JournalReplay(JournalBlocks journal, long fsBlocks) {
        this.journal = journal;
        this.fsBlocks = fsBlocks;
        this.bs = journal.blockSize();
    }

    /** One data block logged by a transaction: where it lies in the journal and where it belongs. */
    private record Tag(long target, long logBlock, int flags, int checksum) {
    }

    /** A transaction read by the scan. */
    private static final class Transaction {
        final int sequence;
        final List<Tag> tags = new ArrayList<>();
        final List<Long> revokeBlocks = new ArrayList<>();

        Transaction(int sequence) {
            this.sequence = sequence;
        }
    }

    /**
     * What replaying {@code journal}, the journal of a file system of {@code fsBlocks} blocks,
     * would write.
     */
    public static Replay replay(JournalBlocks journal, long fsBlocks) throws ErrnoException {
        return new JournalReplay(journal, fsBlocks).run();
    }

    private Replay run() throws ErrnoException {
        if (bs < 1024 || journal.count() < 2) {
            throw corrupt("journal of " + journal.count() + " blocks of " + bs + " bytes is too small");
        }
        ByteBuffer first = read(0);
        sb = new JournalSuperblock(first);
        String bad = sb.check(bs, journal.count());
        if (bad != null) {
            throw corrupt("journal superblock: " + bad);
        }
        int unknown = sb.incompat() & ~JournalSuperblock.KNOWN_INCOMPAT;
        if (unknown != 0) {
            throw new ErrnoException(Errno.EINVAL, "ext2: the journal uses incompat feature(s) 0x" + Integer.toHexString(unknown)
                    + (unknown == JournalSuperblock.INCOMPAT_FAST_COMMIT ? " (fast_commit)" : "") + " that this driver cannot replay; run e2fsck");
        }
        if (sb.checksummed()) {
            byte[] u = sb.uuid();
            seed = Crc32c.update(~0, u, 0, u.length);
            int want = Crc32c.update(Crc32c.update(~0, first, 0, JournalSuperblock.S_CHECKSUM), new byte[4], 0, 4);
            want = Crc32c.update(want, first, JournalSuperblock.S_CHECKSUM + 4, JournalSuperblock.SIZE);
            if (want != sb.checksum()) {
                throw new ErrnoException(Errno.EIO, String.format("ext2: journal superblock: checksum mismatch (stored 0x%08x, computed 0x%08x)",
                        sb.checksum(), want));
            }
        }
        tagBytes = tagBytes();
        if (sb.start() == 0) {
            return new Replay(new TreeMap<>(), 0, "the journal is empty");
        }
        List<Transaction> committed = new ArrayList<>();
        String end = scan(committed);
        Map<Long, Integer> revoked = revokes(committed);
        TreeMap<Long, Replay.Source> blocks = new TreeMap<>();
        for (Transaction t : committed) {
            for (Tag tag : t.tags) {
                Integer r = revoked.get(tag.target);
                if (r != null && r - t.sequence >= 0) {
                    continue;
                }
                if (tag.target >= fsBlocks) {
                    throw corrupt("journal transaction " + Integer.toUnsignedString(t.sequence) + " logs block " + tag.target
                            + " beyond the file system (" + fsBlocks + " blocks)");
                }
                if (sb.checksummed()) {
                    verifyData(t, tag);
                }
                blocks.put(tag.target, new Replay.Source(tag.logBlock, (tag.flags & FLAG_ESCAPE) != 0));
            }
        }
        return new Replay(blocks, committed.size(), end);
    }

    /** Bytes of one descriptor tag under this journal's features ({@code journal_tag_bytes}). */
    private int tagBytes() {
        if (sb.has(JournalSuperblock.INCOMPAT_CSUM_V3)) {
            return 16;
        }
        int n = 12;
        if (sb.has(JournalSuperblock.INCOMPAT_CSUM_V2)) {
            n += 2;
        }
        return sb.has(JournalSuperblock.INCOMPAT_64BIT) ? n : n - 4;
    }

    /** The log block after {@code block + n}, wrapping from the end of the journal to its first log block. */
    private long advance(long block, long n) {
        long span = sb.maxLen() - sb.first();
        long b = block + n % span;
        if (b >= sb.maxLen()) {
            b -= span;
        }
        return b;
    }

    /** Pass 1: reads the log into {@code committed}; returns why it ended. */
    private String scan(List<Transaction> committed) throws ErrnoException {
        long block = sb.start();
        int sequence = sb.sequence();
        long budget = sb.maxLen() - sb.first();
        Transaction current = new Transaction(sequence);
        while (budget > 0) {
            ByteBuffer b = read(block);
            if (b.getInt(JournalSuperblock.H_MAGIC) != JournalSuperblock.MAGIC) {
                return "end of log at journal block " + block;
            }
            if (b.getInt(JournalSuperblock.H_SEQUENCE) != sequence) {
                return "end of log at journal block " + block + " (sequence " + b.getInt(JournalSuperblock.H_SEQUENCE) + ", expected " + sequence + ")";
            }
            int type = b.getInt(JournalSuperblock.H_BLOCKTYPE);
            switch (type) {
                case JournalSuperblock.DESCRIPTOR -> {
                    if (sb.checksummed() && !tailChecksumOk(b)) {
                        return "descriptor block " + block + " of transaction " + sequence + " fails its checksum";
                    }
                    int n = readTags(b, block, current);
                    budget -= 1 + n;
                    block = advance(block, 1 + n);
                }
                case JournalSuperblock.REVOKE -> {
                    current.revokeBlocks.add(block);
                    budget--;
                    block = advance(block, 1);
                }
                case JournalSuperblock.COMMIT -> {
                    if (sb.checksummed() && !commitChecksumOk(b)) {
                        return "commit block " + block + " of transaction " + sequence + " fails its checksum";
                    }
                    committed.add(current);
                    sequence++;
                    current = new Transaction(sequence);
                    budget--;
                    block = advance(block, 1);
                }
                default -> {
                    return "journal block " + block + " of unknown type " + type;
                }
            }
        }
        return "the log wrapped onto itself";
    }

    /** Reads the tags of descriptor {@code b} (at {@code block}) into {@code t}; returns how many data blocks follow. */
    private int readTags(ByteBuffer b, long block, Transaction t) throws ErrnoException {
        int end = bs - (sb.checksummed() ? TAIL_SIZE : 0);
        boolean v3 = sb.has(JournalSuperblock.INCOMPAT_CSUM_V3);
        boolean wide = sb.has(JournalSuperblock.INCOMPAT_64BIT);
        int off = JournalSuperblock.HEADER;
        int n = 0;
        while (off + tagBytes <= end) {
            long target = b.getInt(off) & 0xFFFF_FFFFL;
            int flags = v3 ? b.getInt(off + 4) : b.getShort(off + 6) & 0xFFFF;
            if (wide) {
                target |= (b.getInt(off + 8) & 0xFFFF_FFFFL) << 32;
            }
            int checksum = v3 ? b.getInt(off + 12) : b.getShort(off + 4) & 0xFFFF;
            n++;
            if (n > sb.maxLen()) {
                throw corrupt("journal descriptor block " + block + " has more tags than the journal has blocks");
            }
            t.tags.add(new Tag(target, advance(block, n), flags, checksum));
            off += tagBytes;
            if ((flags & FLAG_SAME_UUID) == 0) {
                off += UUID_SIZE;
            }
            if ((flags & FLAG_LAST_TAG) != 0) {
                break;
            }
        }
        return n;
    }

    /** Pass 2: each revoked block with the latest transaction that revoked it. */
    private Map<Long, Integer> revokes(List<Transaction> committed) throws ErrnoException {
        Map<Long, Integer> out = new HashMap<>();
        int width = sb.has(JournalSuperblock.INCOMPAT_64BIT) ? 8 : 4;
        for (Transaction t : committed) {
            for (long block : t.revokeBlocks) {
                ByteBuffer b = read(block);
                if (sb.checksummed() && !tailChecksumOk(b)) {
                    throw new ErrnoException(Errno.EIO, "ext2: journal revoke block " + block + " of transaction "
                            + Integer.toUnsignedString(t.sequence) + " fails its checksum; run e2fsck");
                }
                long count = b.getInt(REVOKE_COUNT) & 0xFFFF_FFFFL;
                if (count < REVOKE_RECORDS || count > bs - (sb.checksummed() ? TAIL_SIZE : 0)) {
                    throw corrupt("journal revoke block " + block + " counts " + count + " bytes");
                }
                for (int off = REVOKE_RECORDS; off + width <= count; off += width) {
                    long target = width == 8 ? b.getLong(off) : b.getInt(off) & 0xFFFF_FFFFL;
                    out.merge(target, t.sequence, (a, c) -> c - a > 0 ? c : a);
                }
            }
        }
        return out;
    }

    /** EIO unless the data block of {@code tag} matches the checksum its tag carries. */
    private void verifyData(Transaction t, Tag tag) throws ErrnoException {
        ByteBuffer data = read(tag.logBlock);
        int c = Crc32c.update(seed, ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN).putInt(0, t.sequence).array(), 0, 4);
        c = Crc32c.update(c, data, 0, bs);
        boolean ok = sb.has(JournalSuperblock.INCOMPAT_CSUM_V3) ? c == tag.checksum : (c & 0xFFFF) == tag.checksum;
        if (!ok) {
            throw new ErrnoException(Errno.EIO, "ext2: journal block " + tag.logBlock + " (file system block " + tag.target
                    + ", transaction " + Integer.toUnsignedString(t.sequence) + ") fails its checksum; run e2fsck");
        }
    }

    private boolean tailChecksumOk(ByteBuffer b) {
        int stored = b.getInt(bs - TAIL_SIZE);
        int c = Crc32c.update(seed, b, 0, bs - TAIL_SIZE);
        c = Crc32c.update(c, new byte[TAIL_SIZE], 0, TAIL_SIZE);
        return c == stored;
    }

    private boolean commitChecksumOk(ByteBuffer b) {
        int stored = b.getInt(COMMIT_CHECKSUM);
        int c = Crc32c.update(seed, b, 0, COMMIT_CHECKSUM);
        c = Crc32c.update(c, new byte[4], 0, 4);
        c = Crc32c.update(c, b, COMMIT_CHECKSUM + 4, bs);
        return c == stored;
    }

    private ByteBuffer read(long block) throws ErrnoException {
        ByteBuffer b = ByteBuffer.allocate(bs).order(ByteOrder.BIG_ENDIAN);
        journal.read(block, b);
        return b.clear();
    }

    private static ErrnoException corrupt(String what) {
        return new ErrnoException(Errno.EUCLEAN, "ext2: " + what);
    }
}
