package io.jrump.cli;

import static io.jrump.cli.CliTest.rumpOk;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jrump.testing.Peers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The modes {@code rump cp} gives what it makes, against GNU cp on the same tree: without
 * {@code -p} the source's permission bits less the umask (a regular file without its set-id
 * bits; a directory the copy could not fill as it was made still gets its mode at the end),
 * an existing file keeps its own; with {@code -p} the source's mode exactly.
 */
class CpModesTest {
    /** Path below the tree and the mode each entry is given (directories end in '/'). */
    private static final TreeMap<String, Integer> TREE = new TreeMap<>(Map.of(
            "open/", 0777,
            "open/all", 0777,
            "open/rw", 0666,
            "open/setuid", 04755,
            "open/private", 0600,
            "closed/", 0555,
            "closed/inside", 0644));

    @TempDir
    Path dir;
    Path src;
    String image;

    @BeforeEach
    void makeTree() throws IOException {
        src = dir.resolve("tree");
        for (Map.Entry<String, Integer> e : TREE.entrySet()) {
            Path p = src.resolve(e.getKey());
            if (e.getKey().endsWith("/")) {
                Files.createDirectories(p);
            } else {
                Files.writeString(p, e.getKey());
            }
        }
        chmodAll(src);
        image = CliTest.imageWithTree(dir, src, "16M"); // the modes exactly, so both copies start from the same tree
    }

    /** Sets the modes of {@link #TREE}, deepest first, so a read-only directory is filled before it closes. */
    private void chmodAll(Path root) throws IOException {
        for (String rel : TREE.descendingKeySet()) {
            Files.setAttribute(root.resolve(rel), "unix:mode", TREE.get(rel));
        }
    }

    /** Every entry's mode (permission, set-id and sticky bits) below {@code root}, by relative path. */
    private static Map<String, String> modes(Path root) throws IOException {
        return CliTest.listing(root, (p, mode) -> Integer.toOctalString(mode & 07777));
    }

    @Test
    void recursiveCopyOutTakesTheUmaskAsCpDoes() throws Exception {
        Path cp = Peers.require("cp", "coreutils");
        Path byCp = dir.resolve("by-cp");
        Path byRump = dir.resolve("by-rump");
        Peers.ok(cp.toString(), "-r", src.toString(), byCp.toString());
        rumpOk("cp", "-r", image + ":/tree", byRump.toString());
        assertEquals(modes(byCp), modes(byRump), "umask " + Integer.toOctalString(new HostSide().umask()));
    }

    @Test
    void preserveKeepsModesExactlyAsCpDoes() throws Exception {
        Path cp = Peers.require("cp", "coreutils");
        Path byCp = dir.resolve("by-cp");
        Path byRump = dir.resolve("by-rump");
        Peers.ok(cp.toString(), "-r", "-p", src.toString(), byCp.toString());
        rumpOk("cp", "-r", "-p", image + ":/tree", byRump.toString());
        assertEquals(modes(byCp), modes(byRump));
        assertEquals("4755", modes(byRump).get("open/setuid"));
    }

    /** Copying over an existing tree: the files there keep their modes and take the new bytes, as with cp. */
    @Test
    void anExistingFileKeepsItsMode() throws Exception {
        Path out = dir.resolve("out");
        Files.createDirectories(out.resolve("open"));
        Files.writeString(out.resolve("open/all"), "old bytes, longer than the new ones");
        Files.setAttribute(out.resolve("open/all"), "unix:mode", 0640);
        rumpOk("cp", "-r", image + ":/tree/.", out.toString());
        assertEquals("640", modes(out).get("open/all"));
        assertEquals("open/all", Files.readString(out.resolve("open/all")));
    }

    /** Into an image the image kernel's umask (022) applies to what cp -r makes. */
    @Test
    void recursiveCopyIntoAnImageTakesItsKernelsUmask() throws Exception {
        rumpOk("cp", "-r", src.toString(), image + ":/plain");
        Path back = dir.resolve("back");
        rumpOk("cp", "-a", image + ":/plain", back.toString());
        Map<String, String> m = modes(back);
        assertEquals("755", m.get("open/all"));
        assertEquals("644", m.get("open/rw"));
        assertEquals("755", m.get("open/setuid"));
        assertEquals("600", m.get("open/private"));
        assertEquals("755", m.get("open"));
        assertEquals("555", m.get("closed"));
    }
}
