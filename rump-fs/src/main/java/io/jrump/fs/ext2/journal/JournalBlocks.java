package io.jrump.fs.ext2.journal;

import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;

/**
 * The blocks of a jbd2 journal, numbered from 0 (the journal superblock) as the journal
 * numbers them: for ext3/ext4 the logical blocks of the journal inode, wherever they lie on
 * the device. Kept apart from the file system so that the journal's parser can be tested and
 * fuzzed on journals made by hand.
 */
public interface JournalBlocks {
    /** Bytes per journal block (the file system's block size). */
    int blockSize();

    /** Journal blocks there are. */
    long count();

    /** Reads journal block {@code block} (below {@link #count()}) into {@code dst} from its position, which it leaves unmoved; {@code dst} has a block's room. */
    void read(long block, ByteBuffer dst) throws ErrnoException;
}
