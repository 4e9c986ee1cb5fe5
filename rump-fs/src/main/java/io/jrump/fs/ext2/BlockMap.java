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

    /** Frees every block from logical block {@code from} on. */
    default void truncate(long from) throws ErrnoException {
        throw Damage.corrupt("this file's block map is read-only");
    }

    /** Logical blocks this form can address. */
    long maxBlocks();
}
