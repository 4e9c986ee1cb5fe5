package io.jrump.bench.fs;

import io.jrump.measure.Units;

/**
 * The sizes of the ext2 comparison (issue 3): a sequential file written with fsync and read
 * back, and a metadata workload of small files spread over directories.
 *
 * @param fileBytes the sequential file's size
 * @param chunkBytes bytes per write and read call
 * @param dirs directories of the metadata workload
 * @param files small files, spread evenly over the directories
 * @param smallFileBytes bytes written into each small file
 * @param imageBytes the image's size; large enough for the sequential file with room to spare
 */
record FsWorkload(String name, long fileBytes, int chunkBytes, int dirs, int files, int smallFileBytes, long imageBytes) {
    private static final int MIB = 1 << 20;

    /** The figures: 1 GiB in 1 MiB calls, 10,000 files of 1 KiB in 100 directories, a 2 GiB image. */
    static final FsWorkload FULL = new FsWorkload("full", 1024L * MIB, MIB, 100, 10_000, 1024, 2048L * MIB);
    /** A smoke run: 64 MiB and 1,000 files, on a 512 MiB image. */
    static final FsWorkload QUICK = new FsWorkload("quick", 64L * MIB, MIB, 100, 1_000, 1024, 512L * MIB);

    FsWorkload {
        if (files % dirs != 0 || fileBytes % chunkBytes != 0 || fileBytes * 2 > imageBytes) {
            throw new IllegalArgumentException("inconsistent workload " + name);
        }
    }

    int filesPerDir() {
        return files / dirs;
    }

    String fileSize() {
        return Units.bytes(fileBytes);
    }

    String describe() {
        return Units.bytes(fileBytes) + " sequential file in " + Units.bytes(chunkBytes) + " calls; " + Units.count(files)
                + " files of " + Units.bytes(smallFileBytes) + " in " + dirs + " directories; fresh " + Units.bytes(imageBytes)
                + " image per round and side";
    }
}
