package io.jrump.fs.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.StatVfs;
import io.jrump.fs.mkfs.Mkfs;
import io.jrump.fs.mkfs.MkfsOptions;
import io.jrump.testing.Peers;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image is the root of every lookup made through it: "/.." is "/", as on Linux, and an
 * absolute symbolic link in the image resolves inside the image, so no path reaches the
 * kernel's memory or anything else outside the image.
 */
class ImageRootTest {
    @TempDir
    Path dir;
    Path image;

    @BeforeEach
    void makeImage() throws Exception {
        image = dir.resolve("disk.img");
        Mkfs.createImage(image, 8L << 20, new MkfsOptions("ext2", 0, "root", null));
    }

    private FileSystem open(boolean readOnly) throws Exception {
        return new RumpFileSystemProvider().newFileSystem(image, Map.of("readOnly", readOnly));
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void dotDotAtTheTopStaysAtTheTop() throws Exception {
        try (FileSystem fs = open(false)) {
            Files.writeString(fs.getPath("/../escaped.txt"), "inside");
            Files.writeString(fs.getPath("/../../lost+found/../../b.txt"), "inside too");
            assertEquals("inside", Files.readString(fs.getPath("/escaped.txt")));
            assertEquals(names(fs.getPath("/")), names(fs.getPath("/..")));
            assertEquals(List.of("b.txt", "escaped.txt", "lost+found"), names(fs.getPath("/")));
        }
        try (FileSystem fs = open(true)) { // written to the image, not to the kernel's memory
            assertEquals("inside", Files.readString(fs.getPath("/escaped.txt")));
            assertEquals("inside too", Files.readString(fs.getPath("/b.txt")));
        }
    }

    @Test
    void theKernelRootIsTheImage() throws Exception {
        try (MountedImage m = MountedImage.open(image, 0, null, false)) {
            StatVfs root = m.sys().statvfs("/");
            assertEquals("ext2", root.fstype());
            assertEquals(root.fsid(), m.sys().statvfs("/..").fsid());
            assertEquals(m.sys().stat("/").ino(), m.sys().stat("/../..").ino());
            assertEquals("/", m.path(""));
            assertEquals("/a/b", m.path("a/b"));
        }
    }

    @Test
    void absoluteLinksMadeThroughTheProviderResolveInsideTheImage() throws Exception {
        try (FileSystem fs = open(false)) {
            Files.createDirectories(fs.getPath("/a/b"));
            Files.writeString(fs.getPath("/a/README"), "readme\n");
            Files.createSymbolicLink(fs.getPath("/lnk"), fs.getPath("/a/README"));
            Files.createSymbolicLink(fs.getPath("/a/b/up"), fs.getPath("/a"));
            Files.createSymbolicLink(fs.getPath("/out"), fs.getPath("/../../etc/hostname"));
            assertEquals("readme\n", Files.readString(fs.getPath("/lnk")));
            assertEquals("readme\n", Files.readString(fs.getPath("/a/b/up/README")));
            assertEquals(fs.getPath("/a/README"), fs.getPath("/lnk").toRealPath());
            assertThrows(NoSuchFileException.class, () -> Files.readString(fs.getPath("/out")));
            Files.writeString(fs.getPath("/a/b/up/../new.txt"), "via a link"); // ".." after a link: the link target's parent
            assertEquals("via a link", Files.readString(fs.getPath("/new.txt")));
        }
    }

    /** The repro: {@code lnk -> /a/README} in an image made by {@code mke2fs -d}. */
    @Test
    void absoluteLinksInAnImageMadeByMke2fsResolveInsideIt() throws Exception {
        Peers.require("mke2fs", "e2fsprogs");
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("a"));
        Files.writeString(tree.resolve("a/README"), "from mke2fs\n");
        Files.createSymbolicLink(tree.resolve("lnk"), Path.of("/a/README")); // dangling on the host, fine in the image
        Path img = dir.resolve("made.img");
        Peers.ok("mke2fs", "-q", "-t", "ext2", "-b", "1024", "-d", tree.toString(), img.toString(), "8M");
        try (FileSystem fs = new RumpFileSystemProvider().newFileSystem(img, Map.of("readOnly", "true"))) {
            assertEquals("/a/README", Files.readSymbolicLink(fs.getPath("/lnk")).toString());
            assertEquals("from mke2fs\n", Files.readString(fs.getPath("/lnk")));
        }
    }
}
