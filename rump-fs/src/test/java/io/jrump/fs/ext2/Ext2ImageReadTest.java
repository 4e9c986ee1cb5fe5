package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images made by e2fsprogs from a host tree ({@code mke2fs -t ext2 -d}, {@code mkfs.ext4 -d})
 * read back through jrump equal to the tree, metadata included; the 10,000-entry directory is
 * indexed first ({@code e2fsck -fyD}) so the hashed-directory path is what is read. A read-only
 * mount must leave the image byte for byte as it was.
 */
class Ext2ImageReadTest {
    @TempDir
    static Path tmp;
    static Path tree;

    @BeforeAll
    static void buildTree() throws Exception {
        E2fsprogs.assumeAvailable();
        tree = tmp.resolve("tree");
        HostTree.build(tree, true, true);
    }

    private static Path image(String type, int blockSize) throws Exception {
        Path img = tmp.resolve(type + "-" + blockSize + ".img");
        E2fsprogs.mkfs(img, type, blockSize, 96L << 20, "-d", tree.toString());
        E2fsprogs.Result r = E2fsprogs.run(List.of("e2fsck", "-fyD", img.toString()));
        assertTrue(r.exit() <= 1, "e2fsck -fyD: " + r.output());
        E2fsprogs.Result st = E2fsprogs.debugfs(img, "stat /big");
        assertTrue(st.output().matches("(?s).*Flags: 0x[0-9a-f]*1[0-9a-f]{3}\\b.*"), "/big is hashed (EXT2_INDEX_FL): " + st.output());
        return img;
    }

    static byte[] sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return md.digest();
    }

    private void readsBack(String type, int blockSize, String mountAs, int flags) throws Exception {
        Path img = image(type, blockSize);
        byte[] before = sha256(img);
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("disk0", "/mnt", mountAs, flags, null);
            // mke2fs -d copies whole seconds only
            HostTree.assertSameAsMount(tree, k.sys(), "/mnt", 1_000_000_000L);
            ErrnoException e = org.junit.jupiter.api.Assertions.assertThrows(ErrnoException.class,
                    () -> k.sys().mkdir("/mnt/new", 0755));
            assertEquals(Errno.EROFS, e.errno());
        }
        assertArrayEquals(before, sha256(img), "a read-only mount wrote to the image");
    }

    @Test
    void mke2fsTreeReadsBackEqual() throws Exception {
        readsBack("ext2", 4096, "ext2", MountFlags.MNT_RDONLY);
    }

    @Test
    void mke2fsTreeWithSmallBlocksReadsBackEqual() throws Exception {
        readsBack("ext2", 1024, "ext2", MountFlags.MNT_RDONLY);
    }

    /** ext4 (extents, 64bit, flex_bg, metadata_csum, ...) mounts read-only even when asked for read-write. */
    @Test
    void mkfsExt4TreeReadsBackEqual() throws Exception {
        readsBack("ext4", 4096, "ext4", 0);
    }
}
