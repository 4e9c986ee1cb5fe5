package io.jrump.fs.nio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jrump.platform.host.HostTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Test trees on the host, and comparison of two trees through {@code java.nio.file} alone, so
 * the same code compares a host directory with a host directory, or with a tree inside an image
 * seen through the provider.
 */
final class Trees {
    private Trees() {
    }

    /** Nested directories, odd permissions and times, owners, short and long symlinks, a hard link, a hole, a 1000-entry directory. */
    static void build(Path root) throws IOException {
        Files.createDirectories(root.resolve("a/b/c"));
        Files.writeString(root.resolve("a/hello.txt"), "hello, image\n");
        Files.writeString(root.resolve("a/b/c/deep.txt"), "deep\n".repeat(1000));
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(42).nextBytes(big);
        Files.write(root.resolve("a/b/big.bin"), big);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(root.resolve("sparse").toFile(), "rw")) {
            f.setLength(20L << 20);
            f.seek(10L << 20);
            f.write("in the middle".getBytes(StandardCharsets.UTF_8));
        }
        Files.createSymbolicLink(root.resolve("short-link"), Path.of("a/hello.txt"));
        Files.createSymbolicLink(root.resolve("long-link"), Path.of("a/" + "x".repeat(120) + "/../hello.txt"));
        Files.createLink(root.resolve("hard"), root.resolve("a/hello.txt"));
        Files.createDirectory(root.resolve("many"));
        for (int i = 0; i < 1000; i++) {
            Files.writeString(root.resolve("many/entry-" + i), Integer.toString(i));
        }
        Files.setPosixFilePermissions(root.resolve("a/b/c/deep.txt"), PosixFilePermissions.fromString("r-x-w---x"));
        if (HostTools.isRoot()) { // only root may give a file away; an ordinary user's tree has one owner
            Files.setAttribute(root.resolve("a/b/big.bin"), "unix:uid", 1234);
            Files.setAttribute(root.resolve("a/b/big.bin"), "unix:gid", 567);
        }
        Files.setLastModifiedTime(root.resolve("a/hello.txt"), FileTime.from(Instant.parse("2003-04-05T06:07:08Z")));
    }

    /** Every name, type, permission, owner, size, content, link target and modification second of {@code want} is in {@code got}, and nothing else. */
    static void assertSame(Path want, Path got) throws IOException {
        Map<String, Path> a = index(want);
        Map<String, Path> b = index(got);
        b.remove("lost+found");
        assertEquals(a.keySet(), b.keySet(), "names");
        for (Map.Entry<String, Path> e : a.entrySet()) {
            Path x = e.getValue();
            Path y = b.get(e.getKey());
            String what = e.getKey();
            Map<String, Object> ax = Files.readAttributes(x, "unix:mode,uid,gid,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
            Map<String, Object> ay = Files.readAttributes(y, "unix:mode,uid,gid,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
            assertEquals(ax.get("mode"), ay.get("mode"), what + ": mode");
            assertEquals(ax.get("uid"), ay.get("uid"), what + ": uid");
            assertEquals(ax.get("gid"), ay.get("gid"), what + ": gid");
            if (Files.isSymbolicLink(x)) {
                assertEquals(Files.readSymbolicLink(x).toString(), Files.readSymbolicLink(y).toString(), what + ": link target");
                continue;
            }
            assertEquals(((FileTime) ax.get("lastModifiedTime")).toInstant().getEpochSecond(),
                    ((FileTime) ay.get("lastModifiedTime")).toInstant().getEpochSecond(), what + ": mtime");
            if (Files.isRegularFile(x, LinkOption.NOFOLLOW_LINKS)) {
                assertEquals(ax.get("size"), ay.get("size"), what + ": size");
                assertArrayEquals(Files.readAllBytes(x), Files.readAllBytes(y), what + ": content");
            }
        }
    }

    private static Map<String, Path> index(Path root) throws IOException {
        Map<String, Path> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (!p.equals(root)) {
                    out.put(root.relativize(p).toString(), p);
                }
            }
        }
        return out;
    }

    /** Copies a host tree into a tree of another file system (the image), keeping modes, owners and times, through {@code Files}. */
    static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            List<Path> all = s.toList();
            for (Path p : all) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isSymbolicLink(p)) {
                    Files.createSymbolicLink(t, t.getFileSystem().getPath(Files.readSymbolicLink(p).toString()));
                    Files.setAttribute(t, "unix:uid", Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS), LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(t, "unix:gid", Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS), LinkOption.NOFOLLOW_LINKS);
                    continue;
                }
                if (Files.isDirectory(p)) {
                    if (!p.equals(from)) {
                        Files.createDirectory(t);
                    }
                } else {
                    Files.copy(p, t);
                }
                Files.setAttribute(t, "unix:mode", Files.getAttribute(p, "unix:mode"));
                Files.setAttribute(t, "unix:uid", Files.getAttribute(p, "unix:uid"));
                Files.setAttribute(t, "unix:gid", Files.getAttribute(p, "unix:gid"));
            }
            // times last: filling a directory changes its mtime
            for (int i = all.size() - 1; i >= 0; i--) {
                Path p = all.get(i);
                if (!Files.isSymbolicLink(p)) {
                    Files.setLastModifiedTime(to.resolve(from.relativize(p).toString()), Files.getLastModifiedTime(p));
                }
            }
        }
    }
}
