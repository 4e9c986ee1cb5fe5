package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.fs.ext2.disk.DxNode;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hashed directories whose index is damaged (made by e2fsprogs: {@code mkfs.ext4 -d}, then
 * {@code e2fsck -fyD} to index, then bytes of the index root changed): a lookup is EUCLEAN
 * for a broken structure and EIO for a failed index checksum, never a wrong answer; an index
 * whose hash version is unknown is searched linearly and still finds every name.
 */
class Ext2HtreeDamageTest {
    @TempDir
    Path tmp;

    private static final int FILES = 600;
    /** Byte offsets in the root block (ext4 wiki, Hash Tree Directories). */
    private static final int HASH_VERSION = DxNode.ROOT_INFO + 4;
    private static final int COUNT = DxNode.ROOT_COUNT_OFFSET + 2;
    private static final int SECOND_HASH = DxNode.ROOT_COUNT_OFFSET + DxNode.ENTRY_SIZE;

    private Path indexedImage(boolean csum) throws Exception {
        E2fsprogs.assumeAvailable();
        Path tree = tmp.resolve("tree");
        Files.createDirectories(tree.resolve("d"));
        for (int i = 0; i < FILES; i++) {
            Files.writeString(tree.resolve("d").resolve("name_" + i), "");
        }
        Path img = tmp.resolve("d.img");
        E2fsprogs.mkfs(img, "ext4", 1024, 8L << 20, "-O", csum ? "metadata_csum" : "^metadata_csum", "-d", tree.toString());
        E2fsprogs.Result r = E2fsprogs.run(List.of("e2fsck", "-fyD", img.toString()));
        assertTrue(r.exit() <= 1, "e2fsck -fyD: " + r.output());
        assertTrue(E2fsprogs.debugfs(img, "htree /d").output().contains("Root node dump"), "/d is hashed");
        return img;
    }

    /** The byte offset of /d's block 0 in the image. */
    private static long rootBlockAt(Path img) throws Exception {
        String out = E2fsprogs.debugfs(img, "bmap /d 0").output().trim();
        String[] lines = out.split("\n");
        return Long.parseLong(lines[lines.length - 1].trim()) * 1024;
    }

    private static void poke(Path img, long at, int... bytes) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            for (int i = 0; i < bytes.length; i++) {
                f.seek(at + i);
                f.write(bytes[i]);
            }
        }
    }

    private static int peek(Path img, long at) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.seek(at);
            return f.read();
        }
    }

    private static ErrnoException lookupFails(Path img) throws Exception {
        try (RumpKernel k = Rump.builder().disk("disk0", img, true).boot()) {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("disk0", "/mnt", "ext4", MountFlags.MNT_RDONLY, null);
            return assertThrows(ErrnoException.class, () -> k.sys().stat("/mnt/d/name_17"));
        }
    }

    @Test
    void countBeyondLimitIsCorruption() throws Exception {
        Path img = indexedImage(false);
        poke(img, rootBlockAt(img) + COUNT, 0xFF, 0x7F);
        ErrnoException e = lookupFails(img);
        assertEquals(Errno.EUCLEAN, e.errno());
        assertTrue(e.getMessage().contains("index count"), e.getMessage());
    }

    @Test
    void tooManyLevelsIsCorruption() throws Exception {
        Path img = indexedImage(false);
        poke(img, rootBlockAt(img) + DxNode.ROOT_INFO + 6, 5);
        ErrnoException e = lookupFails(img);
        assertEquals(Errno.EUCLEAN, e.errno());
        assertTrue(e.getMessage().contains("levels"), e.getMessage());
    }

    @Test
    void indexChecksumMismatchIsAnError() throws Exception {
        Path img = indexedImage(true);
        long at = rootBlockAt(img) + SECOND_HASH;
        poke(img, at, peek(img, at) ^ 0x10);
        ErrnoException e = lookupFails(img);
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("directory index: checksum mismatch"), e.getMessage());
    }

    @Test
    void unknownHashVersionFallsBackToScanning() throws Exception {
        Path img = indexedImage(false);
        poke(img, rootBlockAt(img) + HASH_VERSION, 0x42);
        try (RumpKernel k = Rump.builder().disk("disk0", img, true).boot()) {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("disk0", "/mnt", "ext4", MountFlags.MNT_RDONLY, null);
            for (int i = 0; i < FILES; i++) {
                assertTrue(k.sys().stat("/mnt/d/name_" + i).isRegularFile());
            }
            assertEquals(Errno.ENOENT, assertThrows(ErrnoException.class, () -> k.sys().stat("/mnt/d/name_x")).errno());
        }
    }
}
