package io.jrump.fs.ext2.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.dev.MemoryBlockDevice;
import io.jrump.fs.ext2.journal.JournalBuilder.Commit;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The journal parser on journals made by hand ({@link JournalBuilder}), in every tag format:
 * 32-bit, 64-bit, checksum v2 (32-bit) and v3 (64-bit). What a replay must do: later copies
 * win, revoke records hide earlier copies but not later ones, escaped blocks get their magic
 * back, a transaction without a (valid) commit block ends the replay, the log wraps and
 * sequence numbers wrap; and what it must refuse: data, revoke or superblock checksums that
 * fail, blocks outside the file system.
 */
class JournalReplayTest {
    private static final int BS = 1024;
    private static final long FS_BLOCKS = 1L << 40;
    private static final int[] FORMATS = {
        0,
        JournalSuperblock.INCOMPAT_64BIT,
        JournalSuperblock.INCOMPAT_CSUM_V2,
        JournalSuperblock.INCOMPAT_64BIT | JournalSuperblock.INCOMPAT_CSUM_V3,
    };

    private static byte[] fill(int v) {
        byte[] b = new byte[BS];
        Arrays.fill(b, (byte) v);
        return b;
    }

    private static long[] l(long... v) {
        return v;
    }

    private static byte[][] d(byte[]... v) {
        return v;
    }

    private static JournalBuilder journal(int format) {
        return new JournalBuilder(BS, 64, format | JournalSuperblock.INCOMPAT_REVOKE, 1, 100);
    }

    /** What reading {@code block} through a replayed device gives (the device itself holds 0xEE everywhere). */
    private static byte[] replayed(byte[] journal, Replay r, long block) throws ErrnoException {
        MemoryBlockDevice dev = new MemoryBlockDevice(64L * BS);
        byte[] base = fill(0xEE);
        for (int i = 0; i < 64; i++) {
            dev.write(i * (BS / dev.sectorSize()), ByteBuffer.wrap(base));
        }
        ReplayedDevice rd = new ReplayedDevice(dev, JournalBuilder.blocks(journal, BS), r);
        ByteBuffer out = ByteBuffer.allocate(BS);
        rd.read(block * (BS / dev.sectorSize()), out);
        return out.array();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void laterTransactionsWinAndRevokesHideEarlierCopiesOnly(int f) throws Exception {
        byte[] j = journal(FORMATS[f])
                .transaction(l(10, 11, 12), d(fill(1), fill(2), fill(3)), l(), Commit.GOOD)
                .transaction(l(10), d(fill(4)), l(11, 12), Commit.GOOD)
                .transaction(l(12), d(fill(5)), l(), Commit.GOOD)
                .build();
        Replay r = JournalReplay.replay(JournalBuilder.blocks(j, BS), 64);
        assertEquals(3, r.transactions());
        assertEquals(java.util.Set.of(10L, 12L), r.blocks().keySet(), "11 revoked; 12 revoked, then logged again");
        assertArrayEquals(fill(4), replayed(j, r, 10));
        assertArrayEquals(fill(5), replayed(j, r, 12));
        assertArrayEquals(fill(0xEE), replayed(j, r, 11), "a revoked block is read from the device");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void escapedBlocksGetTheirMagicBack(int f) throws Exception {
        byte[] data = fill(7);
        ByteBuffer.wrap(data).putInt(0, JournalSuperblock.MAGIC);
        byte[] j = journal(FORMATS[f]).transaction(l(20), d(data), l(), Commit.GOOD).build();
        Replay r = JournalReplay.replay(JournalBuilder.blocks(j, BS), 64);
        assertTrue(r.blocks().get(20L).escaped());
        assertArrayEquals(data, replayed(j, r, 20));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void aTornFinalTransactionIsNotReplayed(int f) throws Exception {
        byte[] j = journal(FORMATS[f])
                .transaction(l(10), d(fill(1)), l(), Commit.GOOD)
                .transaction(l(10, 30), d(fill(2), fill(3)), l(), Commit.MISSING)
                .build();
        Replay r = JournalReplay.replay(JournalBuilder.blocks(j, BS), 64);
        assertEquals(1, r.transactions());
        assertEquals(java.util.Set.of(10L), r.blocks().keySet());
        assertArrayEquals(fill(1), replayed(j, r, 10));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void aCommitBlockFailingItsChecksumEndsTheReplay(int f) throws Exception {
        byte[] j = journal(FORMATS[f])
                .transaction(l(10), d(fill(1)), l(), Commit.GOOD)
                .transaction(l(10), d(fill(2)), l(), Commit.BAD_CHECKSUM)
                .transaction(l(10), d(fill(3)), l(), Commit.GOOD)
                .build();
        Replay r = JournalReplay.replay(JournalBuilder.blocks(j, BS), 64);
        assertEquals(1, r.transactions());
        assertTrue(r.end().contains("commit block"), r.end());
        assertArrayEquals(fill(1), replayed(j, r, 10));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void aDataBlockFailingItsChecksumIsAnError(int f) throws Exception {
        byte[] j = journal(FORMATS[f]).transaction(l(10, 11), d(fill(1), fill(2)), l(), Commit.GOOD).build();
        j[3 * BS + 100] ^= 1; // the second data block (superblock, descriptor, data, data)
        ErrnoException e = assertThrows(ErrnoException.class, () -> JournalReplay.replay(JournalBuilder.blocks(j, BS), 64));
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("file system block 11"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void aRevokeBlockFailingItsChecksumIsAnError(int f) throws Exception {
        byte[] j = journal(FORMATS[f]).transaction(l(10), d(fill(1)), l(10), Commit.GOOD).build();
        j[3 * BS + 30] ^= 1; // superblock, descriptor, data, revoke
        ErrnoException e = assertThrows(ErrnoException.class, () -> JournalReplay.replay(JournalBuilder.blocks(j, BS), 64));
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("revoke block"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void aSuperblockFailingItsChecksumIsAnError(int f) throws Exception {
        byte[] j = journal(FORMATS[f]).transaction(l(10), d(fill(1)), l(), Commit.GOOD).build();
        j[0x60] ^= 1;
        ErrnoException e = assertThrows(ErrnoException.class, () -> JournalReplay.replay(JournalBuilder.blocks(j, BS), 64));
        assertEquals(Errno.EIO, e.errno());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void aBlockOutsideTheFileSystemIsCorruption(int f) throws Exception {
        byte[] j = journal(FORMATS[f]).transaction(l(63), d(fill(1)), l(), Commit.GOOD).build();
        ErrnoException e = assertThrows(ErrnoException.class, () -> JournalReplay.replay(JournalBuilder.blocks(j, BS), 50));
        assertEquals(Errno.EUCLEAN, e.errno());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void wideTagsKeepTheirHighWord(int f) throws Exception {
        long far = (5L << 32) + 9;
        byte[] j = journal(FORMATS[f]).transaction(l(far), d(fill(1)), l(), Commit.GOOD).build();
        Replay r = JournalReplay.replay(JournalBuilder.blocks(j, BS), FS_BLOCKS);
        assertEquals(java.util.Set.of(far), r.blocks().keySet());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void theLogWrapsAndSequencesWrap(int f) throws Exception {
        JournalBuilder b = new JournalBuilder(BS, 16, FORMATS[f] | JournalSuperblock.INCOMPAT_REVOKE, 12, -2);
        for (int i = 0; i < 4; i++) {
            b.transaction(l(40 + i), d(fill(i + 1)), i == 3 ? l(40) : l(), Commit.GOOD);
        }
        byte[] j = b.build();
        Replay r = JournalReplay.replay(JournalBuilder.blocks(j, BS), 64);
        assertEquals(4, r.transactions(), r.end());
        assertEquals(java.util.Set.of(41L, 42L, 43L), r.blocks().keySet(), "40 revoked by the last transaction, across the sequence wrap");
        assertArrayEquals(fill(4), replayed(j, r, 43));
        assertTrue(r.blocks().get(43L).journalBlock() < 12, "the last transaction wrapped to the start of the log");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3})
    void aCleanJournalReplaysNothing(int f) throws Exception {
        byte[] j = journal(FORMATS[f]).build();
        Replay r = JournalReplay.replay(JournalBuilder.blocks(j, BS), 64);
        assertEquals(0, r.transactions());
        assertTrue(r.blocks().isEmpty());
    }

    @Test
    void unknownIncompatFeaturesAreRefused() throws Exception {
        JournalBuilder b = new JournalBuilder(BS, 64, JournalSuperblock.INCOMPAT_FAST_COMMIT, 1, 1);
        byte[] j = b.transaction(l(10), d(fill(1)), l(), Commit.GOOD).build();
        ErrnoException e = assertThrows(ErrnoException.class, () -> JournalReplay.replay(JournalBuilder.blocks(j, BS), 64));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("fast_commit"), e.getMessage());
    }
}
