package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.DeviceNumber;
import io.jrump.api.FileMode;
import io.jrump.api.MountFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Stat;
import io.jrump.api.Syscalls;
import io.jrump.platform.host.HostTools;
import io.jrump.testing.Peers;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FIFOs, sockets and device nodes through {@code rump cp -r}, {@code stat} and {@code ls -l};
 * far dates in {@code rump stat}; and {@code rump cp -a} into an image compared with
 * {@code mke2fs -d} of the same tree, with Linux's view through a loop mount (root), and back
 * out to the host.
 */
class SpecialFilesAndArchiveTest {
    private static final boolean ROOT = HostTools.isRoot();

    @TempDir
    Path dir;
    Path img;
    String image;

    @BeforeEach
    void makeImage() {
        img = dir.resolve("disk.img");
        image = img.toString();
        ok("mkfs", "-t", "ext2", image, "32M");
    }

    private static CliTest.Run ok(String... args) {
        CliTest.Run r = CliTest.rump(args);
        assertEquals(0, r.status(), String.join(" ", args) + ":\n" + r.out() + r.err());
        return r;
    }

    private static CliTest.Run fails(String... args) {
        CliTest.Run r = CliTest.rump(args);
        assertEquals(1, r.status(), String.join(" ", args) + ":\n" + r.out() + r.err());
        return r;
    }

    private static void socketAt(Path p) throws IOException {
        try (ServerSocketChannel ch = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(p));
        }
    }

    private static Map<String, Object> host(Path p) throws IOException {
        return Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
    }

    private static int hostMode(Path p) throws IOException {
        return (Integer) host(p).get("mode");
    }

    /** The tree's FIFO, socket and (root) device nodes come before a regular file in name order; all of them are copied. */
    @Test
    void cpRecursiveCopiesSpecialFilesAndGoesOn() throws Exception {
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree);
        ImageCommandsTest.run("mkfifo", tree.resolve("a-fifo").toString());
        socketAt(tree.resolve("b-sock"));
        if (ROOT) {
            ImageCommandsTest.run("mknod", tree.resolve("c-dev").toString(), "c", "1", "3");
        }
        Files.writeString(tree.resolve("z-after.txt"), "after\n");
        ok("cp", "-r", tree.toString(), image + ":/");

        assertTrue(ok("stat", image + ":/tree/a-fifo").out().contains("fifo"));
        assertTrue(ok("stat", image + ":/tree/b-sock").out().contains("socket"));
        assertEquals(ROOT ? List.of("a-fifo", "b-sock", "c-dev", "z-after.txt") : List.of("a-fifo", "b-sock", "z-after.txt"),
                ok("ls", image + ":/tree").out().lines().toList());
        if (ROOT) {
            assertTrue(ok("stat", image + ":/tree/c-dev").out().contains("Device type: 1,3"));
        }

        Path back = dir.resolve("back");
        ok("cp", "-r", image + ":/tree", back.toString());
        assertEquals(FileMode.S_IFIFO, hostMode(back.resolve("a-fifo")) & FileMode.S_IFMT);
        assertEquals(FileMode.S_IFSOCK, hostMode(back.resolve("b-sock")) & FileMode.S_IFMT);
        if (ROOT) {
            assertEquals(FileMode.S_IFCHR, hostMode(back.resolve("c-dev")) & FileMode.S_IFMT);
            assertEquals(DeviceNumber.of(1, 3), host(back.resolve("c-dev")).get("rdev"));
        }
        assertEquals("after\n", Files.readString(back.resolve("z-after.txt")));
    }

    /** A special file the host cannot make (here a socket whose path is longer than sun_path) is reported by name, the rest copied, exit 1. */
    @Test
    void aSpecialFileTheHostRefusesIsReportedAndTheRestCopied() throws Exception {
        ok("mkdir", image + ":/t");
        String longName = "s".repeat(120);
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("disk0", "/mnt", "ext2", 0, null);
            k.sys().mknod("/mnt/t/" + longName, FileMode.S_IFSOCK | 0755, 0);
            k.sys().close(k.sys().open("/mnt/t/z", io.jrump.api.OpenFlags.O_CREAT | io.jrump.api.OpenFlags.O_WRONLY, 0644));
        }
        Path back = dir.resolve("back");
        CliTest.Run r = fails("cp", "-r", image + ":/t", back.toString());
        assertTrue(r.err().contains(back.resolve(longName).toString()) && r.err().contains("EOPNOTSUPP"), r.err());
        assertTrue(Files.exists(back.resolve("z")), "the rest is copied");
    }

    /** Device numbers in stat and ls -l, the large ones ext4 stores in the new encoding included. */
    @Test
    void statAndLsShowDeviceNumbers() throws Exception {
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("disk0", "/mnt", "ext2", 0, null);
            k.sys().umask(0);
            k.sys().mknod("/mnt/big", FileMode.S_IFBLK | 0640, DeviceNumber.of(300, 70000));
            k.sys().mknod("/mnt/null", FileMode.S_IFCHR | 0666, DeviceNumber.of(1, 3));
        }
        CliTest.Run st = ok("stat", image + ":/big");
        assertTrue(st.out().contains("block special file") && st.out().contains("Device type: 300,70000"), st.out());
        CliTest.Run ls = ok("ls", "-l", image + ":/");
        assertTrue(ls.out().lines().anyMatch(l -> l.startsWith("brw-r-----") && l.contains(" 300, 70000 ") && l.endsWith(" big")), ls.out());
        assertTrue(ls.out().lines().anyMatch(l -> l.startsWith("crw-rw-rw-") && l.contains(" 1, 3 ") && l.endsWith(" null")), ls.out());
        if (HostTools.find("debugfs").isPresent()) {
            String d = ImageCommandsTest.run("debugfs", "-R", "stat /big", image);
            assertTrue(d.contains("Device major/minor number: 300:70000"), d);
        }
    }

    /** rump stat A B C reports every path, the missing one as an error, and exits 1. */
    @Test
    void statReportsEveryPath() {
        ok("mkdir", image + ":/a");
        ok("mkdir", image + ":/c");
        CliTest.Run r = fails("stat", image + ":/a", image + ":/b", image + ":/c");
        assertTrue(r.out().contains("File: " + image + ":/a") && r.out().contains("File: " + image + ":/c"), r.out());
        assertTrue(r.err().contains(image + ":/b") && r.err().contains("ENOENT"), r.err());
    }

    /** A 2300 mtime shows as 2300 (it showed 1715-06-13 when times were nanoseconds in a long), 1800 as ext2's 1901 limit. */
    @Test
    void statShowsFarDates() throws Exception {
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("disk0", "/mnt", "ext2", 0, null);
            k.sys().close(k.sys().open("/mnt/f", io.jrump.api.OpenFlags.O_CREAT | io.jrump.api.OpenFlags.O_WRONLY, 0644));
            k.sys().utimes("/mnt/f", Instant.parse("1800-01-01T00:00:00Z"), Instant.parse("2300-01-01T00:00:00.25Z"));
        }
        CliTest.Run st = ok("stat", image + ":/f");
        assertTrue(st.out().contains("Modify: 2300-01-01 00:00:00.250000000 +0000"), st.out());
        assertTrue(st.out().contains("Access: 1901-12-13 20:45:52.000000000 +0000"), st.out());
        assertTrue(ok("ls", "-l", image + ":/").out().contains(" 2300-01-01 00:00 f"));
    }

    // ---- cp -a ----

    /** A tree with hard links, symbolic links, a FIFO, odd modes, far times and (root) owners and a device node. */
    private Path archiveTree() throws Exception {
        Path t = dir.resolve("src");
        Files.createDirectories(t.resolve("sub/deeper"));
        Files.writeString(t.resolve("one"), "one\n");
        Files.createLink(t.resolve("one-again"), t.resolve("one"));
        Files.createLink(t.resolve("sub/deeper/one-third"), t.resolve("one"));
        Files.writeString(t.resolve("sub/data"), "x".repeat(100_000));
        Files.createSymbolicLink(t.resolve("rel-link"), Path.of("sub/data"));
        Files.createSymbolicLink(t.resolve("abs-link"), Path.of("/etc/hostname"));
        Files.createSymbolicLink(t.resolve("dangling"), Path.of("nowhere"));
        ImageCommandsTest.run("mkfifo", t.resolve("fifo").toString());
        Files.writeString(t.resolve("setuid"), "#!/bin/sh\n");
        Files.writeString(t.resolve("nothing"), "");
        Files.createDirectories(t.resolve("sticky"));
        Files.writeString(t.resolve("future"), "later\n");
        ImageCommandsTest.run("touch", "-d", "2300-01-01 00:00:00.25 UTC", t.resolve("future").toString());
        ImageCommandsTest.run("touch", "-d", "1960-06-01 12:00:00 UTC", t.resolve("sub/data").toString());
        if (ROOT) {
            ImageCommandsTest.run("mknod", t.resolve("dev-small").toString(), "c", "1", "3");
            ImageCommandsTest.run("mknod", t.resolve("dev-big").toString(), "b", "300", "70000");
            ImageCommandsTest.run("chown", "1234:5678", t.resolve("one").toString());
            ImageCommandsTest.run("chown", "-h", "42:43", t.resolve("rel-link").toString());
            ImageCommandsTest.run("chown", "7:8", t.resolve("sub").toString());
            ImageCommandsTest.run("chown", "1000:1000", t.resolve("setuid").toString());
        }
        ImageCommandsTest.run("chmod", "4755", t.resolve("setuid").toString());
        // mode 0000 only as root: an ordinary user cannot read such a file, so GNU cp -a could not copy it either
        ImageCommandsTest.run("chmod", ROOT ? "0000" : "0400", t.resolve("nothing").toString());
        ImageCommandsTest.run("chmod", "1777", t.resolve("sticky").toString());
        ImageCommandsTest.run("chmod", "2711", t.resolve("sub/deeper").toString());
        ImageCommandsTest.run("touch", "-h", "-d", "2001-02-03 04:05:06.7 UTC", t.resolve("abs-link").toString());
        ImageCommandsTest.run("touch", "-d", "1999-01-01 UTC", t.resolve("sub").toString());
        return t;
    }

    /** What cp -a keeps of a node, in a form both sides give: type and mode, owner, names, size, device, target, mtime. */
    private record Node(int mode, int uid, int gid, long nlink, long size, long rdev, String target, Instant mtime) {
        /** Directories' sizes and link counts are the file system's own business; a link's size is its target's length. */
        static Node of(Stat st, String target, boolean wholeSeconds) {
            boolean dir = st.isDirectory();
            Instant m = wholeSeconds ? Instant.ofEpochSecond(st.mtime().getEpochSecond()) : st.mtime();
            return new Node(st.mode(), st.uid(), st.gid(), dir ? 0 : st.nlink(), dir ? 0 : st.size(), st.isDevice() ? st.rdev() : 0,
                    target, m);
        }
    }

    private static Map<String, Node> hostNodes(Path root, boolean owners) throws IOException {
        Map<String, Node> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                Map<String, Object> a = host(p);
                int mode = (Integer) a.get("mode");
                boolean dir = FileMode.isDirectory(mode);
                boolean dev = (mode & FileMode.S_IFMT) == FileMode.S_IFCHR || (mode & FileMode.S_IFMT) == FileMode.S_IFBLK;
                String target = FileMode.isSymlink(mode) ? Files.readSymbolicLink(p).toString() : null;
                out.put("/" + root.relativize(p), new Node(mode, owners ? (Integer) a.get("uid") : 0, owners ? (Integer) a.get("gid") : 0,
                        dir ? 0 : (Integer) a.get("nlink"), dir ? 0 : (Long) a.get("size"), dev ? (Long) a.get("rdev") : 0, target,
                        ((FileTime) a.get("lastModifiedTime")).toInstant()));
            }
        }
        return out;
    }

    /** Every node under {@code top} in an image, by its path below {@code top}, and which names share an inode. */
    private static Map<String, Node> imageNodes(Path image, String top, boolean wholeSeconds, Map<String, Long> inodes) throws Exception {
        Map<String, Node> out = new TreeMap<>();
        try (RumpKernel k = Rump.builder().disk("disk0", image).boot()) {
            Syscalls sys = k.sys();
            sys.mkdir("/mnt", 0755);
            sys.mount("disk0", "/mnt", "ext2", MountFlags.MNT_RDONLY, null);
            List<String> todo = new ArrayList<>(List.of(""));
            while (!todo.isEmpty()) {
                String rel = todo.remove(todo.size() - 1);
                String path = "/mnt" + top + rel;
                Stat st = sys.lstat(path);
                out.put(rel.isEmpty() ? "/" : rel, Node.of(st, st.isSymlink() ? sys.readlink(path) : null, wholeSeconds));
                inodes.put(rel, st.ino());
                if (st.isDirectory()) {
                    for (io.jrump.api.DirEntry e : sys.readdir(path)) {
                        if (!e.name().equals(".") && !e.name().equals("..") && !(rel.isEmpty() && e.name().equals("lost+found"))) {
                            todo.add(rel + "/" + e.name());
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Which names are one file: each name mapped to the first name (in order) with its inode. */
    private static Map<String, String> linkGroups(Map<String, Long> inodes) {
        Map<Long, String> first = new HashMap<>();
        Map<String, String> out = new TreeMap<>();
        new TreeMap<>(inodes).forEach((name, ino) -> out.put(name, first.computeIfAbsent(ino, i -> name)));
        return out;
    }

    /**
     * {@code rump cp -a} into an image keeps what {@code mke2fs -d} keeps of the same tree
     * (e2fsck clean, equal node for node, hard links as links), Linux sees the host's
     * attributes through a loop mount (root), and {@code rump cp -a} back out gives the tree
     * again (owners only as root, as GNU cp -a).
     */
    @Test
    void cpArchiveKeepsWhatMke2fsDKeepsBothWays() throws Exception {
        Peers.require("mke2fs", "e2fsprogs");
        Peers.require("e2fsck", "e2fsprogs");
        Path tree = archiveTree();
        Map<String, Node> source = hostNodes(tree, true);

        ok("cp", "-a", tree.toString(), image + ":/tree");
        ImageCommandsTest.run("e2fsck", "-fn", image);
        Map<String, Long> ours = new HashMap<>();
        Map<String, Node> copied = imageNodes(img, "/tree", false, ours);
        assertSameNodes(source, copied, "rump cp -a into the image keeps every attribute of the host tree, its top included");
        assertEquals(linkGroups(ours).get("/one-again"), linkGroups(ours).get("/one"));
        assertEquals(linkGroups(ours).get("/sub/deeper/one-third"), linkGroups(ours).get("/one"));

        Path reference = dir.resolve("reference.img");
        ImageCommandsTest.run("mke2fs", "-q", "-F", "-t", "ext2", "-d", tree.toString(), reference.toString(), "32M");
        Map<String, Long> theirs = new HashMap<>();
        Map<String, Node> mke2fs = imageNodes(reference, "", true, theirs);
        Map<String, Node> oursSeconds = imageNodes(img, "/tree", true, new HashMap<>());
        mke2fs.put("/", oursSeconds.get("/")); // mke2fs -d gives the root its own mode and owner
        // e2fsprogs 1.47.0's mke2fs -d keeps only the low 32 bits of a time's seconds (2300 becomes 2027):
        // dates past 2038 are compared with the host tree above, not with it
        mke2fs.keySet().removeIf(k -> oursSeconds.get(k).mtime().isAfter(Instant.ofEpochSecond(Integer.MAX_VALUE)));
        oursSeconds.keySet().retainAll(mke2fs.keySet());
        assertSameNodes(mke2fs, oursSeconds, "the same as mke2fs -d (which keeps whole seconds)");
        assertEquals(linkGroups(theirs), linkGroups(ours), "the same names share inodes");

        if (ROOT) {
            Path mnt = dir.resolve("mnt");
            Files.createDirectories(mnt);
            ImageCommandsTest.run("mount", "-t", "ext4", "-o", "loop,ro", image, mnt.toString());
            try {
                assertSameNodes(source, hostNodes(mnt.resolve("tree"), true), "Linux reads through a loop mount what the host tree holds");
            } finally {
                ImageCommandsTest.run("umount", mnt.toString());
            }
        }

        Path back = dir.resolve("back");
        ok("cp", "-a", image + ":/tree", back.toString());
        // as a normal user every file was the user's own, so the owners come back too
        assertSameNodes(source, hostNodes(back, true), "cp -a back out to the host");
        assertEquals(Files.getAttribute(back.resolve("one"), "unix:ino"), Files.getAttribute(back.resolve("sub/deeper/one-third"), "unix:ino"));
        assertFalse(Files.exists(back.resolve("lost+found")));
    }

    /** {@code DIR/.} copies DIR's contents, as GNU cp does: the way to fill an image's root from a tree, and to empty one out. */
    @Test
    void cpArchiveOfDirDotCopiesTheContents() throws Exception {
        Path tree = dir.resolve("rootfs");
        Files.createDirectories(tree.resolve("etc"));
        Files.writeString(tree.resolve("etc/hostname"), "box\n");
        ImageCommandsTest.run("touch", "-d", "2001-01-01 UTC", tree.toString());
        ok("cp", "-a", tree + "/.", image + ":/");
        assertEquals(List.of("etc", "lost+found"), ok("ls", image + ":/").out().lines().toList());
        assertTrue(ok("stat", image + ":/").out().contains("Modify: 2001-01-01 00:00:00.000000000 +0000"), "the root takes the tree's times");
        Path out = dir.resolve("out");
        ok("cp", "-a", image + ":/etc/.", out.toString());
        assertEquals("box\n", Files.readString(out.resolve("hostname")));
    }

    /** Equal maps, with the differing entries named when not. */
    private static void assertSameNodes(Map<String, Node> expected, Map<String, Node> actual, String what) {
        StringBuilder diff = new StringBuilder();
        for (String k : new java.util.TreeSet<>(java.util.Set.copyOf(new ArrayList<>(expected.keySet())))) {
            if (!java.util.Objects.equals(expected.get(k), actual.get(k))) {
                diff.append("\n  ").append(k).append(": expected ").append(expected.get(k)).append("\n  ").append(k).append(": but was  ").append(actual.get(k));
            }
        }
        actual.keySet().stream().filter(k -> !expected.containsKey(k)).forEach(k -> diff.append("\n  unexpected ").append(k));
        assertTrue(diff.length() == 0, what + ":" + diff);
    }
}
