package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.OpenFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.dev.FaultInjectingBlockDevice;
import io.jrump.dev.FileBlockDevice;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power cuts at many points of a workload (create, write, fsync, rename, unlink): afterwards
 * {@code e2fsck -fy} repairs the image, and every file whose fsync returned before the cut
 * reads back intact, checked by mounting the repaired image again.
 */
class Ext2PowerCutTest {
    @TempDir
    Path tmp;

    private static byte[] content(int i) {
        byte[] b = new byte[1000 + i * 1500];
        for (int k = 0; k < b.length; k++) {
            b[k] = (byte) (i * 31 + k);
        }
        return b;
    }

    @Test
    void fsyncedFilesSurvivePowerCuts() throws Exception {
        E2fsprogs.assumeAvailable();
        Path base = E2fsprogs.mkfs(tmp.resolve("base.img"), "ext2", 1024, 4L << 20);
        int cuts = 0;
        for (long cutAfter = 3; cutAfter < 400; cutAfter = cutAfter * 3 / 2 + 1) {
            Path img = tmp.resolve("cut-" + cutAfter + ".img");
            Files.copy(base, img);
            List<Integer> durable = new ArrayList<>();
            FaultInjectingBlockDevice dev = new FaultInjectingBlockDevice(FileBlockDevice.open(img, false));
            try (RumpKernel k = Rump.builder().device("disk0", dev).boot()) {
                Syscalls sys = k.sys();
                sys.mkdir("/mnt", 0755);
                sys.mount("disk0", "/mnt", "ext2", 0, null);
                dev.cutPowerAfterWrites(cutAfter);
                for (int i = 0; i < 30 && !dev.isPowerCut(); i++) {
                    int fd = sys.open("/mnt/f" + i, OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644);
                    sys.write(fd, ByteBuffer.wrap(content(i)));
                    sys.fsync(fd);
                    sys.close(fd);
                    if (!dev.isPowerCut()) {
                        durable.add(i);
                    }
                    if (i % 5 == 4) {
                        sys.rename("/mnt/f" + (i - 1), "/mnt/tmp");
                        sys.rename("/mnt/tmp", "/mnt/f" + (i - 1));
                        sys.mkdir("/mnt/d" + i, 0755);
                    }
                }
            } finally {
                dev.close();
            }
            cuts += dev.isPowerCut() ? 1 : 0;
            E2fsprogs.Result r = E2fsprogs.run(List.of("e2fsck", "-fy", img.toString()));
            assertTrue(r.exit() <= 1, "e2fsck -fy could not repair after a cut at write " + cutAfter + ":\n" + r.output());
            try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
                Syscalls sys = k.sys();
                sys.mkdir("/mnt", 0755);
                sys.mount("disk0", "/mnt", "ext2", io.jrump.api.MountFlags.MNT_RDONLY, null);
                for (int i : durable) {
                    assertArrayEquals(content(i), FsRead.all(sys, "/mnt/f" + i), "f" + i + " after a cut at write " + cutAfter);
                }
            }
        }
        assertTrue(cuts > 5, "the power was cut mid-workload in several runs: " + cuts);
    }

    /** Reading a whole file through the system calls. */
    static final class FsRead {
        static byte[] all(Syscalls sys, String path) throws Exception {
            int fd = sys.open(path, OpenFlags.O_RDONLY);
            try {
                ByteBuffer b = ByteBuffer.allocate((int) sys.fstat(fd).size());
                while (b.hasRemaining() && sys.read(fd, b) > 0) {
                    // keep reading
                }
                return b.array();
            } finally {
                sys.close(fd);
            }
        }
    }
}
