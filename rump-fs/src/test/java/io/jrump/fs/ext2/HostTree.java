package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.DirEntry;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.Stat;
import io.jrump.api.Syscalls;
import io.jrump.testing.Peers;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A test tree on the host with what trips file systems up: nested directories, a directory of
 * 10,000 entries (hashed by ext2), short and long symlinks, a sparse file larger than 4 GiB,
 * odd permissions and times, hard links, files straddling the indirect-block boundaries; and
 * comparisons of such a tree with a jrump mount or with another host tree, metadata included.
 */
final class HostTree {
    /** Size of the sparse file: past 4 GiB, so the 32-bit size field alone cannot hold it. */
    static final long SPARSE_SIZE = (5L << 30) + 12345;
    static final long[] SPARSE_DATA_AT = {0, 1L << 30, (4L << 30) + 4096, SPARSE_SIZE - 100};
    static final int BIG_DIR_ENTRIES = 10_000;
    private static final long NANOS = 1_000_000_000L;

    private HostTree() {
    }

    /** Builds the tree under {@code root} (skipping the test when not root); {@code bigDir}: include the 10,000-entry directory. */
    static void build(Path root, boolean bigDir, boolean sparse) throws IOException {
        Peers.requireRoot("the test tree has files of other owners (chown) and of mode 0, which mke2fs -d must read");
        Random rnd = new Random(42);
        Files.createDirectories(root.resolve("a/b/c/d"));
        Files.write(root.resolve("a/b/c/d/deep.txt"), "deep\n".getBytes());
        Files.write(root.resolve("empty"), new byte[0]);
        for (int size : new int[] {1, 1023, 4096, 12 * 1024 + 1, 300 * 1024, 1100 * 1024}) {
            byte[] b = new byte[size];
            rnd.nextBytes(b);
            Files.write(root.resolve("data-" + size), b);
        }
        Files.createSymbolicLink(root.resolve("short-link"), Path.of("a/b"));
        Files.createSymbolicLink(root.resolve("long-link"), Path.of("x".repeat(200) + "/" + "y".repeat(500)));
        Files.createSymbolicLink(root.resolve("a/b/up"), Path.of("../../data-1"));
        Files.createLink(root.resolve("hard-1"), root.resolve("data-4096"));
        Files.createLink(root.resolve("a/hard-2"), root.resolve("data-4096"));
        Path odd = root.resolve("odd");
        Files.createDirectory(odd);
        int[] modes = {04755, 02711, 01777, 0, 0640, 0111};
        for (int i = 0; i < modes.length; i++) {
            Path f = odd.resolve("mode-" + Integer.toOctalString(modes[i]));
            Files.write(f, new byte[] {(byte) i});
            Files.setAttribute(f, "unix:mode", modes[i]);
            Files.setAttribute(f, "unix:uid", 1000 + i);
            Files.setAttribute(f, "unix:gid", 2000 + i);
            Files.setLastModifiedTime(f, FileTime.from(Instant.ofEpochSecond(946_684_800L + i * 86_400L, 123_456_789)));
        }
        Files.setLastModifiedTime(odd.resolve("mode-640"), FileTime.from(Instant.ofEpochSecond(2_000_000_000L)));
        Files.setLastModifiedTime(odd.resolve("mode-111"), FileTime.from(Instant.ofEpochSecond(86_400)));
        if (sparse) {
            try (RandomAccessFile f = new RandomAccessFile(root.resolve("sparse").toFile(), "rw")) {
                f.setLength(SPARSE_SIZE);
                for (long at : SPARSE_DATA_AT) {
                    f.seek(at);
                    f.write(("data at " + at).getBytes());
                }
            }
        }
        if (bigDir) {
            Path big = root.resolve("big");
            Files.createDirectory(big);
            for (int i = 0; i < BIG_DIR_ENTRIES; i++) {
                Files.write(big.resolve("entry-" + i + "-" + "n".repeat(i % 40)), new byte[0]);
            }
        }
    }

    /** Every path under {@code root}, relative, sorted, with its attributes (unix view, not following links). */
    static Map<String, Map<String, Object>> hostAttributes(Path root) throws IOException {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                out.put(root.relativize(p).toString(), Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS));
            }
        }
        return out;
    }

    /**
     * Checks that the tree under {@code mount} of a jrump kernel equals {@code root} on the host:
     * names, types, permissions, owners, link counts, sizes, modification times (to
     * {@code timeResolutionNanos}), symlink targets and file contents (sparse files at their data).
     */
    static void assertSameAsMount(Path root, Syscalls sys, String mount, long timeResolutionNanos) throws IOException {
        Map<String, Map<String, Object>> host = hostAttributes(root);
        List<String> seen = new ArrayList<>();
        walkMount(sys, mount, "", seen);
        List<String> expected = new ArrayList<>(host.keySet());
        expected.remove("");
        seen.remove("lost+found");
        assertSameNames(expected, seen);
        for (Map.Entry<String, Map<String, Object>> e : host.entrySet()) {
            String rel = e.getKey();
            Map<String, Object> h = e.getValue();
            String path = rel.isEmpty() ? mount : mount + "/" + rel;
            Stat st = sys.lstat(path);
            int mode = (Integer) h.get("mode");
            assertEquals(Integer.toOctalString(mode), Integer.toOctalString(st.mode()), rel + ": mode");
            if (!rel.isEmpty()) {
                assertEquals(h.get("uid"), st.uid(), rel + ": uid");
                assertEquals(h.get("gid"), st.gid(), rel + ": gid");
                assertEquals(((Integer) h.get("nlink")).longValue(), st.nlink(), rel + ": nlink");
            }
            if (!rel.isEmpty() && !st.isSymlink()) {
                long want = ((FileTime) h.get("lastModifiedTime")).to(java.util.concurrent.TimeUnit.NANOSECONDS);
                long got = st.mtime().getEpochSecond() * NANOS + st.mtime().getNano();
                assertEquals(want / timeResolutionNanos, got / timeResolutionNanos, rel + ": mtime");
            }
            Path hp = root.resolve(rel);
            if (st.isSymlink()) {
                assertEquals(Files.readSymbolicLink(hp).toString(), sys.readlink(path), rel + ": target");
            } else if (st.isRegularFile()) {
                assertEquals(Files.size(hp), st.size(), rel + ": size");
                compareContents(hp, sys, path, st.size());
            }
        }
    }

    /** Fails naming only the differences, not ten thousand equal names. */
    private static void assertSameNames(List<String> want, List<String> got) {
        java.util.Set<String> missing = new java.util.TreeSet<>(want);
        missing.removeAll(got);
        java.util.Set<String> extra = new java.util.TreeSet<>(got);
        extra.removeAll(want);
        assertTrue(missing.isEmpty() && extra.isEmpty() && want.size() == got.size(),
                "names differ: missing " + missing + ", extra " + extra + ", " + want.size() + " vs " + got.size());
    }

    private static void walkMount(Syscalls sys, String mount, String rel, List<String> out) throws ErrnoException {
        String path = rel.isEmpty() ? mount : mount + "/" + rel;
        for (DirEntry d : sys.readdir(path)) {
            if (d.name().equals(".") || d.name().equals("..")) {
                continue;
            }
            String child = rel.isEmpty() ? d.name() : rel + "/" + d.name();
            out.add(child);
            if (sys.lstat(mount + "/" + child).isDirectory()) {
                walkMount(sys, mount, child, out);
            }
        }
    }

    private static void compareContents(Path host, Syscalls sys, String path, long size) throws IOException {
        int fd = sys.open(path, OpenFlags.O_RDONLY);
        try (RandomAccessFile f = new RandomAccessFile(host.toFile(), "r")) {
            if (size > 64L << 20) {
                for (long at : SPARSE_DATA_AT) {
                    compareRange(f, sys, fd, at, 8192, path);
                }
                compareRange(f, sys, fd, 3L << 30, 8192, path);
                assertTrue(sys.fstat(fd).blocks() * 512 < 1 << 20, path + ": holes stay holes (" + sys.fstat(fd).blocks() + " sectors)");
            } else {
                compareRange(f, sys, fd, 0, (int) size, path);
            }
        } finally {
            sys.close(fd);
        }
    }

    private static void compareRange(RandomAccessFile f, Syscalls sys, int fd, long at, int len, String path) throws IOException {
        int n = (int) Math.max(0, Math.min(len, f.length() - at));
        byte[] want = new byte[n];
        f.seek(at);
        f.readFully(want);
        ByteBuffer got = ByteBuffer.allocate(n);
        while (got.hasRemaining()) {
            int r = sys.pread(fd, got, at + got.position());
            if (r <= 0) {
                break;
            }
        }
        assertArrayEquals(want, got.array(), path + ": contents at " + at);
    }

    /**
     * Checks that two host trees are equal: names, types, permission bits, symlink targets,
     * contents; set-id and sticky bits, owners, link counts and times when {@code full}
     * (debugfs rdump restores none of those).
     */
    static void assertSameHostTrees(Path want, Path got, boolean full) throws IOException {
        Map<String, Map<String, Object>> a = hostAttributes(want);
        Map<String, Map<String, Object>> b = hostAttributes(got);
        b.keySet().remove("lost+found");
        assertSameNames(new ArrayList<>(a.keySet()), new ArrayList<>(b.keySet()));
        for (String rel : a.keySet()) {
            Map<String, Object> x = a.get(rel);
            Map<String, Object> y = b.get(rel);
            Path pa = want.resolve(rel);
            Path pb = got.resolve(rel);
            if (rel.isEmpty()) {
                continue;
            }
            int special = full ? 07777 : 0777;
            assertEquals(Integer.toOctalString((Integer) x.get("mode") & (0170000 | special)),
                    Integer.toOctalString((Integer) y.get("mode") & (0170000 | special)), rel + ": mode");
            if (full) {
                assertEquals(x.get("uid"), y.get("uid"), rel + ": uid");
                assertEquals(x.get("gid"), y.get("gid"), rel + ": gid");
                assertEquals(x.get("nlink"), y.get("nlink"), rel + ": nlink");
                if (!Files.isSymbolicLink(pa)) {
                    assertEquals(((FileTime) x.get("lastModifiedTime")).toInstant(), ((FileTime) y.get("lastModifiedTime")).toInstant(), rel + ": mtime");
                }
            }
            if (Files.isSymbolicLink(pa)) {
                assertEquals(Files.readSymbolicLink(pa), Files.readSymbolicLink(pb), rel + ": target");
            } else if (Files.isRegularFile(pa, LinkOption.NOFOLLOW_LINKS)) {
                assertEquals(Files.size(pa), Files.size(pb), rel + ": size");
                if (Files.size(pa) > 64L << 20) {
                    try (RandomAccessFile fa = new RandomAccessFile(pa.toFile(), "r");
                            RandomAccessFile fb = new RandomAccessFile(pb.toFile(), "r")) {
                        for (long at : SPARSE_DATA_AT) {
                            byte[] x1 = new byte[(int) Math.min(8192, fa.length() - at)];
                            byte[] y1 = new byte[x1.length];
                            fa.seek(at);
                            fa.readFully(x1);
                            fb.seek(at);
                            fb.readFully(y1);
                            assertArrayEquals(x1, y1, rel + ": contents at " + at);
                        }
                    }
                } else {
                    assertEquals(-1L, Files.mismatch(pa, pb), rel + ": contents");
                }
            }
        }
    }
}
