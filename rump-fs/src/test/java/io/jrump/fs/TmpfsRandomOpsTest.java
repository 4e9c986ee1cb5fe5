package io.jrump.fs;

import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;

/** Random operation sequences on a tmpfs mounted at /mnt, compared with the model. */
class TmpfsRandomOpsTest extends RandomOpsSuite {
    @Override
    protected FsFixture mountFresh() throws Exception {
        RumpKernel k = Rump.builder().boot();
        try {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("tmpfs", "/mnt", "tmpfs", 0, null);
            return new FsFixture(k, "/mnt");
        } catch (Exception e) {
            k.close();
            throw e;
        }
    }
}
