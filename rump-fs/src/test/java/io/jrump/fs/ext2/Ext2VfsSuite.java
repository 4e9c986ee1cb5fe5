package io.jrump.fs.ext2;

import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.fs.FsFixture;
import io.jrump.fs.VfsSuite;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VFS suite on an ext2 image made by {@code mke2fs -t ext2 -b N} (lost+found removed, since
 * the suite expects an empty file system), mounted at /mnt; after
 * every case the kernel is closed (unmounting the image) and {@code e2fsck -fn} must find it
 * clean. Subclasses pick the block size.
 */
abstract class Ext2VfsSuite extends VfsSuite {
    /** Image size when the case asks for none. */
    private static final long DEFAULT_SIZE = 16L << 20;

    @TempDir
    Path tmp;
    private Path image;
    private int images;

    abstract int blockSize();

    @Override
    protected FsFixture mountFresh(long sizeLimit, int mountFlags) throws Exception {
        E2fsprogs.assumeAvailable();
        image = tmp.resolve("ext2-" + (images++) + ".img");
        E2fsprogs.mkfs(image, "ext2", blockSize(), sizeLimit > 0 ? sizeLimit : DEFAULT_SIZE);
        E2fsprogs.removeLostAndFound(image);
        RumpKernel k = Rump.builder().disk("disk0", image).boot();
        try {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("disk0", "/mnt", "ext2", mountFlags, null);
            return new FsFixture(k, "/mnt");
        } catch (Exception e) {
            k.close();
            throw e;
        }
    }

    /** Unmounts by closing the kernel, then checks the image with e2fsck. */
    @AfterEach
    void fsckAfterCase() throws Exception {
        if (fx != null) {
            fx.close();
        }
        if (image != null && Files.exists(image)) {
            E2fsprogs.assertClean(image);
        }
    }

    /** mke2fs makes 256-byte inodes here, whose extra time fields reach from 1901 to 2446 (EXT4_EXTRA_TIMESTAMP_MIN/MAX). */
    @Override
    protected java.time.Instant earliestTime() {
        return java.time.Instant.ofEpochSecond(Integer.MIN_VALUE);
    }

    @Override
    protected java.time.Instant latestTime() {
        return java.time.Instant.ofEpochSecond((1L << 34) - 1 + Integer.MIN_VALUE);
    }

    @Override
    protected boolean allowsEmptySymlink() {
        return false;
    }

    /** A slow symlink's target fits in one block, with room for a NUL (as Linux and e2fsck require). */
    @Override
    protected int symlinkMax() {
        return blockSize() - 1;
    }

    /** Size limits mean tmpfs figures (pages, no metadata); ext2's own full-disk behaviour is tested in Ext2WriteTest. */
    @Override
    protected boolean hasSizeLimit() {
        return false;
    }
}
