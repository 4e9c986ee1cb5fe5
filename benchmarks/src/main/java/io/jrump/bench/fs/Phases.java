package io.jrump.bench.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The three timed phases of issue 3 on a mounted file system, each returning nanoseconds:
 * a sequential write with fsync at the end, a sequential read of the same file, and a
 * metadata workload (create small files in directories, stat them all, delete them all). The
 * names and buffers are made beforehand so that only the file system calls are timed.
 */
final class Phases {
    static final String SEQUENTIAL_FILE = "sequential";

    private final FsWorkload workload;
    private final ByteBuffer chunk;
    private final ByteBuffer smallFile;
    private final List<String> dirs = new ArrayList<>();
    private final List<String> files = new ArrayList<>();

    Phases(FsWorkload workload) {
        this.workload = workload;
        this.chunk = patterned(workload.chunkBytes());
        this.smallFile = patterned(workload.smallFileBytes());
        for (int d = 0; d < workload.dirs(); d++) {
            String dir = String.format(Locale.ROOT, "d%03d", d);
            dirs.add(dir);
            for (int f = 0; f < workload.filesPerDir(); f++) {
                files.add(String.format(Locale.ROOT, "%s/f%06d", dir, d * workload.filesPerDir() + f));
            }
        }
    }

    /** A direct buffer (both sides get the same kind) holding a pattern, so that no layer could skip zeros. */
    private static ByteBuffer patterned(int size) {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) {
            b.put((byte) (i * 31 + (i >>> 12)));
        }
        return b.flip();
    }

    long write(MountedFs fs) throws IOException {
        long t0 = System.nanoTime();
        fs.writeAndFsync(SEQUENTIAL_FILE, workload.fileBytes(), chunk);
        return System.nanoTime() - t0;
    }

    long read(MountedFs fs) throws IOException {
        long t0 = System.nanoTime();
        long n = fs.readAll(SEQUENTIAL_FILE, chunk);
        long elapsed = System.nanoTime() - t0;
        if (n != workload.fileBytes()) {
            throw new IOException("read " + n + " bytes of " + SEQUENTIAL_FILE + ", wrote " + workload.fileBytes());
        }
        return elapsed;
    }

    /** Nanoseconds of the metadata workload's steps. */
    record MetadataTimes(long create, long stat, long delete) {
        long total() {
            return create + stat + delete;
        }
    }

    MetadataTimes metadata(MountedFs fs) throws IOException {
        long t0 = System.nanoTime();
        int perDir = workload.filesPerDir();
        for (int d = 0; d < dirs.size(); d++) {
            fs.mkdir(dirs.get(d));
            for (String f : files.subList(d * perDir, (d + 1) * perDir)) {
                fs.createFile(f, smallFile);
            }
        }
        long t1 = System.nanoTime();
        for (String f : files) {
            fs.stat(f);
        }
        long t2 = System.nanoTime();
        for (String f : files) {
            fs.unlink(f);
        }
        for (String d : dirs) {
            fs.rmdir(d);
        }
        long t3 = System.nanoTime();
        return new MetadataTimes(t1 - t0, t2 - t1, t3 - t2);
    }
}
