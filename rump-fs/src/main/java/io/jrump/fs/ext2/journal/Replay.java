package io.jrump.fs.ext2.journal;

import java.util.Collections;
import java.util.NavigableMap;

/**
 * The outcome of {@link JournalReplay}: for each file-system block a committed transaction
 * rewrites, the journal block holding its newest copy, and whether that copy was escaped
 * (its first word, the journal's magic, stored as zero).
 *
 * @param blocks file-system block to its replayed source, in block order
 * @param transactions how many committed transactions were replayed
 * @param end why the log ended where it did (for the mount's message)
 */
public record Replay(NavigableMap<Long, Source> blocks, int transactions, String end) {
    public Replay {
        blocks = Collections.unmodifiableNavigableMap(blocks);
    }

    /** Where a replayed block's content lies in the journal. */
    public record Source(long journalBlock, boolean escaped) {
    }
}
