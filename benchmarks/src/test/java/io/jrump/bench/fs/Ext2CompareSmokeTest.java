package io.jrump.bench.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.bench.Row;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Runs the ext2 comparison once in its quick mode, where it can run with every peer (root,
 * fuse2fs installed), and checks the table's shape: a row per phase and peer with figures on
 * both sides, the memory row, the metadata breakdown. No timing is checked.
 */
class Ext2CompareSmokeTest {
    private static final String[] PHASES = {"sequential write 64.0 MiB + fsync", "sequential read 64.0 MiB",
        "metadata: create + stat + delete 1,000 files in 100 dirs"};

    @Test
    void quickRunHasEveryRow() {
        String why = whyNot();
        System.out.println(why == null ? "ext2 comparison smoke run: root, loop mounts and fuse2fs available" : "skipped: " + why);
        assumeTrue(why == null, () -> "ext2 comparison smoke run skipped: " + why);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int status = new CommandLine(new Ext2Compare(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(log, true, StandardCharsets.UTF_8))).execute("--quick", "--rounds", "1");
        String table = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, () -> table + log.toString(StandardCharsets.UTF_8));

        List<String> lines = table.lines().toList();
        assertEquals(Row.HEADER.lines().toList(), lines.subList(0, 2));
        List<String> rows = lines.stream().skip(2).takeWhile(l -> l.startsWith("| ")).toList();
        assertEquals(2 * PHASES.length + 1, rows.size(), table);
        for (int i = 0; i < PHASES.length; i++) {
            assertRow(rows.get(2 * i), PHASES[i], "Linux ext2, loop mount (FileChannel): ", "≥ ");
            assertRow(rows.get(2 * i + 1), PHASES[i], "fuse2fs (FileChannel): ", "≥ 1.0x fuse2fs");
        }
        assertRow(rows.get(6), "buffer cache memory", "none", "≤ cache limit (64.0 MiB)");
        for (String step : new String[] {"| create 1,000 files", "| stat every file", "| unlink every file"}) {
            assertTrue(lines.stream().anyMatch(l -> l.startsWith(step) && l.split("\\|", -1).length == 6), () -> step + " in\n" + table);
        }
        assertTrue(table.contains("drop_caches`"), table);
        assertTrue(!table.contains("e2fsck -fn after jrump"), table);
    }

    private static void assertRow(String row, String name, String peer, String target) {
        assertTrue(row.startsWith("| " + name), row);
        assertEquals(8, row.split("\\|", -1).length, () -> "six cells between seven bars: " + row);
        assertTrue(row.contains(peer), row);
        assertTrue(row.contains("| " + target), row);
        assertTrue(row.endsWith("| yes |") || row.endsWith("| **no** |"), row);
    }

    /** {@code null} when every peer can run here, otherwise the first reason one cannot. */
    private static String whyNot() {
        for (Contender c : List.of(new LoopMount(null), new Fuse2fsMount(null, null))) {
            String why = c.unavailability();
            if (why != null) {
                return c.key() + ": " + why;
            }
        }
        return Host.isRoot() ? null : "not root: the page cache cannot be dropped";
    }

    @Test
    void badArgumentsAreUsageErrors() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(sink, true, StandardCharsets.UTF_8);
        CommandLine cli = new CommandLine(new Ext2Compare(ps, ps));
        cli.setErr(new PrintWriter(sink, true));
        assertEquals(2, cli.execute("--rounds", "0"));
        assertEquals(2, cli.execute("--cache", "lots"));
        assertEquals(2, cli.execute("--nonsense"));
    }
}
