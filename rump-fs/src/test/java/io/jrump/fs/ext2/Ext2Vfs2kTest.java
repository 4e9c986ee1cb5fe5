package io.jrump.fs.ext2;

/** The VFS suite on ext2 with 2 KiB blocks. */
class Ext2Vfs2kTest extends Ext2VfsSuite {
    @Override
    int blockSize() {
        return 2048;
    }
}
