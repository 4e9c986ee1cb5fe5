package io.jrump.bench.fs;

import io.jrump.fs.mkfs.Mkfs;
import io.jrump.fs.mkfs.MkfsOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fresh ext2 images for each round and side: made by {@code mke2fs -t ext2} when it is
 * installed (the image Linux users have), otherwise by jrump's own mkfs, which makes the same
 * layout. Always 4 KiB blocks, so that a small quick-mode image has the full run's geometry
 * rather than mke2fs's 1 KiB "small" type.
 */
final class Images {
    static final int BLOCK_SIZE = 4096;

    private Images() {
    }

    static String maker() {
        return Host.hasTool("mke2fs") ? "mke2fs -t ext2 -b " + BLOCK_SIZE : "jrump mkfs (no mke2fs installed)";
    }

    static void fresh(Path image, long bytes) throws IOException {
        Files.deleteIfExists(image);
        if (Host.hasTool("mke2fs")) {
            Host.run("mke2fs", "-t", "ext2", "-F", "-q", "-b", Integer.toString(BLOCK_SIZE), image.toString(), (bytes >> 10) + "k");
        } else {
            Mkfs.createImage(image, bytes, new MkfsOptions("ext2", BLOCK_SIZE, "", null));
        }
    }

    /** {@code null} when {@code e2fsck -fn} finds the image clean (or is not installed); otherwise its complaint. */
    static String check(Path image) {
        if (!Host.hasTool("e2fsck")) {
            return null;
        }
        try {
            Host.run("e2fsck", "-fn", image.toString());
            return null;
        } catch (IOException e) {
            return e.getMessage();
        }
    }
}
