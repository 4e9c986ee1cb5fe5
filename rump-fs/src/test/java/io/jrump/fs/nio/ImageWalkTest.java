package io.jrump.fs.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.testing.Peers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Files.walk} and {@code Files.walkFileTree} over an image whose directory {@code /a}
 * has a second name {@code /a/x} (a hard link to an ancestor, which e2fsck calls corruption
 * but debugfs makes) and a symbolic link {@code /l -> a}: the JDK's walker notices the loop
 * through the file keys when it follows links, and the provider's directory stream refuses the
 * cycle (FileSystemLoopException) when it does not, instead of going round it until the path
 * is too long. Paths through "..", or through a symbolic link, are no cycle.
 */
class ImageWalkTest {
    @TempDir
    Path dir;
    Path img;

    @BeforeEach
    void cycleImage() throws Exception {
        Peers.require("mke2fs", "e2fsprogs");
        Peers.require("debugfs", "e2fsprogs");
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("a/b"));
        Files.writeString(tree.resolve("a/f"), "f\n");
        Files.writeString(tree.resolve("top"), "top\n");
        img = dir.resolve("cycle.img");
        Peers.ok("mke2fs", "-q", "-F", "-t", "ext2", "-d", tree.toString(), img.toString(), "8M");
        Peers.ok("debugfs", "-w", "-R", "ln /a /a/x", img.toString());
        Peers.ok("debugfs", "-w", "-R", "symlink /l a", img.toString());
    }

    @Test
    void fileKeysAreDeviceAndInodeSoHardLinksShareOne() throws IOException {
        try (FileSystem fs = FileSystems.newFileSystem(img, Map.of("readOnly", true))) {
            Object a = Files.readAttributes(fs.getPath("/a"), BasicFileAttributes.class).fileKey();
            Object x = Files.readAttributes(fs.getPath("/a/x"), BasicFileAttributes.class).fileKey();
            Object b = Files.readAttributes(fs.getPath("/a/b"), BasicFileAttributes.class).fileKey();
            assertNotNull(a);
            assertEquals(a, x, "two names of one directory");
            assertTrue(!a.equals(b), "two directories");
        }
    }

    @Test
    void walkFollowingLinksReportsTheLoops() throws IOException {
        try (FileSystem fs = FileSystems.newFileSystem(img, Map.of("readOnly", true))) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> {
                try (Stream<Path> s = Files.walk(fs.getPath("/"), FileVisitOption.FOLLOW_LINKS)) {
                    s.forEach(p -> { });
                }
            });
            assertInstanceOf(FileSystemLoopException.class, e.getCause());
            assertEquals(List.of("/a/x FileSystemLoopException", "/l/x FileSystemLoopException"),
                    failures(fs, EnumSet.of(FileVisitOption.FOLLOW_LINKS)));
        }
    }

    @Test
    void walkWithoutFollowingLinksReportsTheLoopToo() throws IOException {
        try (FileSystem fs = FileSystems.newFileSystem(img, Map.of("readOnly", true))) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> {
                try (Stream<Path> s = Files.walk(fs.getPath("/"))) {
                    s.forEach(p -> { });
                }
            });
            FileSystemLoopException loop = assertInstanceOf(FileSystemLoopException.class, e.getCause());
            assertEquals("/a/x", loop.getFile());
            assertEquals("opendir /a/x: ELOOP (Too many levels of symbolic links): directory cycle: the same directory as /a",
                    loop.getCause().getMessage());
            assertEquals(List.of("/a/x FileSystemLoopException"), failures(fs, EnumSet.noneOf(FileVisitOption.class)));
        }
    }

    @Test
    void onlyTheCycleIsRefused() throws IOException {
        try (FileSystem fs = FileSystems.newFileSystem(img, Map.of("readOnly", true))) {
            assertThrows(FileSystemLoopException.class, () -> Files.newDirectoryStream(fs.getPath("/a/x")).close());
            assertThrows(FileSystemLoopException.class, () -> Files.newDirectoryStream(fs.getPath("a/x/b/../x")).close());
            assertEquals(List.of("b", "f", "x"), names(fs.getPath("/a")));
            assertEquals(List.of("b", "f", "x"), names(fs.getPath("/a/b/..")), "'..' goes up, not round a cycle");
            assertEquals(List.of("a", "l", "lost+found", "top"), names(fs.getPath("/a/x/..")), "the real parent of /a");
            assertEquals(List.of("b", "f", "x"), names(fs.getPath("/l")), "a symbolic link to /a is not its own ancestor");
            assertEquals(List.of(), names(fs.getPath("/l/b")));
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The entries a whole walkFileTree could not visit, each with the exception's type; the walk goes on past them. */
    private static List<String> failures(FileSystem fs, Set<FileVisitOption> options) throws IOException {
        List<String> failed = new ArrayList<>();
        Files.walkFileTree(fs.getPath("/"), options, Integer.MAX_VALUE, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                failed.add(file + " " + exc.getClass().getSimpleName());
                return FileVisitResult.CONTINUE;
            }
        });
        return failed.stream().sorted().toList();
    }
}
