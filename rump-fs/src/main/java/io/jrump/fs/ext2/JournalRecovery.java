package io.jrump.fs.ext2;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.fs.bio.BufferCache;
import io.jrump.fs.ext2.disk.Feature;
import io.jrump.fs.ext2.disk.Superblock;
import io.jrump.fs.ext2.journal.JournalBlocks;
import io.jrump.fs.ext2.journal.JournalReplay;
import io.jrump.fs.ext2.journal.Replay;
import io.jrump.fs.ext2.journal.ReplayedDevice;
import java.nio.ByteBuffer;

/**
 * Mounting an image whose journal needs recovery (needs_recovery): Linux replays the journal
 * even for a read-only mount, so what a reader sees is the state after the committed
 * transactions. This does the same in memory: it reads the journal inode of the image as it
 * lies on the device (the journal itself is never journaled), replays the journal
 * ({@link JournalReplay}) and hands back a {@link ReplayedDevice} that the mount reads through,
 * so the image is never written. The mount stays read-only until e2fsck has replayed the
 * journal for real.
 *
 * <p>What this does not do that Linux's mount does after the replay: process the orphan list
 * (files unlinked while open, or truncated, when the image was copied), which needs writing.
 * Such files show as they were left, as on a read-only block device Linux also leaves them.
 */
final class JournalRecovery {
    private JournalRecovery() {
    }

    /** The device to mount and what to tell the user. */
    record Result(BlockDevice device, String message) {
    }

    /** The journal inode's blocks, read through a read-only mount of the unreplayed image. */
    private static final class InodeJournal implements JournalBlocks {
        private final Ext2Node node;
        private final BufferCache cache;
        private final long count;

        InodeJournal(Ext2Node node, BufferCache cache) {
            this.node = node;
            this.cache = cache;
            this.count = node.size() / cache.blockSize();
        }

        @Override
        public int blockSize() {
            return cache.blockSize();
        }

        @Override
        public long count() {
            return count;
        }

        @Override
        public synchronized void read(long block, ByteBuffer dst) throws ErrnoException {
            long p = node.map().map(block);
            if (p == 0) {
                throw Damage.inode(node.ino(), "hole at block " + block + " of the journal");
            }
            cache.readBlocks(p, 1, dst.duplicate());
        }
    }

    /**
     * Replays the journal of the image on {@code dev}, whose superblock {@code sb} has
     * needs_recovery set, for reading.
     */
    static Result replay(BlockDevice dev, Superblock sb, String source, System.Logger log) throws ErrnoException {
        if (!sb.has(Feature.HAS_JOURNAL) || sb.journalInum() == 0) {
            throw new ErrnoException(Errno.EINVAL, "ext2: " + source + ": the journal needs recovery but is not in this image"
                    + " (an external journal device): run e2fsck with the journal device");
        }
        BufferCache raw = new BufferCache(dev, sb.blockSize(), BufferCache.MIN_LIMIT, true);
        GroupTable groups = GroupTable.load(sb, raw);
        Ext2Fs unreplayed = new Ext2Fs(dev, raw, sb, groups, SystemZone.NONE, true, () -> 0L, log, "ext2");
        Ext2Node inode = unreplayed.node(sb.journalInum());
        if (!inode.isRegularFile()) {
            throw Damage.inode(sb.journalInum(), "the journal inode is not a regular file");
        }
        InodeJournal journal = new InodeJournal(inode, raw);
        Replay replay = JournalReplay.replay(journal, sb.blocksCount());
        String what = replay.transactions() == 0
                ? "needs_recovery is set but no committed transaction is in the journal (" + replay.end() + ")"
                : "the journal needed recovery: " + replay.transactions() + " committed transaction(s) ("
                        + replay.blocks().size() + " blocks) replayed in memory for reading, the image unchanged";
        return new Result(new ReplayedDevice(dev, journal, replay), what + "; mounted read-only: run e2fsck before writing to it");
    }
}
