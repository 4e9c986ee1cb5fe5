package io.jrump.fs.ext2;

/** The VFS suite on ext2 with 1 KiB blocks. */
class Ext2Vfs1kTest extends Ext2VfsSuite {
    @Override
    int blockSize() {
        return 1024;
    }
}
