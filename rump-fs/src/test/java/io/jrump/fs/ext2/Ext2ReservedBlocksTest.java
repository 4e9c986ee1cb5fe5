package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Credentials;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blocks {@code mke2fs -m} reserves ({@code s_r_blocks_count}) are root's, as on Linux: a
 * user filling the file system stops with ENOSPC when only they are free (statvfs then shows
 * none available), while root can still write into them until the last block is gone.
 */
class Ext2ReservedBlocksTest {
    @TempDir
    Path tmp;

    /** Appends 16 KiB pieces until the file system refuses; returns the bytes written. */
    private static long fill(Syscalls sys, String path) throws ErrnoException {
        int fd = sys.open(path, OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644);
        long total = 0;
        try {
            while (true) {
                ByteBuffer b = ByteBuffer.allocate(16384);
                try {
                    int n = sys.write(fd, b);
                    total += n;
                } catch (ErrnoException e) {
                    assertEquals(Errno.ENOSPC, e.errno(), e.getMessage());
                    return total;
                }
            }
        } finally {
            sys.close(fd);
        }
    }

    @Test
    void onlyRootWritesIntoTheReservedBlocks() throws Exception {
        E2fsprogs.assumeAvailable();
        Path img = E2fsprogs.mkfs(tmp.resolve("r.img"), "ext2", 1024, 4L << 20, "-m", "10");
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            Syscalls root = k.sys();
            root.mkdir("/mnt", 0755);
            root.mount("disk0", "/mnt", "ext2", 0, null);
            root.chmod("/mnt", 0777);
            long reserved = root.statvfs("/mnt").bfree() - root.statvfs("/mnt").bavail();
            assertTrue(reserved > 300, "mke2fs -m 10 reserved " + reserved + " blocks");

            Syscalls alice = k.spawn(Credentials.of(1000, 1000)).sys();
            long byAlice = fill(alice, "/mnt/alice");
            assertTrue(byAlice > 2L << 20, "alice wrote " + byAlice + " bytes");
            assertEquals(reserved, root.statvfs("/mnt").bfree(), "alice stopped where only the reserved blocks are left");
            assertEquals(0, root.statvfs("/mnt").bavail());
            int fd = alice.open("/mnt/alice2", OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644);
            ErrnoException e = assertThrows(ErrnoException.class, () -> alice.write(fd, ByteBuffer.allocate(1)));
            assertEquals(Errno.ENOSPC, e.errno());
            alice.close(fd);

            long byRoot = fill(root, "/mnt/root");
            assertTrue(byRoot >= (reserved - reserved / 50) * 1024, "root wrote " + byRoot + " bytes into " + reserved + " reserved blocks");
            assertEquals(0, root.statvfs("/mnt").bfree(), "root may take every block");
        }
        E2fsprogs.assertClean(img);
    }
}
