package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.MountFlags;
import io.jrump.api.OpenFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file whose extent tree is at least two levels deep (root index, index blocks, leaf blocks):
 * {@code mkfs.ext4 -d} copies a sparse host file with a data block after every hole, so each
 * block is an extent of its own; with 1 KiB blocks a leaf holds 84 extents and the root 4
 * entries, so 1,200 extents need depth 2. {@code debugfs -R "ex"} confirms the depth before
 * the file is read back through jrump, whole and in pieces that straddle holes, equal to the
 * source.
 */
class Ext2DeepExtentTest {
    private static final int BS = 1024;
    private static final int EXTENTS = 1200;
    private static final Pattern DEPTH = Pattern.compile("(?m)^\\s*0/\\s*(\\d+)\\s");

    @TempDir
    Path tmp;

    @Test
    void depthTwoExtentTreeReadsBackEqual() throws Exception {
        E2fsprogs.assumeAvailable();
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        Path src = tree.resolve("deep");
        Random rnd = new Random(20261127);
        try (RandomAccessFile f = new RandomAccessFile(src.toFile(), "rw")) {
            byte[] block = new byte[BS];
            for (int i = 0; i < EXTENTS; i++) {
                rnd.nextBytes(block);
                f.seek(2L * i * BS);
                f.write(block);
            }
            f.setLength(2L * EXTENTS * BS + 777);
        }
        Path img = E2fsprogs.mkfs(tmp.resolve("deep.img"), "ext4", BS, 8L << 20, "-d", tree.toString());
        E2fsprogs.assertClean(img);
        E2fsprogs.Result ex = E2fsprogs.debugfs(img, "ex /deep");
        Matcher m = DEPTH.matcher(ex.output());
        assertTrue(m.find(), "debugfs ex /deep: " + ex.output());
        assertTrue(Integer.parseInt(m.group(1)) >= 2, "extent tree depth >= 2: " + ex.output());

        byte[] want = Files.readAllBytes(src);
        byte[] before = Ext2ImageReadTest.sha256(img);
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            Syscalls sys = k.sys();
            sys.mkdir("/mnt", 0755);
            sys.mount("disk0", "/mnt", "ext4", MountFlags.MNT_RDONLY, null);
            assertEquals(want.length, sys.stat("/mnt/deep").size());
            int fd = sys.open("/mnt/deep", OpenFlags.O_RDONLY);
            try {
                ByteBuffer all = ByteBuffer.allocate(want.length + 10);
                int n = sys.pread(fd, all, 0);
                assertEquals(want.length, n);
                assertArrayEquals(want, Arrays.copyOf(all.array(), n));
                for (int i = 0; i < 300; i++) {
                    int off = rnd.nextInt(want.length);
                    int len = 1 + rnd.nextInt(3 * BS);
                    ByteBuffer piece = ByteBuffer.allocate(len);
                    int got = sys.pread(fd, piece, off);
                    int expect = Math.min(len, want.length - off);
                    assertEquals(expect, got, "pread at " + off);
                    assertArrayEquals(Arrays.copyOfRange(want, off, off + expect), Arrays.copyOf(piece.array(), got), "bytes at " + off);
                }
            } finally {
                sys.close(fd);
            }
        }
        assertArrayEquals(before, Ext2ImageReadTest.sha256(img), "a read-only mount wrote to the image");
    }
}
