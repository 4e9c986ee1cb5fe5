package io.jrump.bench;

import io.jrump.api.Rump;
import io.jrump.api.RumpBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The configurations and files the benchmarks share, so that every case measures the same kernel. */
final class Workloads {
    /** Size of the files the read benchmarks read from: 1 MiB, small enough to stay in any cache. */
    static final int FILE_SIZE = 1 << 20;

    private Workloads() {
    }

    /** A kernel with the VFS and tmpfs as its root, as the demo boots it. */
    static RumpBuilder tmpfsKernel() {
        return Rump.builder().component("vfs");
    }

    /** A directory in memory on the host, the fairest peer for tmpfs: /dev/shm, or the temp dir where there is none. */
    static Path hostMemoryDirectory() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** Bytes with a pattern, so that a read of the wrong place would show. */
    static byte[] pattern(int size) {
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (i * 31 + (i >>> 12));
        }
        return data;
    }

    static Path createHostFile(byte[] data) throws IOException {
        Path file = Files.createTempFile(hostMemoryDirectory(), "jrump-bench-", ".dat");
        Files.write(file, data);
        return file;
    }
}
