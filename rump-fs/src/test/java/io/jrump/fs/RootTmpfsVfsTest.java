package io.jrump.fs;

import io.jrump.api.MountFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpBuilder;
import org.junit.jupiter.api.Assumptions;

/**
 * The VFS suite on the kernel's own root tmpfs, sized with the {@code tmpfs.size} option: the
 * mount point is "/", so every case also checks ".." at the root and paths without a prefix.
 */
class RootTmpfsVfsTest extends VfsSuite {
    @Override
    protected FsFixture mountFresh(long sizeLimit, int mountFlags) {
        Assumptions.assumeTrue((mountFlags & MountFlags.MNT_RDONLY) == 0, "the root tmpfs is always writable");
        RumpBuilder b = Rump.builder();
        if (sizeLimit > 0) {
            b.option("tmpfs.size", Long.toString(sizeLimit));
        }
        return new FsFixture(b.boot(), "/");
    }
}
