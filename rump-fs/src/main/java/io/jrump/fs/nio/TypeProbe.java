package io.jrump.fs.nio;

import io.jrump.api.BlockDevice;
import io.jrump.api.ErrnoException;

/**
 * Recognises one family of file systems from its superblock, as {@code blkid} does. A new
 * file system (FAT, FFS) plugs into {@link FsTypes} by adding its probe to the list there.
 */
interface TypeProbe {
    /** The type on {@code device}, or {@code null} when this family's signature is not there. */
    FsType probe(BlockDevice device) throws ErrnoException;
}
