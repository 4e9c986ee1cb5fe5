package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.fs.ext2.disk.Feature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An image copied while Linux had it mounted, after fsync: its superblock says needs_recovery
 * and its journal holds the transactions that make the fsync'ed files exist. jrump must show
 * exactly what Linux shows after its own recovery of another copy (names, modes, owners, link
 * counts, times, sizes, contents, symlink targets), without writing a byte of the image; and
 * refuse writes. ext4 (64-bit tags, checksum v3) and ext3 (32-bit tags, no checksums), 1 KiB
 * and 4 KiB blocks. The kernel side needs root (skipped with the reason otherwise).
 */
class Ext2JournalReplayTest {
    @TempDir
    Path tmp;

    private static void fsyncTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isSymbolicLink(p)) {
                    continue;
                }
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                    ch.force(true);
                }
            }
        }
    }

    /** Changes made by the kernel: new files and directories, an overwrite, a big file, removals (which log revoke records). */
    private static void fill(Path m) throws IOException {
        Random rnd = new Random(42);
        Files.delete(m.resolve("lost+found"));
        Path gone = Files.createDirectories(m.resolve("gone"));
        for (int i = 0; i < 100; i++) {
            Files.writeString(gone.resolve("g" + i), "x".repeat(i * 50));
        }
        byte[] big = new byte[300_000];
        rnd.nextBytes(big);
        Files.write(m.resolve("gone-big"), big);
        fsyncTree(m);
        Path d = Files.createDirectories(m.resolve("a/b/c"));
        for (int i = 0; i < 200; i++) {
            Files.writeString(m.resolve("a").resolve("file_number_" + i), "content " + i + "\n");
        }
        rnd.nextBytes(big);
        Files.write(d.resolve("random.bin"), big);
        Files.writeString(m.resolve("a/file_number_7"), "rewritten\n");
        Files.createSymbolicLink(m.resolve("a/link"), Path.of("b/c/random.bin"));
        Files.createLink(m.resolve("a/b/hard"), m.resolve("a/file_number_9"));
        fsyncTree(m);
        // last, so that the journal still holds them: freed metadata blocks are revoked
        try (Stream<Path> s = Files.list(gone)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.delete(p);
            }
        }
        Files.delete(gone);
        Files.delete(m.resolve("gone-big"));
        fsyncTree(m);
    }

    @ParameterizedTest(name = "{0}, {1}-byte blocks")
    @CsvSource({"ext4, 4096", "ext4, 1024", "ext3, 1024", "ext3, 4096"})
    void imageCopiedWhileMountedReadsAsLinuxRecoversIt(String type, int blockSize) throws Exception {
        E2fsprogs.assumeAvailable();
        Path img = E2fsprogs.mkfs(tmp.resolve("live.img"), type, blockSize, 64L << 20);
        Path copy = tmp.resolve("copy.img");
        try (LoopMount m = LoopMount.mount(img, tmp.resolve("live"), null)) {
            fill(m.dir());
            Files.copy(img, copy, StandardCopyOption.REPLACE_EXISTING);
        }
        try (io.jrump.dev.FileBlockDevice dev = io.jrump.dev.FileBlockDevice.open(copy, true)) {
            assertTrue(Ext2Type.readSuperblock(dev).has(Feature.RECOVER), "the copy needs recovery");
        }
        String log = E2fsprogs.run(List.of("debugfs", "-c", "-R", "logdump", copy.toString())).output();
        assertTrue(log.contains("commit block"), "the journal holds committed transactions:\n" + log);
        assertTrue(log.contains("revoke"), "the journal holds revoke records:\n" + log);

        // Linux recovers a copy (it writes the replay to the image, so not on a read-only loop device)
        Path recovered = tmp.resolve("recovered.img");
        Files.copy(copy, recovered, StandardCopyOption.REPLACE_EXISTING);
        byte[] before = Ext2ImageReadTest.sha256(copy);
        try (LoopMount linux = LoopMount.mount(recovered, tmp.resolve("linux"), null);
                RumpKernel k = Rump.builder().disk("disk0", copy).boot()) {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("disk0", "/mnt", type, 0, null);
            HostTree.assertSameAsMount(linux.dir(), k.sys(), "/mnt", 1L);
            ErrnoException e = assertThrows(ErrnoException.class, () -> k.sys().mkdir("/mnt/new", 0755));
            assertEquals(Errno.EROFS, e.errno());
        }
        assertArrayEquals(before, Ext2ImageReadTest.sha256(copy), "reading wrote to the image");
    }
}
