package io.jrump.kern;

/**
 * A directory held by a process as its working directory. The base kernel does not look
 * inside; the VFS gives these out and takes them back. Holding one keeps the directory's
 * file system busy (unmount answers EBUSY), so a process releases the old one when it
 * changes directory and all of them when it exits.
 */
public interface DirRef {
    /** Drops the reference; called exactly once per reference the VFS gave out. */
    void release();
}
