package io.jrump.fs.ext2;

import io.jrump.api.ErrnoException;

/**
 * How a file's logical blocks map to blocks of the device: ext2's indirect blocks
 * ({@link IndirectMap}) or ext4's extent tree ({@link ExtentMap}). Reading needs only
 * {@link #map}; the writing operations exist for the indirect form, which this driver writes.
 */
interface BlockMap {
    /** The device block holding logical block {@code lblk}, or 0 for a hole (or an unwritten extent). */
    long map(long lblk) throws ErrnoException;

    /** Like {@link #map}, allocating the block (and any indirect blocks) when it is a hole; {@code fresh[0]} says whether it was. */
    default long mapOrAllocate(long lblk, boolean[] fresh) throws ErrnoException {
        throw Damage.corrupt("this file's block map is read-only");
    }

    /**
     * Frees every block from logical block {@code from} on, after {@link #checkTruncate}: a
     * damaged map frees nothing.
     */
    default void truncate(long from) throws ErrnoException {
        throw Damage.corrupt("this file's block map is read-only");
    }

    /**
     * EUCLEAN unless {@link #truncate}{@code (from)} can free everything it would: every
     * pointer inside the file system and outside its metadata, no block twice, no more blocks
     * than {@code i_blocks} counts, each in use by the bitmap. Changes nothing.
     */
    default void checkTruncate(long from) throws ErrnoException {
        throw Damage.corrupt("this file's block map is read-only");
    }

    /** Logical blocks this form can address. */
    long maxBlocks();
}
