package io.jrump.fs.vfs;

import io.jrump.api.DirEntry;
import java.util.List;

/**
 * A slice of a directory as {@link Vnode#readdir} returns it: the entries and the cookie the
 * next call starts from (an opaque position: an index for tmpfs, a byte offset for ext2).
 */
public record DirBatch(List<DirEntry> entries, long nextCookie) {
    public DirBatch {
        entries = List.copyOf(entries);
    }
}
