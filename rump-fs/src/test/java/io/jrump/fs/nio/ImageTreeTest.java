package io.jrump.fs.nio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.fs.mkfs.Mkfs;
import io.jrump.fs.mkfs.MkfsOptions;
import io.jrump.platform.host.HostTools;
import io.jrump.testing.Peers;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.security.MessageDigest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole trees against the real tools: a tree that {@code mke2fs -d} put into an image reads
 * back equal through the provider, and a tree written through the provider is dumped back by
 * {@code debugfs -R "rdump / DIR"} equal to the source, with the image clean for e2fsck.
 */
class ImageTreeTest {
    @TempDir
    Path dir;

    @Test
    void treeMadeByMke2fsReadsBackEqualAndReadOnlyChangesNothing() throws Exception {
        Peers.require("mke2fs", "e2fsprogs");
        Path tree = dir.resolve("tree");
        Trees.build(tree);
        Path img = dir.resolve("d.img");
        Peers.ok("truncate", "-s", "64M", img.toString());
        Peers.ok("mke2fs", "-q", "-F", "-t", "ext2", "-d", tree.toString(), img.toString());
        byte[] before = sha256(img);
        try (FileSystem fs = FileSystems.newFileSystem(img, Map.of("readOnly", true))) {
            Path root = fs.getPath("/");
            Trees.assertSame(tree, root);
            assertTrue(Files.isSameFile(fs.getPath("/hard"), fs.getPath("/a/hello.txt")), "hard link kept by mke2fs");
            assertEquals(2, Files.getAttribute(fs.getPath("/hard"), "unix:nlink"));
            assertThrows(ReadOnlyFileSystemException.class, () -> Files.writeString(fs.getPath("/new"), "x"));
            assertTrue(fs.isReadOnly());
            assertTrue(Files.getFileStore(root).isReadOnly());
            assertThrows(java.nio.file.AccessDeniedException.class,
                    () -> fs.provider().checkAccess(fs.getPath("/a/hello.txt"), java.nio.file.AccessMode.WRITE));
            assertTrue(Files.isReadable(fs.getPath("/a/hello.txt")));
        }
        assertArrayEquals(before, sha256(img), "a read-only image is not changed by a single byte");
    }

    @Test
    void treeWrittenThroughNioIsDumpedBackByDebugfs() throws Exception {
        Peers.require("debugfs", "e2fsprogs");
        Peers.require("e2fsck", "e2fsprogs");
        Path tree = dir.resolve("tree");
        Trees.build(tree);
        Path img = dir.resolve("w.img");
        Mkfs.createImage(img, 64L << 20, new MkfsOptions("ext2", 0, "", null));
        try (FileSystem fs = FileSystems.newFileSystem(img, Map.of())) {
            Trees.copy(tree, fs.getPath("/"));
        }
        HostTools.Result fsck = Peers.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
        Path out = dir.resolve("out");
        Files.createDirectory(out);
        Peers.ok("debugfs", "-R", "rdump / " + out, img.toString());
        Files.delete(out.resolve("lost+found"));
        Trees.assertSame(tree, out);
    }

    private static byte[] sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return md.digest();
    }
}
