package io.jrump.fs.mkfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.platform.host.HostTools;
import io.jrump.testing.Peers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Images made by {@link Mkfs} are checked by e2fsprogs itself: {@code e2fsck -fn} must find
 * nothing to fix, and {@code dumpe2fs} must report the geometry {@code mke2fs} chooses for the
 * same size (block size, counts, reserved GDT blocks, features), across a spread of sizes and
 * every block size.
 */
class MkfsTest {
    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} bytes, block size {1}")
    @CsvSource({
        "1048576, 0", "1048576, 2048", "1048576, 4096",
        "1572864, 0", "3145728, 0", "5000000, 0", "8388608, 2048",
        "16777216, 0", "33554431, 1024", "67108864, 0", "67108864, 4096",
        "100000000, 2048", "268435456, 1024", "536870912, 0", "1073741824, 0", "1073741824, 1024"})
    void cleanUnderE2fsckAndShapedLikeMke2fs(long size, int blockSize) throws Exception {
        Peers.require("e2fsck", "e2fsprogs");
        Peers.require("mke2fs", "e2fsprogs");
        Path ours = dir.resolve("ours.img");
        Mkfs.createImage(ours, size, new MkfsOptions("ext2", blockSize, "jrump", null));
        HostTools.Result fsck = Peers.run("e2fsck", "-fn", ours.toString());
        assertEquals(0, fsck.status(), "e2fsck -fn:\n" + fsck.output());

        Path theirs = dir.resolve("theirs.img");
        Peers.ok("truncate", "-s", Long.toString(size / 512 * 512), theirs.toString());
        List<String> args = new ArrayList<>(List.of("mke2fs", "-q", "-F", "-t", "ext2"));
        if (blockSize != 0) {
            args.addAll(List.of("-b", Integer.toString(blockSize)));
        }
        args.add(theirs.toString());
        Peers.ok(args.toArray(new String[0]));
        Map<String, String> a = header(ours);
        Map<String, String> b = header(theirs);
        for (String field : List.of("Filesystem features", "Block size", "Block count", "Inode count", "Reserved block count",
                "First block", "Blocks per group", "Inodes per group", "Inode blocks per group", "Reserved GDT blocks",
                "Inode size", "Free blocks", "Free inodes", "Default mount options", "Filesystem flags",
                "Default directory hash", "Required extra isize", "Maximum mount count", "Errors behavior")) {
            assertEquals(b.get(field), a.get(field), field + " (ours vs mke2fs)");
        }
        assertEquals("jrump", a.get("Filesystem volume name"));
        Files.delete(ours);
        Files.delete(theirs);
    }

    @Test
    void rootAndLostFoundAreThereForDebugfs() throws Exception {
        Peers.require("debugfs", "e2fsprogs");
        Path img = dir.resolve("d.img");
        Mkfs.createImage(img, 4 * MIB, new MkfsOptions("ext2", 0, "", null));
        String ls = Peers.ok("debugfs", "-R", "ls -l /", img.toString());
        assertTrue(ls.contains("lost+found"), ls);
        String stat = Peers.ok("debugfs", "-R", "stat /lost+found", img.toString());
        assertTrue(stat.contains("Mode:  0700"), stat);
        assertTrue(stat.contains("Size: 12288"), "12 blocks of 1 KiB, as mke2fs makes it: " + stat);
    }

    @Test
    void overwritingAnOldImageLeavesNoneOfIt() throws Exception {
        Peers.require("e2fsck", "e2fsprogs");
        Peers.require("mke2fs", "e2fsprogs");
        Path img = dir.resolve("old.img");
        Peers.ok("truncate", "-s", "16M", img.toString());
        Peers.ok("mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", "-N", "4000", img.toString());
        Mkfs.createImage(img, 16 * MIB, new MkfsOptions("ext2", 1024, "again", null));
        HostTools.Result fsck = Peers.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
    }

    @Test
    void progressRunsFromStartToAThousand() throws Exception {
        List<Long> seen = new ArrayList<>();
        Mkfs.createImage(dir.resolve("p.img"), 64 * MIB, new MkfsOptions("ext2", 0, "", seen::add));
        assertTrue(seen.size() > 2, seen.toString());
        assertEquals(1000L, seen.get(seen.size() - 1));
        for (int i = 1; i < seen.size(); i++) {
            assertTrue(seen.get(i) >= seen.get(i - 1), seen.toString());
        }
    }

    @Test
    void badRequestsAreRefusedWithReasons() {
        ErrnoException small = assertThrows(ErrnoException.class,
                () -> Mkfs.createImage(dir.resolve("s.img"), 4096, new MkfsOptions("ext2", 0, "", null)));
        assertEquals(Errno.EINVAL, small.errno());
        assertTrue(small.getMessage().contains("s.img"), small.getMessage());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class,
                () -> Mkfs.createImage(dir.resolve("b.img"), 4 * MIB, new MkfsOptions("ext2", 3000, "", null))).errno());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class,
                () -> Mkfs.createImage(dir.resolve("l.img"), 4 * MIB, new MkfsOptions("ext2", 0, "x".repeat(17), null))).errno());
        ErrnoException type = assertThrows(ErrnoException.class,
                () -> Mkfs.createImage(dir.resolve("t.img"), 4 * MIB, new MkfsOptions("vfat", 0, "", null)));
        assertTrue(type.getMessage().contains("'vfat' not supported"), type.getMessage());
    }

    private static Map<String, String> header(Path img) throws IOException, InterruptedException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : Peers.ok("dumpe2fs", "-h", img.toString()).split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                m.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        return m;
    }
}
