package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.platform.host.HostTools;
import io.jrump.testing.Peers;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ls -R}, {@code cp -r} and {@code rm -r} on trees that would never end if walked naively: a hard link
 * from a directory to its parent (made by {@code debugfs -w -R 'ln /a /a/x'}), a bind mount of
 * a host directory inside itself, a copy of a directory into itself, and a chain of directories
 * deeper than the stack the command runs on has frames for. Each cycle is reported once (ELOOP,
 * naming the path and the ancestor it repeats), the rest of the tree is still listed or copied,
 * and the command exits 1 at the end, as GNU ls, cp and rm do; no depth overflows the stack.
 */
class TreeWalkCommandsTest {
    /** Directories in the deep chain, and the stack the commands run on: far too small for one frame per level. */
    private static final int DEPTH = 500;
    private static final long SMALL_STACK = 160 << 10;

    @TempDir
    Path dir;

    /** An image made by mke2fs from a small tree, then given /a/x, a second name of /a, counted in /a's links. */
    private String cycleImage() throws IOException {
        Peers.require("mke2fs", "e2fsprogs");
        Peers.require("debugfs", "e2fsprogs");
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("a/b"));
        Files.writeString(tree.resolve("a/f"), "f\n");
        Files.writeString(tree.resolve("top"), "top\n");
        String img = dir.resolve("cycle.img").toString();
        ImageCommandsTest.run("mke2fs", "-q", "-F", "-t", "ext2", "-d", tree.toString(), img, "8M");
        ImageCommandsTest.run("debugfs", "-w", "-R", "ln /a /a/x", img);
        // debugfs's ln leaves the count alone; counting the new name keeps the image writable (a count below the names is refused)
        ImageCommandsTest.run("debugfs", "-w", "-R", "sif /a links_count 4", img);
        return img;
    }

    private static CliTest.Run rump(int status, String... args) {
        CliTest.Run r = CliTest.rump(args);
        assertEquals(status, r.status(), String.join(" ", args) + ":\n" + r.out() + r.err());
        return r;
    }

    @Test
    void lsRecursiveReportsTheCycleAndListsTheRest() throws IOException {
        String img = cycleImage();
        CliTest.Run r = rump(1, "ls", "-R", img + ":/");
        assertEquals("rump ls: ls -R " + img + ":/a/x: ELOOP (Too many levels of symbolic links): directory cycle: the same directory as "
                + img + ":/a", r.err().strip());
        assertEquals(List.of(img + ":/:", "a", "lost+found", "top", "", img + ":/a:", "b", "f", "x", "", img + ":/a/b:", "",
                img + ":/lost+found:"), r.out().lines().toList());
    }

    @Test
    void cpRecursiveOutOfAnImageLeavesTheCycleOut() throws IOException {
        String img = cycleImage();
        Path out = dir.resolve("out");
        CliTest.Run r = rump(1, "cp", "-r", img + ":/", out.toString());
        assertTrue(r.err().contains("rump cp: cp -r " + img + ":/a/x: ELOOP"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertEquals(List.of("a", "a/b", "a/f", "lost+found", "top"), tree(out));
        assertEquals("f\n", Files.readString(out.resolve("a/f")));
    }

    @Test
    void cpRecursiveWithinAnImageLeavesTheCycleOut() throws IOException {
        String img = cycleImage();
        CliTest.Run r = rump(1, "cp", "-r", img + ":/a", img + ":/copy");
        assertTrue(r.err().contains("cp -r " + img + ":/a/x: ELOOP"), r.err());
        assertEquals(List.of("b", "f"), rump(0, "ls", img + ":/copy").out().lines().toList());
    }

    @Test
    void rmRecursiveRemovesAllButTheCycle() throws IOException {
        String img = cycleImage();
        CliTest.Run r = rump(1, "rm", "-r", img + ":/a");
        assertEquals(List.of("rump rm: rm -r " + img + ":/a/x: ELOOP (Too many levels of symbolic links): directory cycle: the same directory as "
                + img + ":/a", "rump rm: rmdir " + img + ":/a: ENOTEMPTY (Directory not empty)"), r.err().lines().toList());
        assertEquals(List.of("x"), rump(0, "ls", img + ":/a").out().lines().toList());
    }

    @Test
    void cpRecursiveIntoAnImageFromAHostCycle() throws Exception {
        Peers.requireRoot("a bind mount needs root");
        String img = dir.resolve("plain.img").toString();
        rump(0, "mkfs", img, "8M");
        Path host = dir.resolve("host");
        Files.createDirectories(host.resolve("a/x"));
        Files.writeString(host.resolve("a/f"), "f\n");
        HostTools.Result mount = Peers.run("mount", "--bind", host.resolve("a").toString(), host.resolve("a/x").toString());
        assumeTrue(mount.status() == 0, "mount --bind failed: " + mount.output());
        try {
            CliTest.Run r = rump(1, "cp", "-r", host.toString(), img + ":/host");
            assertTrue(r.err().contains("cp -r " + host.resolve("a/x") + ": ELOOP (Too many levels of symbolic links): directory cycle: the same directory as "
                    + host.resolve("a")), r.err());
        } finally {
            ImageCommandsTest.run("umount", host.resolve("a/x").toString());
        }
        assertEquals(List.of("a"), rump(0, "ls", img + ":/host").out().lines().toList());
        assertEquals(List.of("f"), rump(0, "ls", img + ":/host/a").out().lines().toList());
    }

    @Test
    void cpRecursiveOfADirectoryIntoItselfStopsAtWhatItMade() {
        String img = dir.resolve("self.img").toString();
        rump(0, "mkfs", img, "8M");
        rump(0, "mkdir", "-p", img + ":/a/b/c");
        CliTest.Run r = rump(1, "cp", "-r", img + ":/a", img + ":/a/b/copy");
        assertEquals("rump cp: cp -r " + img + ":/a/b/copy: EINVAL (Invalid argument): cannot copy a directory into itself", r.err().strip());
        CliTest.Run ls = rump(0, "ls", "-R", img + ":/a/b/copy");
        assertEquals(List.of(img + ":/a/b/copy:", "b", "", img + ":/a/b/copy/b:", "c", "", img + ":/a/b/copy/b/c:"), ls.out().lines().toList());
    }

    @Test
    void deepTreesAreWalkedWithoutRecursion() throws IOException {
        Path image = dir.resolve("deep.img");
        String img = image.toString();
        rump(0, "mkfs", img, "16M");
        try (FileSystem fs = FileSystems.newFileSystem(image, Map.of())) {
            Path p = fs.getPath("/d");
            for (int i = 0; i < DEPTH; i++) {
                Files.createDirectory(p);
                p = p.resolve("d");
            }
        }
        CliTest.Run ls = onSmallStack("ls", "-R", img + ":/d");
        assertEquals(DEPTH, ls.out().lines().filter(l -> l.endsWith(":")).count());
        onSmallStack("cp", "-r", img + ":/d", img + ":/e");
        CliTest.Run copied = onSmallStack("ls", "-R", img + ":/e");
        assertEquals(DEPTH, copied.out().lines().filter(l -> l.endsWith(":")).count());
        assertTrue(copied.out().contains(img + ":/e" + "/d".repeat(DEPTH - 1) + ":"), "the deepest copy");
        onSmallStack("rm", "-r", img + ":/e");
        assertEquals(List.of("d", "lost+found"), rump(0, "ls", img + ":/").out().lines().toList());
    }

    /** Runs a command that must succeed on a thread whose stack holds a few hundred frames, not one per level. */
    private static CliTest.Run onSmallStack(String... args) {
        CliTest.Run[] result = new CliTest.Run[1];
        Throwable[] thrown = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                result[0] = CliTest.rump(args);
            } catch (Throwable e) {
                thrown[0] = e;
            }
        }, "small-stack", SMALL_STACK);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        if (thrown[0] != null) {
            throw new AssertionError(String.join(" ", args) + " threw", thrown[0]);
        }
        assertEquals(0, result[0].status(), String.join(" ", args) + ":\n" + result[0].out() + result[0].err());
        return result[0];
    }

    /** Every path under {@code root}, relative and sorted. */
    private static List<String> tree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }
}
