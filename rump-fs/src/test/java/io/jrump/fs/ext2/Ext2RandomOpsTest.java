package io.jrump.fs.ext2;

import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.fs.FsFixture;
import io.jrump.fs.RandomOpsSuite;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeded random operation sequences on ext2 (1 KiB blocks, so indirect blocks come into
 * play early). Each sequence runs on a fresh image; when the suite asks for the next image, the
 * previous one (unmounted by then) must pass {@code e2fsck -fn}, and so must the last.
 */
class Ext2RandomOpsTest extends RandomOpsSuite {
    @TempDir
    Path tmp;
    private Path previous;
    private int images;

    @Override
    protected FsFixture mountFresh() throws Exception {
        E2fsprogs.assumeAvailable();
        checkPrevious();
        Path image = tmp.resolve("random-" + (images++) + ".img");
        E2fsprogs.mkfs(image, "ext2", 1024, 16L << 20);
        E2fsprogs.removeLostAndFound(image);
        previous = image;
        RumpKernel k = Rump.builder().disk("disk0", image).boot();
        try {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("disk0", "/mnt", "ext2", 0, null);
            return new FsFixture(k, "/mnt");
        } catch (Exception e) {
            k.close();
            throw e;
        }
    }

    private void checkPrevious() throws Exception {
        if (previous != null && Files.exists(previous)) {
            E2fsprogs.assertClean(previous);
            Files.delete(previous);
        }
    }

    @AfterEach
    void lastImageIsClean() throws Exception {
        checkPrevious();
    }
}
