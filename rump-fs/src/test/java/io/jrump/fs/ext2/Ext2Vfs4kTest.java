package io.jrump.fs.ext2;

/** The VFS suite on ext2 with 4 KiB blocks. */
class Ext2Vfs4kTest extends Ext2VfsSuite {
    @Override
    int blockSize() {
        return 4096;
    }
}
