package io.jrump.bench.fs;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One mounted file system under test, driven through the calls the workloads need. Paths are
 * relative to the mount's root ("d07/f00123"). jrump implements it with {@code Syscalls}, the
 * peers with {@code FileChannel} and {@code Files} on a host mount, so that both sides make
 * the same calls with the same buffers.
 */
interface MountedFs {
    /** Creates or truncates {@code path}, writes {@code bytes} in calls of {@code chunk}'s size, fsyncs and closes it. */
    void writeAndFsync(String path, long bytes, ByteBuffer chunk) throws IOException;

    /** Reads {@code path} to its end in calls of {@code chunk}'s size; returns the bytes read. */
    long readAll(String path, ByteBuffer chunk) throws IOException;

    /** Opens {@code path} for positional reads, which several threads may make at once. */
    PositionalReader openReader(String path) throws IOException;

    /** An open file for {@link #openReader}: {@code pread}. */
    interface PositionalReader extends java.io.Closeable {
        /** Reads into {@code dst} from {@code offset}; returns the bytes read. */
        int pread(ByteBuffer dst, long offset) throws IOException;
    }

    void mkdir(String path) throws IOException;

    /** Creates a new file holding {@code data} (from its position; the position is left alone) and closes it. */
    void createFile(String path, ByteBuffer data) throws IOException;

    void stat(String path) throws IOException;

    void unlink(String path) throws IOException;

    void rmdir(String path) throws IOException;

    /**
     * Unmounts. Returns the heap the mount held (its buffer cache, chiefly), measured as the
     * settled heap released by the unmount when {@code measureHeap}; otherwise, and for peers
     * whose caches are the host's, {@code NaN}.
     */
    double unmount(boolean measureHeap) throws IOException;
}
