package io.jrump.fs;

import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;

/** The VFS suite on a tmpfs mounted at /mnt of a kernel whose root is itself a tmpfs. */
class TmpfsVfsTest extends VfsSuite {
    @Override
    protected FsFixture mountFresh(long sizeLimit, int mountFlags) throws Exception {
        RumpKernel k = Rump.builder().boot();
        try {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("tmpfs", "/mnt", "tmpfs", mountFlags, sizeLimit > 0 ? "size=" + sizeLimit : null);
            return new FsFixture(k, "/mnt");
        } catch (Exception e) {
            k.close();
            throw e;
        }
    }
}
