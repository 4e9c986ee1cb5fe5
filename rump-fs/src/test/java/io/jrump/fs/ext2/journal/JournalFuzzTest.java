package io.jrump.fs.ext2.journal;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jrump.api.ErrnoException;
import io.jrump.dev.MemoryBlockDevice;
import io.jrump.fs.ext2.journal.JournalBuilder.Commit;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Coverage-guided fuzzing of the journal parser (Jazzer): a valid hand-made journal (one of
 * the four tag formats; three transactions with an escaped block, revoke records, and a
 * torn fourth) has bytes overwritten as the input says, and optionally its superblock fields
 * replaced by input values, then is replayed and every replayed block read back through a
 * {@link ReplayedDevice}. Every outcome must be success or an {@link ErrnoException}: any
 * other exception, a hang or a runaway allocation is a finding. Plain {@code mvn test}
 * replays the committed corpus under {@code JournalFuzzTestInputs/replay/}. To fuzz:
 * <pre>
 * JAZZER_FUZZ=1 mvn -B -q -ntp -pl rump-fs -am test -Dtest=JournalFuzzTest \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.max_duration=3m
 * </pre>
 */
class JournalFuzzTest {
    private static final int BS = 1024;
    private static final int BLOCKS = 32;
    private static final int[] FORMATS = {
        JournalSuperblock.INCOMPAT_REVOKE,
        JournalSuperblock.INCOMPAT_REVOKE | JournalSuperblock.INCOMPAT_64BIT,
        JournalSuperblock.INCOMPAT_REVOKE | JournalSuperblock.INCOMPAT_CSUM_V2,
        JournalSuperblock.INCOMPAT_REVOKE | JournalSuperblock.INCOMPAT_64BIT | JournalSuperblock.INCOMPAT_CSUM_V3,
    };

    private static byte[] base(int format) {
        byte[] escaped = new byte[BS];
        ByteBuffer.wrap(escaped).putInt(0, JournalSuperblock.MAGIC);
        return new JournalBuilder(BS, BLOCKS, FORMATS[format], 20, 7)
                .transaction(new long[] {3, 4}, new byte[][] {new byte[BS], escaped}, new long[0], Commit.GOOD)
                .transaction(new long[] {5}, new byte[][] {new byte[BS]}, new long[] {3, 4}, Commit.GOOD)
                .transaction(new long[] {4, 6, 7}, new byte[][] {new byte[BS], new byte[BS], new byte[BS]}, new long[] {7}, Commit.GOOD)
                .transaction(new long[] {8}, new byte[][] {new byte[BS]}, new long[0], Commit.MISSING)
                .build();
    }

    @FuzzTest(maxDuration = "30s")
    void replay(FuzzedDataProvider data) throws Exception {
        byte[] j = base(data.consumeInt(0, FORMATS.length - 1));
        ByteBuffer sb = ByteBuffer.wrap(j);
        if (data.consumeBoolean()) {
            // superblock fields straight from the input: block size, length, first, sequence, start, features
            for (int at = 0x0C; at <= 0x2C; at += 4) {
                if (data.consumeBoolean()) {
                    sb.putInt(at, data.consumeInt());
                }
            }
        }
        int edits = data.consumeInt(0, 48);
        for (int i = 0; i < edits; i++) {
            j[data.consumeInt(0, j.length - 1)] = data.consumeByte();
        }
        long fsBlocks = data.consumeLong(0, 1L << 40);
        JournalBlocks blocks = JournalBuilder.blocks(j, BS);
        try {
            Replay r = JournalReplay.replay(blocks, fsBlocks);
            MemoryBlockDevice dev = new MemoryBlockDevice(BLOCKS * BS);
            ReplayedDevice rd = new ReplayedDevice(dev, blocks, r);
            ByteBuffer out = ByteBuffer.allocate(BS);
            for (Map.Entry<Long, Replay.Source> e : r.blocks().entrySet()) {
                if (e.getKey() < BLOCKS) {
                    rd.read(e.getKey() * (BS / dev.sectorSize()), out.clear());
                }
            }
        } catch (ErrnoException expected) {
            // damage reported as such
        }
    }
}
