package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.fs.nio.MountedImage;
import io.jrump.platform.host.HostTools;
import io.jrump.testing.Peers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image commands keep to the image and to one writer: absolute links in an image resolve
 * inside it ({@code rump cat}, {@code rump cp}), and a command on an image another process or
 * command holds fails with EBUSY naming it, or waits with {@code --wait}, so concurrent
 * commands lose nothing.
 */
class ImageRootAndLockCliTest {
    @TempDir
    Path dir;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    private Path mkfs() {
        Path img = dir.resolve("disk.img");
        CliTest.Run r = CliTest.rump("mkfs", "-t", "ext2", img.toString(), "16M");
        assertEquals(0, r.status(), r.err());
        return img;
    }

    private static CliTest.Run ok(String... args) {
        CliTest.Run r = CliTest.rump(args);
        assertEquals(0, r.status(), String.join(" ", args) + ":\n" + r.out() + r.err());
        return r;
    }

    /** Runs {@code rump cat}, whose bytes go to System.out. */
    private static String cat(String path) {
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true));
        try {
            ok("cat", path);
        } finally {
            System.setOut(saved);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The repro of the issue: {@code lnk -> /a/README} in an image made by {@code mke2fs -d}. */
    @Test
    void absoluteLinksResolveInsideTheImage() throws Exception {
        Peers.require("mke2fs", "e2fsprogs");
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("a"));
        Files.writeString(tree.resolve("a/README"), "read me\n");
        Files.createSymbolicLink(tree.resolve("lnk"), Path.of("/a/README"));
        Path img = dir.resolve("made.img");
        Peers.ok("mke2fs", "-q", "-t", "ext2", "-b", "1024", "-d", tree.toString(), img.toString(), "8M");
        assertEquals("read me\n", cat(img + ":/lnk"));
        Path out = dir.resolve("out");
        ok("cp", img + ":/lnk", out.toString());
        assertEquals("read me\n", Files.readString(out));
        ok("ln", "-s", "/a/README", img + ":/a/again");
        assertEquals("read me\n", cat(img + ":/a/again"));
    }

    @Test
    void dotDotAtTheTopOfAnImageIsItsTop() throws Exception {
        Path img = mkfs();
        Path src = dir.resolve("src.txt");
        Files.writeString(src, "stays in\n");
        ok("cp", src.toString(), img + ":/../../up.txt");
        assertEquals("stays in\n", cat(img + ":/up.txt"));
    }

    @Test
    void aCommandOnAnImageHeldElsewhereFailsNamingIt() throws Exception {
        Path img = mkfs();
        try (MountedImage held = MountedImage.open(img, 0, null, false)) {
            CliTest.Run r = CliTest.rump("mkdir", img + ":/x");
            assertEquals(1, r.status(), r.out() + r.err());
            assertTrue(r.err().contains(img.toString()) && r.err().contains("EBUSY"), r.err());
            assertEquals(1, CliTest.rump("ls", img + ":/").status(), "readers wait for no writer either");
            Future<CliTest.Run> waiting = pool.submit(() -> CliTest.rump("mkdir", "--wait", img + ":/y"));
            held.close();
            assertEquals(0, waiting.get(60, TimeUnit.SECONDS).status());
        }
        assertEquals(List.of("lost+found", "y"), ok("ls", img + ":/").out().lines().toList());
    }

    /** The repro: concurrent commands from separate processes; with {@code --wait} each gets its turn and nothing is lost. */
    @Test
    void concurrentCommandsInSeparateProcessesLoseNothing() throws Exception {
        Path img = mkfs();
        Path src = dir.resolve("big.bin");
        byte[] data = new byte[1 << 20];
        new Random(8).nextBytes(data);
        Files.write(src, data);
        String javaCmd = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            List<String> cmd = new ArrayList<>(List.of(javaCmd, "-cp", System.getProperty("java.class.path"), Main.class.getName()));
            cmd.addAll(i == 1 ? List.of("mkdir", "--wait", img + ":/d" + i) : List.of("cp", "--wait", src.toString(), img + ":/f" + i));
            ps.add(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        }
        for (Process p : ps) {
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
        }
        assertEquals(List.of("d1", "f0", "f2", "lost+found"), ok("ls", img + ":/").out().lines().toList());
        for (String f : List.of("/f0", "/f2")) {
            Path back = dir.resolve("back" + f.substring(1));
            ok("cp", img + ":" + f, back.toString());
            assertTrue(Arrays.equals(data, Files.readAllBytes(back)), f);
        }
        if (HostTools.find("e2fsck").isPresent()) {
            Peers.ok("e2fsck", "-fn", img.toString());
        }
    }
}
