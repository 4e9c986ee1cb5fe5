package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.platform.host.HostTools;
import io.jrump.testing.Peers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image commands end to end, run in-process through the picocli command objects: exit
 * statuses (0, 1 with the user's path and the errno, 2 for usage), output, and the image
 * afterwards as e2fsck and debugfs see it.
 */
class ImageCommandsTest {
    @TempDir
    Path dir;
    Path img;
    String image;

    @BeforeEach
    void makeImage() {
        img = dir.resolve("disk.img");
        image = img.toString();
        CliTest.Run r = CliTest.rump("mkfs", "-t", "ext2", "-L", "cli", image, "16M");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("ext2 file system of 16.0 MiB, label 'cli'"), r.out());
    }

    private static CliTest.Run ok(String... args) {
        CliTest.Run r = CliTest.rump(args);
        assertEquals(0, r.status(), String.join(" ", args) + ":\n" + r.out() + r.err());
        return r;
    }

    private static CliTest.Run fails(int status, String... args) {
        CliTest.Run r = CliTest.rump(args);
        assertEquals(status, r.status(), String.join(" ", args) + ":\n" + r.out() + r.err());
        return r;
    }

    /** Runs {@code rump cat}, whose bytes go to System.out. */
    private static String cat(String... paths) {
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true));
        try {
            String[] args = new String[paths.length + 1];
            args[0] = "cat";
            System.arraycopy(paths, 0, args, 1, paths.length);
            ok(args);
        } finally {
            System.setOut(saved);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void copyInListCatStatAndCopyOut() throws IOException {
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("sub/deeper"));
        Files.writeString(tree.resolve("top.txt"), "top\n");
        Files.writeString(tree.resolve("sub/deeper/leaf.txt"), "leaf\n".repeat(10_000));
        Files.setPosixFilePermissions(tree.resolve("top.txt"), PosixFilePermissions.fromString("rwx------"));
        ok("cp", "-r", tree.toString(), image + ":/");
        ok("cp", tree.resolve("top.txt").toString(), image + ":/copy.txt");

        CliTest.Run ls = ok("ls", image + ":/");
        assertEquals(List.of("copy.txt", "lost+found", "tree"), ls.out().lines().toList());
        CliTest.Run ll = ok("ls", "-l", image + ":/tree");
        assertTrue(ll.out().lines().anyMatch(l -> l.startsWith("-rwx------") && l.endsWith(" top.txt")), ll.out());
        assertTrue(ll.out().lines().anyMatch(l -> l.startsWith("drwxr-xr-x") && l.endsWith(" sub")), ll.out());
        CliTest.Run lr = ok("ls", "-R", image + ":/tree");
        assertTrue(lr.out().contains(image + ":/tree/sub/deeper:\nleaf.txt"), lr.out());

        assertEquals("top\n", cat(image + ":/tree/top.txt"));
        assertEquals("leaf\n".repeat(10_000) + "top\n", cat(image + ":/tree/sub/deeper/leaf.txt", image + ":/copy.txt"));

        CliTest.Run st = ok("stat", image + ":/tree/sub/deeper/leaf.txt");
        assertTrue(st.out().contains("Size: 50000"), st.out());
        assertTrue(st.out().contains("regular file"), st.out());
        assertTrue(st.out().contains("Access: (0644/-rw-r--r--)"), st.out());

        Path back = dir.resolve("back");
        ok("cp", "-r", image + ":/tree", back.toString());
        assertEquals(Files.readString(tree.resolve("sub/deeper/leaf.txt")), Files.readString(back.resolve("sub/deeper/leaf.txt")));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(back.resolve("top.txt"))));
        fsckClean();
    }

    @Test
    void changeNamesAndAttributes() throws Exception {
        ok("mkdir", "-p", image + ":/a/b/c");
        ok("mkdir", "-p", image + ":/a/b"); // exists: fine with -p
        fails(1, "mkdir", image + ":/a/b");
        Path f = dir.resolve("f.txt");
        Files.writeString(f, "content");
        ok("cp", f.toString(), image + ":/a/b/c/f.txt");
        ok("ln", "-s", "c/f.txt", image + ":/a/b/link");
        ok("ln", image + ":/a/b/c/f.txt", image + ":/hard");
        assertEquals("content", cat(image + ":/a/b/link"));
        ok("chown", "1000:100", image + ":/hard"); // first: chown clears set-id bits, as on Linux
        ok("chmod", "4750", image + ":/hard");
        ok("chown", ":200", image + ":/a");
        CliTest.Run st = ok("stat", image + ":/a/b/c/f.txt");
        assertTrue(st.out().contains("Access: (4750/-rwsr-x---)  Uid: 1000  Gid: 100"), st.out());
        assertTrue(st.out().contains("Links: 2"), st.out());
        assertTrue(ok("stat", image + ":/a").out().contains("Uid: 0  Gid: 200"));
        assertTrue(ok("ls", "-l", image + ":/a/b").out().contains("link -> c/f.txt"));

        ok("mv", image + ":/a/b/c/f.txt", image + ":/a");
        assertEquals("content", cat(image + ":/a/f.txt"));
        ok("mv", image + ":/a/f.txt", image + ":/renamed.txt");
        fails(1, "rm", image + ":/a");
        ok("rm", "-r", image + ":/a");
        ok("rm", "-f", image + ":/not-there");
        assertEquals(List.of("hard", "lost+found", "renamed.txt"), ok("ls", image + ":/").out().lines().toList());
        fsckClean();
        String debugfs = run("debugfs", "-R", "stat /hard", image);
        assertTrue(debugfs.contains("User:  1000") && debugfs.contains("Group:   100"), debugfs);
    }

    @Test
    void failuresNameThePathAndTheErrno() {
        CliTest.Run missing = fails(1, "cat", image + ":/missing");
        assertTrue(missing.err().contains(image + ":/missing"), missing.err());
        assertTrue(missing.err().contains("ENOENT (No such file or directory)"), missing.err());
        CliTest.Run noImage = fails(1, "ls", dir.resolve("nope.img") + ":/");
        assertTrue(noImage.err().contains("nope.img") && noImage.err().contains("ENOENT"), noImage.err());
        CliTest.Run dirCat = fails(1, "cat", image + ":/lost+found");
        assertTrue(dirCat.err().contains("EISDIR"), dirCat.err());
        CliTest.Run notEmpty = fails(1, "cp", dir.resolve("absent").toString(), image + ":/x");
        assertTrue(notEmpty.err().contains("ENOENT"), notEmpty.err());
        CliTest.Run noDir = fails(1, "cp", "-r", image + ":/lost+found", image + ":/lost+found", image + ":/file-not-dir");
        assertTrue(noDir.err().contains("ENOTDIR"), noDir.err());
    }

    @Test
    void badArgumentsAreUsageErrors() {
        fails(2, "ls");
        fails(2, "ls", image + ":relative");
        fails(2, "ls", image + "@0:/");
        fails(2, "chmod", "rwx", image + ":/lost+found");
        fails(2, "chmod", "99999", image + ":/lost+found");
        fails(2, "chown", "alice", image + ":/lost+found");
        fails(2, "mkfs", "-t", "vfat", dir.resolve("x.img").toString(), "8M");
        fails(2, "mkfs", "-b", "3000", dir.resolve("x.img").toString(), "8M");
        fails(2, "mkfs", dir.resolve("x.img").toString(), "lots");
        fails(2, "mkfs", dir.resolve("x.img").toString(), "1k");
        fails(2, "cp", dir.resolve("a").toString(), dir.resolve("b").toString());
        fails(2, "mv", image + ":/a", dir.resolve("other.img") + ":/b");
        fails(2, "ls", "--frobnicate", image);
        assertFalse(Files.exists(dir.resolve("x.img")), "a usage error makes nothing");
    }

    @Test
    void dfAndInfoSummariseTheFileSystem() {
        CliTest.Run df = ok("df", image);
        assertTrue(df.out().lines().skip(1).anyMatch(l -> l.startsWith(image) && l.contains(" ext2 ") && l.matches(".* 4096 +40[0-9][0-9]$")),
                "4096 inodes (16 MiB at one per 4 KiB), 11 used: " + df.out());
        CliTest.Run info = ok("info", image);
        assertTrue(info.out().contains("file system: ext2, label 'cli'"), info.out());
        assertTrue(info.out().contains("block size:  1024"), info.out());
        String dfTotal = df.out().lines().skip(1).findFirst().orElseThrow().trim().split(" +")[2];
        assertTrue(info.out().contains("blocks:      " + dfTotal + " total"), "the figures df shows (1K blocks): " + info.out());
        assertTrue(info.out().contains("inodes:      4096 total, 4085 free"), info.out());
    }

    @Test
    void partitionsAreAddressedAsImageAtN() throws Exception {
        Peers.require("sfdisk", "fdisk");
        Path disk = dir.resolve("whole.img");
        String w = disk.toString();
        Files.write(disk, new byte[0]);
        run("truncate", "-s", "20M", w);
        Peers.okWithInput("label: dos\n,4M,83\n,,83\n", "sfdisk", "-q", w);
        // mkfs the second partition through jrump: the image is the partition's view
        try (io.jrump.dev.FileBlockDevice d = io.jrump.dev.FileBlockDevice.open(disk, false)) {
            io.jrump.fs.mkfs.Mkfs.format(io.jrump.dev.part.PartitionTable.read(d, w).partition(2).open(d, w + "@2"),
                    new io.jrump.fs.mkfs.MkfsOptions("ext2", 0, "part2", null), false);
        }
        ok("mkdir", w + "@2:/inside");
        assertEquals(List.of("inside", "lost+found"), ok("ls", w + "@2:/").out().lines().toList());
        CliTest.Run info = ok("info", w);
        assertTrue(info.out().contains("partitions:  mbr"), info.out());
        assertTrue(info.out().contains("ext2 'part2'"), info.out());
        assertTrue(info.out().contains("name a partition as " + w + "@N"), info.out());
        CliTest.Run none = fails(1, "ls", w + "@3:/");
        assertTrue(none.err().contains("ENXIO") && none.err().contains("no partition 3"), none.err());
        CliTest.Run whole = fails(1, "ls", w + ":/");
        assertTrue(whole.err().contains("partition table") && whole.err().contains(w + "@N"), whole.err());
    }

    @Test
    void longCopiesShowProgressWhenAsked() throws IOException {
        Path big = dir.resolve("big.bin");
        Files.write(big, new byte[3 << 20]);
        CliTest.Run r = ok("cp", "--progress", big.toString(), image + ":/big.bin");
        assertTrue(r.out().contains("\rcopying: "), r.out());
        assertTrue(r.out().contains("3.00 MiB/3.00 MiB"), r.out());
        CliTest.Run quiet = ok("cp", "--no-progress", big.toString(), image + ":/big2.bin");
        assertFalse(quiet.out().contains("\r"), quiet.out());
        CliTest.Run mk = ok("mkfs", "--progress", dir.resolve("p.img").toString(), "64M");
        assertTrue(mk.out().contains("\rmkfs "), mk.out());
    }

    @Test
    void demoHasAnExt2PartCheckedByE2fsck() {
        CliTest.Run r = ok("demo", "--kernels", "0", "--no-progress");
        assertTrue(r.out().contains("ext2: an 8 MiB disk image made by jrump's mkfs"), r.out());
        assertTrue(r.out().contains("mounted ext2 (label 'demo')"), r.out());
        assertTrue(r.out().contains("readlink") || r.out().contains("/readme"), r.out());
        String verdict = HostTools.find("e2fsck").isPresent() ? "e2fsck -fn demo.img: clean (exit 0)" : "e2fsck not installed";
        assertTrue(r.out().contains(verdict), r.out());
        assertTrue(r.out().contains("demo done"), r.out());
    }

    private void fsckClean() {
        Peers.require("e2fsck", "e2fsprogs");
        run("e2fsck", "-fn", image);
    }

    /** Runs a host tool that must succeed and returns its output. */
    static String run(String... command) {
        try {
            return Peers.ok(command);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
