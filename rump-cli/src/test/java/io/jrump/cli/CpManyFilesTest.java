package io.jrump.cli;

import static io.jrump.cli.CliTest.rumpOk;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.testing.Peers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rump cp -r} out of an image onto the host: a tree of many files of many sizes comes out
 * byte for byte with the modes GNU cp gives, and a failure in the middle stops the copy with the
 * failing call and path named, leaving what comes after it in the walk uncopied.
 */
class CpManyFilesTest {
    private static final int[] SIZES = {0, 1, 100, 4095, 4096, 65_536, 65_537, 200_000};
    private static final int FILES = 1500;

    @TempDir
    Path dir;
    Path src;
    String image;

    @BeforeEach
    void makeTree() throws IOException {
        src = dir.resolve("tree");
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < FILES; i++) {
            String sub = i % 10 == 9 ? "b/c" : i < FILES / 2 ? "a" : "z";
            Path f = src.resolve(sub).resolve(String.format("f%04d", i));
            Files.createDirectories(f.getParent());
            byte[] data = new byte[SIZES[i % SIZES.length] / (i % 7 == 0 ? 1 : 8)];
            random.nextBytes(data);
            Files.write(f, data);
            Files.setAttribute(f, "unix:mode", i % 3 == 0 ? 0600 : i % 3 == 1 ? 0755 : 0664);
        }
        image = CliTest.imageWithTree(dir, src, "64M");
    }

    /** Every entry below {@code root} by relative path: its mode, and for a file its size. */
    private static Map<String, String> listing(Path root) throws IOException {
        return CliTest.listing(root, (p, mode) -> Integer.toOctalString(mode) + (Files.isRegularFile(p) ? " " + Files.size(p) : ""));
    }

    @Test
    void manyFilesComeOutEqual() throws Exception {
        Path byCp = dir.resolve("by-cp");
        Peers.ok(Peers.require("cp", "coreutils").toString(), "-r", src.toString(), byCp.toString());
        Path out = dir.resolve("out");
        rumpOk("cp", "-r", image + ":/tree", out.toString());
        assertEquals(listing(byCp), listing(out));
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                assertArrayEquals(Files.readAllBytes(p), Files.readAllBytes(out.resolve(src.relativize(p))), p.toString());
            }
        }
    }

    /** A file that cannot be made (a directory is in its place) ends the copy: named, exit 1, and the walk stops there. */
    @Test
    void aFailureInTheMiddleStopsTheCopy() throws Exception {
        Path out = dir.resolve("out");
        Path blocked = out.resolve("a/f0300");
        Files.createDirectories(blocked.resolve("in-the-way"));
        CliTest.Run r = CliTest.rump("cp", "-r", image + ":/tree/.", out.toString());
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("open " + blocked + ": EISDIR"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one failure, reported once: " + r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertFalse(Files.exists(out.resolve("z")), "the walk went on after the failure");
        assertTrue(Files.isDirectory(blocked.resolve("in-the-way")));
    }
}
