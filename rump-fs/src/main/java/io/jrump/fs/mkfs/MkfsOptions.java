package io.jrump.fs.mkfs;

import java.util.function.LongConsumer;

/**
 * What to make.
 *
 * @param type the file system type ("ext2")
 * @param blockSize bytes per block (1024, 2048 or 4096), or 0 to choose from the size as
 *     {@code mke2fs} does
 * @param label the volume label (at most 16 bytes of UTF-8), or {@code ""}
 * @param progress told the permille (0..1000) of the work done as it goes, or {@code null}
 */
public record MkfsOptions(String type, int blockSize, String label, LongConsumer progress) {
    public MkfsOptions {
        label = label == null ? "" : label;
    }
}
