package io.jrump.fs.nio;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the NIO provider promises, checked through {@code Files} alone: every file system it
 * opens (a tmpfs, an ext2 image) runs these. Subclasses say how to open one.
 */
abstract class NioContract {
    FileSystem fs;

    /** A fresh, empty, writable file system. */
    abstract FileSystem open() throws Exception;

    @BeforeEach
    void openFs() throws Exception {
        fs = open();
    }

    @AfterEach
    void closeFs() throws IOException {
        if (fs != null) {
            fs.close();
        }
    }

    Path p(String s) {
        return fs.getPath(s);
    }

    @Test
    void writeAndReadBack() throws IOException {
        byte[] data = new byte[300_000];
        new Random(1).nextBytes(data);
        Files.write(p("/blob"), data);
        assertArrayEquals(data, Files.readAllBytes(p("/blob")));
        assertEquals(data.length, Files.size(p("/blob")));
        Files.writeString(p("/blob"), "short");
        assertEquals("short", Files.readString(p("/blob")), "write truncates by default");
        Files.writeString(p("/blob"), "+more", StandardOpenOption.APPEND);
        assertEquals("short+more", Files.readString(p("/blob")));
    }

    @Test
    void seekableChannelPositionsSizesAndTruncates() throws IOException {
        try (SeekableByteChannel ch = Files.newByteChannel(p("/f"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("0123456789".getBytes(UTF_8)));
            assertEquals(10, ch.position());
            assertEquals(10, ch.size());
            ch.position(3);
            ByteBuffer four = ByteBuffer.allocate(4);
            assertEquals(4, ch.read(four));
            assertEquals("3456", new String(four.array(), UTF_8));
            ch.position(20).write(ByteBuffer.wrap("X".getBytes(UTF_8)));
            assertEquals(21, ch.size(), "writing past the end leaves a hole");
            ch.truncate(5);
            assertEquals(5, ch.size());
            assertEquals(5, ch.position(), "truncate pulls the position back");
            assertEquals(-1, ch.read(ByteBuffer.allocate(1)), "end of file");
        }
        try (SeekableByteChannel ro = Files.newByteChannel(p("/f"))) {
            assertThrows(NonWritableChannelException.class, () -> ro.write(ByteBuffer.allocate(1)));
        }
        assertThrows(FileAlreadyExistsException.class, () -> Files.newByteChannel(p("/f"),
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    }

    @Test
    void fileChannelsReadAndWriteAtPositions() throws IOException {
        try (FileChannel ch = FileChannel.open(p("/fc"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("abcdefgh".getBytes(UTF_8)));
            ch.write(ByteBuffer.wrap("XY".getBytes(UTF_8)), 2);
            assertEquals(8, ch.position(), "positional writes leave the position alone");
            ByteBuffer three = ByteBuffer.allocate(3);
            assertEquals(3, ch.read(three, 1));
            assertEquals("bXY", new String(three.array(), UTF_8));
            ByteBuffer a = ByteBuffer.allocate(4);
            ByteBuffer b = ByteBuffer.allocate(4);
            assertEquals(8, ch.position(0).read(new ByteBuffer[] {a, b}));
            assertEquals("abXYefgh", new String(a.array(), UTF_8) + new String(b.array(), UTF_8));
            java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
            assertEquals(5, ch.transferTo(3, 100, java.nio.channels.Channels.newChannel(sink)));
            assertEquals("Yefgh", sink.toString(UTF_8));
            ch.force(true);
            assertThrows(UnsupportedOperationException.class, () -> ch.map(FileChannel.MapMode.READ_ONLY, 0, 1));
        }
        assertEquals("abXYefgh", Files.readString(p("/fc")));
    }

    @Test
    void deleteOnCloseRemovesTheFile() throws IOException {
        try (SeekableByteChannel ch = Files.newByteChannel(p("/tmpfile"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE)) {
            ch.write(ByteBuffer.wrap(new byte[10]));
            assertTrue(Files.exists(p("/tmpfile")));
        }
        assertFalse(Files.exists(p("/tmpfile")));
    }

    @Test
    void directoriesListAndWalk() throws IOException {
        Files.createDirectories(p("/a/b/c"));
        Files.writeString(p("/a/one.txt"), "1");
        Files.writeString(p("/a/two.log"), "2");
        Files.writeString(p("/a/b/c/deep"), "3");
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p("/a"))) {
            Set<String> names = new TreeSet<>();
            ds.forEach(x -> names.add(x.getFileName().toString()));
            assertEquals(Set.of("b", "one.txt", "two.log"), names);
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p("/a"), "*.txt")) {
            List<Path> l = new ArrayList<>();
            ds.forEach(l::add);
            assertEquals(List.of(p("/a/one.txt")), l);
        }
        try (Stream<Path> walk = Files.walk(p("/"))) {
            assertEquals(List.of("/", "/a", "/a/b", "/a/b/c", "/a/b/c/deep", "/a/one.txt", "/a/two.log"),
                    walk.map(Path::toString).filter(s -> !s.startsWith("/lost+found")).sorted().collect(Collectors.toList()));
        }
    }

    @Test
    void errnosBecomeTheNioExceptions() throws IOException {
        Files.createDirectory(p("/d"));
        Files.writeString(p("/d/file"), "x");
        NoSuchFileException nsf = assertThrows(NoSuchFileException.class, () -> Files.readString(p("/missing")));
        assertEquals("/missing", nsf.getFile());
        assertThrows(FileAlreadyExistsException.class, () -> Files.createDirectory(p("/d")));
        assertThrows(DirectoryNotEmptyException.class, () -> Files.delete(p("/d")));
        assertThrows(NotDirectoryException.class, () -> Files.newDirectoryStream(p("/d/file")));
        FileSystemException enotdir = assertThrows(FileSystemException.class, () -> Files.createFile(p("/d/file/x")));
        assertEquals("/d/file/x", enotdir.getFile());
        assertThrows(NoSuchFileException.class, () -> Files.delete(p("/nothing")));
        assertThrows(NotLinkException.class, () -> Files.readSymbolicLink(p("/d/file")));
    }

    @Test
    void copyAndMoveWithTheirOptions() throws IOException {
        Files.writeString(p("/src"), "payload");
        Files.setPosixFilePermissions(p("/src"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.setLastModifiedTime(p("/src"), FileTime.from(Instant.parse("2001-02-03T04:05:06Z")));
        Files.copy(p("/src"), p("/plain"));
        assertEquals("payload", Files.readString(p("/plain")));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(p("/plain"))),
                "permissions are copied even without COPY_ATTRIBUTES, as on Unix");
        Files.copy(p("/src"), p("/attrs"), StandardCopyOption.COPY_ATTRIBUTES);
        assertEquals(Instant.parse("2001-02-03T04:05:06Z"), Files.getLastModifiedTime(p("/attrs")).toInstant());
        assertThrows(FileAlreadyExistsException.class, () -> Files.copy(p("/src"), p("/plain")));
        Files.writeString(p("/other"), "other");
        Files.copy(p("/other"), p("/plain"), StandardCopyOption.REPLACE_EXISTING);
        assertEquals("other", Files.readString(p("/plain")));

        assertThrows(FileAlreadyExistsException.class, () -> Files.move(p("/src"), p("/plain")));
        Files.move(p("/src"), p("/plain"), StandardCopyOption.REPLACE_EXISTING);
        assertEquals("payload", Files.readString(p("/plain")));
        assertFalse(Files.exists(p("/src")));
        Files.createDirectories(p("/dir/sub"));
        Files.move(p("/dir"), p("/renamed"), StandardCopyOption.ATOMIC_MOVE);
        assertTrue(Files.isDirectory(p("/renamed/sub")));
        assertThrows(NoSuchFileException.class, () -> Files.move(p("/nope"), p("/x")));
    }

    @Test
    void symbolicAndHardLinks() throws IOException {
        Files.createDirectory(p("/d"));
        Files.writeString(p("/d/target"), "content");
        Files.createSymbolicLink(p("/d/rel"), p("target"));
        assertEquals(p("target"), Files.readSymbolicLink(p("/d/rel")));
        assertTrue(Files.isSymbolicLink(p("/d/rel")));
        assertEquals("content", Files.readString(p("/d/rel")), "the kernel follows relative links");
        assertEquals(p("/d/target"), p("/d/rel").toRealPath());
        String longTarget = "x".repeat(200) + "/../target";
        Files.createSymbolicLink(p("/d/long"), p(longTarget));
        assertEquals(longTarget, Files.readSymbolicLink(p("/d/long")).toString());
        Files.createLink(p("/hard"), p("/d/target"));
        assertTrue(Files.isSameFile(p("/hard"), p("/d/target")));
        assertTrue(Files.isSameFile(p("/d/rel"), p("/hard")));
        assertFalse(Files.isSameFile(p("/d"), p("/hard")));
        assertEquals(2, Files.getAttribute(p("/hard"), "unix:nlink"));
        assertEquals(Files.readAttributes(p("/hard"), PosixFileAttributes.class).fileKey(),
                Files.readAttributes(p("/d/target"), PosixFileAttributes.class).fileKey());
        Files.delete(p("/d/target"));
        assertEquals("content", Files.readString(p("/hard")));
        assertFalse(Files.exists(p("/d/rel")), "dangling link");
        assertTrue(Files.exists(p("/d/rel"), LinkOption.NOFOLLOW_LINKS));
    }

    /** The user view: the kernel's user.* attributes without the prefix, as the JDK's Linux provider maps them. */
    @Test
    void userDefinedAttributes() throws IOException {
        Files.writeString(p("/f"), "abc");
        assertTrue(fs.supportedFileAttributeViews().contains("user"));
        java.nio.file.attribute.UserDefinedFileAttributeView v =
                Files.getFileAttributeView(p("/f"), java.nio.file.attribute.UserDefinedFileAttributeView.class);
        assertEquals(List.of(), v.list());
        assertEquals(5, v.write("comment", java.nio.ByteBuffer.wrap("hello".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        byte[] big = new byte[700];
        new Random(2).nextBytes(big);
        Files.setAttribute(p("/f"), "user:big", big);
        assertEquals(Set.of("comment", "big"), Set.copyOf(v.list()));
        assertEquals(5, v.size("comment"));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16);
        assertEquals(5, v.read("comment", b));
        assertEquals("hello", new String(b.array(), 0, 5, java.nio.charset.StandardCharsets.UTF_8));
        assertArrayEquals(big, (byte[]) Files.getAttribute(p("/f"), "user:big"));
        assertThrows(java.nio.file.FileSystemException.class, () -> v.read("big", java.nio.ByteBuffer.allocate(10)), "buffer too small");
        v.delete("comment");
        assertEquals(List.of("big"), v.list());
        assertThrows(java.nio.file.FileSystemException.class, () -> v.size("comment"), "ENODATA once deleted");
    }

    @Test
    void posixAndUnixAttributes() throws IOException {
        Files.writeString(p("/f"), "abc");
        PosixFileAttributeView v = Files.getFileAttributeView(p("/f"), PosixFileAttributeView.class);
        v.setPermissions(PosixFilePermissions.fromString("rw-r-----"));
        v.setOwner(fs.getUserPrincipalLookupService().lookupPrincipalByName("1000"));
        v.setGroup(fs.getUserPrincipalLookupService().lookupPrincipalByGroupName("100"));
        PosixFileAttributes a = v.readAttributes();
        assertEquals("rw-r-----", PosixFilePermissions.toString(a.permissions()));
        assertEquals("1000", a.owner().getName());
        assertEquals("100", a.group().getName());
        assertEquals(3L, a.size());
        assertTrue(a.isRegularFile());
        Map<String, Object> unix = Files.readAttributes(p("/f"), "unix:*");
        assertEquals(0100640, unix.get("mode"));
        assertEquals(1000, unix.get("uid"));
        assertEquals(100, unix.get("gid"));
        assertEquals(1, unix.get("nlink"));
        assertTrue((Long) unix.get("ino") > 0);
        Files.setAttribute(p("/f"), "unix:mode", 04755);
        assertEquals(0104755, Files.getAttribute(p("/f"), "unix:mode"), "unix:mode sets set-id bits too");
        Files.setAttribute(p("/f"), "unix:uid", 7);
        assertEquals(7, Files.getAttribute(p("/f"), "unix:uid"));
        Files.setAttribute(p("/f"), "lastAccessTime", FileTime.from(Instant.parse("1999-12-31T23:59:59Z")));
        assertEquals(Instant.parse("1999-12-31T23:59:59Z"), ((FileTime) Files.getAttribute(p("/f"), "basic:lastAccessTime")).toInstant());
        Map<String, Object> two = Files.readAttributes(p("/f"), "posix:size,permissions");
        assertEquals(Set.of("size", "permissions"), two.keySet());
        assertThrows(IllegalArgumentException.class, () -> Files.getAttribute(p("/f"), "posix:nosuch"));
        assertThrows(UnsupportedOperationException.class, () -> Files.getAttribute(p("/f"), "dos:hidden"));
    }

    /** FileTimes past 2262 (nanoseconds since the epoch overflow a long there) and near 1901 round-trip through the views. */
    @Test
    void farTimesRoundTrip() throws IOException {
        Files.writeString(p("/f"), "x");
        FileTime future = FileTime.from(Instant.parse("2300-01-01T00:00:00.25Z"));
        FileTime past = FileTime.from(Instant.parse("1901-12-14T00:00:00.5Z"));
        Files.getFileAttributeView(p("/f"), java.nio.file.attribute.BasicFileAttributeView.class).setTimes(future, past, null);
        java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(p("/f"), java.nio.file.attribute.BasicFileAttributes.class);
        assertEquals(future.toInstant(), a.lastModifiedTime().toInstant());
        assertEquals(past.toInstant(), a.lastAccessTime().toInstant());
        Files.setAttribute(p("/f"), "lastModifiedTime", FileTime.from(Instant.parse("2400-02-29T12:00:00.000000001Z")));
        assertEquals(Instant.parse("2400-02-29T12:00:00.000000001Z"), Files.getLastModifiedTime(p("/f")).toInstant());
        assertEquals(past.toInstant(), ((FileTime) Files.getAttribute(p("/f"), "unix:lastAccessTime")).toInstant(), "the other time is left");
    }

    @Test
    void fileStoreReportsSpaceThatWritesUse() throws IOException {
        FileStore store = Files.getFileStore(p("/"));
        long total = store.getTotalSpace();
        long before = store.getUnallocatedSpace();
        assertTrue(total > 0 && before > 0 && before <= total, total + " " + before);
        assertTrue(store.getUsableSpace() <= before);
        Files.write(p("/big"), new byte[1 << 20]);
        long after = store.getUnallocatedSpace();
        assertTrue(after <= before - (1 << 20), "1 MiB written: " + before + " -> " + after);
        assertTrue(store.supportsFileAttributeView("posix"));
        assertTrue(store.supportsFileAttributeView("unix"));
        assertFalse(store.supportsFileAttributeView("dos"));
    }

    @Test
    void checkAccessAndHidden() throws IOException {
        Files.writeString(p("/.hidden"), "");
        assertTrue(Files.isHidden(p("/.hidden")));
        assertTrue(Files.isReadable(p("/.hidden")));
        assertTrue(Files.isWritable(p("/.hidden")));
        assertFalse(Files.isExecutable(p("/.hidden")), "no x bit: not executable even for root");
        p("/.hidden").getFileSystem().provider().checkAccess(p("/.hidden"), AccessMode.READ, AccessMode.WRITE);
        assertThrows(NoSuchFileException.class, () -> fs.provider().checkAccess(p("/none")));
    }

    @Test
    void pathsAreLexical() {
        Path a = p("/a/./b/../c//d/");
        assertEquals("/a/./b/../c/d", a.toString());
        assertEquals(p("/a/c/d"), a.normalize());
        assertEquals(p("d"), a.getFileName());
        assertEquals(p("/a/./b/../c"), a.getParent());
        assertEquals(p("/"), a.getRoot());
        assertEquals(6, a.getNameCount());
        assertEquals(p("b/../c"), a.subpath(2, 5));
        assertTrue(a.startsWith(p("/a")));
        assertFalse(a.startsWith(p("/a/.x")));
        assertTrue(a.endsWith(p("c/d")));
        assertEquals(p("../../x/y"), p("/a/b").relativize(p("/x/y")));
        assertEquals(p("/a/b/x"), p("/a/b").resolve("x"));
        assertEquals(p("/x"), p("/a/b").resolve("/x"));
        assertEquals(p("/a/sib"), p("/a/b").resolveSibling("sib"));
        assertEquals(p("/rel"), p("rel").toAbsolutePath());
        assertNull(p("/").getParent());
        assertNotEquals(p("a"), p("/a"));
        assertTrue(fs.getPathMatcher("glob:/a/**/*.{c,h}").matches(p("/a/x/y/z.h")));
        assertFalse(fs.getPathMatcher("glob:/a/*.c").matches(p("/a/x/y.c")));
    }

    /**
     * Filling the disk: each write reports exactly what the file took (a short count when the
     * space ends part-way), and the write that fails leaves the file as long as the writes
     * before it said — a failed write does not grow the file.
     */
    @Test
    void aWriteThatRunsOutOfSpaceReportsWhatItWrote() throws IOException {
        Path f = p("/full");
        byte[] chunk = new byte[100_000];
        new Random(8).nextBytes(chunk);
        long reported = 0;
        boolean failed = false;
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int i = 0; i < 2_000 && !failed; i++) {
                ByteBuffer b = ByteBuffer.wrap(chunk);
                try {
                    int n = ch.write(b);
                    assertEquals(chunk.length - n, b.remaining(), "the count is what left the buffer");
                    reported += n;
                } catch (FileSystemException e) {
                    assertTrue(String.valueOf(e.getReason()).contains("No space left"), String.valueOf(e.getReason()));
                    failed = true;
                }
                assertEquals(reported, ch.size(), "the file holds what the writes reported");
            }
        }
        assertTrue(failed, "the disk filled up");
        assertEquals(reported, Files.size(f));
        Files.delete(f);
    }

    @Test
    void closedFileSystemRefusesWork() throws IOException {
        Files.writeString(p("/f"), "x");
        SeekableByteChannel ch = Files.newByteChannel(p("/f"));
        fs.close();
        assertFalse(fs.isOpen());
        assertFalse(ch.isOpen());
        assertThrows(ClosedFileSystemException.class, () -> Files.readString(p("/f")));
        fs = null;
    }
}
