package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.fs.ext2.disk.Superblock;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the superblock's features and state decide: refuse, read-only, or read-write; and the state and counts a mount leaves. */
class Ext2MountPolicyTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void peers() {
        E2fsprogs.assumeAvailable();
    }

    private static void feature(Path img, String f) throws Exception {
        E2fsprogs.Result r = E2fsprogs.run(List.of("debugfs", "-w", "-R", "feature " + f, img.toString()));
        assertEquals(0, r.exit(), r.output());
    }

    private static int superblockU16(Path img, int field) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.seek(Superblock.OFFSET + field);
            return f.read() | f.read() << 8;
        }
    }

    /** Mounts read-write as {@code type}; returns whether writing works. */
    private static boolean mountsWritable(Path img, String type) throws Exception {
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("disk0", "/mnt", type, 0, null);
            try {
                k.sys().mkdir("/mnt/new", 0755);
                return true;
            } catch (ErrnoException e) {
                assertEquals(Errno.EROFS, e.errno());
                return false;
            }
        }
    }

    @Test
    void unsupportedIncompatFeatureIsRefusedByName() throws Exception {
        Path img = E2fsprogs.mkfs(tmp.resolve("enc.img"), "ext2", 1024, 4L << 20);
        feature(img, "encrypt");
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            k.sys().mkdir("/mnt", 0755);
            ErrnoException e = assertThrows(ErrnoException.class, () -> k.sys().mount("disk0", "/mnt", "ext2", 0, null));
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("encrypt"), e.getMessage());
        }
    }

    /** bigalloc changes the group geometry: the refusal names the feature, not a geometry it implies. */
    @Test
    void bigallocIsRefusedByName() throws Exception {
        Path img = E2fsprogs.mkfs(tmp.resolve("bigalloc.img"), "ext4", 4096, 64L << 20, "-O", "bigalloc", "-C", "16384");
        byte[] before = Ext2ImageReadTest.sha256(img);
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            k.sys().mkdir("/mnt", 0755);
            ErrnoException e = assertThrows(ErrnoException.class, () -> k.sys().mount("disk0", "/mnt", "ext4", MountFlags.MNT_RDONLY, null));
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("unsupported feature: bigalloc"), e.getMessage());
            assertTrue(e.getMessage().contains("16384"), e.getMessage());
        }
        assertArrayEquals(before, Ext2ImageReadTest.sha256(img));
    }

    @Test
    void unsupportedRoCompatFeatureMountsReadOnlyAndWritesNothing() throws Exception {
        Path img = E2fsprogs.mkfs(tmp.resolve("ro.img"), "ext2", 1024, 4L << 20);
        feature(img, "huge_file");
        byte[] before = Ext2ImageReadTest.sha256(img);
        assertTrue(!mountsWritable(img, "ext2"));
        assertArrayEquals(before, Ext2ImageReadTest.sha256(img));
    }

    @Test
    void ext3WithCleanJournalMountsReadWriteAndStaysClean() throws Exception {
        Path img = E2fsprogs.mkfs(tmp.resolve("ext3.img"), "ext3", 1024, 8L << 20);
        String journalBefore = E2fsprogs.debugfs(img, "stat <8>").output();
        assertTrue(mountsWritable(img, "ext3"));
        E2fsprogs.assertClean(img);
        assertEquals(journalBefore.replaceAll("(?m)^debugfs.*$", ""), E2fsprogs.debugfs(img, "stat <8>").output().replaceAll("(?m)^debugfs.*$", ""),
                "the journal inode was not touched");
    }

    @Test
    void journalNeedingRecoveryMountsReadOnly() throws Exception {
        Path img = E2fsprogs.mkfs(tmp.resolve("rec.img"), "ext3", 1024, 8L << 20);
        feature(img, "needs_recovery");
        byte[] before = Ext2ImageReadTest.sha256(img);
        assertTrue(!mountsWritable(img, "ext3"));
        assertArrayEquals(before, Ext2ImageReadTest.sha256(img));
    }

    /** Offsets of s_state and s_mnt_count (ext2_fs.h). */
    private static final int S_STATE = 0x3A;
    private static final int S_MNT_COUNT = 0x34;

    @Test
    void readWriteMountMarksTheImageUncleanUntilUnmountAndCountsMounts() throws Exception {
        Path img = E2fsprogs.mkfs(tmp.resolve("state.img"), "ext2", 4096, 8L << 20);
        assertEquals(Superblock.STATE_VALID, superblockU16(img, S_STATE));
        int mounts = superblockU16(img, S_MNT_COUNT);
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("disk0", "/mnt", "ext2", 0, null);
            assertEquals(0, superblockU16(img, S_STATE) & Superblock.STATE_VALID, "not clean while mounted");
            assertEquals(mounts + 1, superblockU16(img, S_MNT_COUNT));
        }
        assertEquals(Superblock.STATE_VALID, superblockU16(img, S_STATE), "clean after unmount");
        E2fsprogs.assertClean(img);
    }

    @Test
    void revision0ImagesAreWritable() throws Exception {
        Path img = E2fsprogs.mkfs(tmp.resolve("rev0.img"), "ext2", 1024, 4L << 20, "-r", "0");
        assertTrue(mountsWritable(img, "ext2"));
        E2fsprogs.assertClean(img);
    }
}
