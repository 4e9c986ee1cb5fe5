package io.jrump.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Runs the comparison in its tiny in-process mode and checks the table's shape: every case
 * has a row with figures on both sides where it has a peer. No timing is checked; figures
 * from such a short run mean nothing.
 */
class CompareSmokeTest {
    @Test
    void everyCaseHasARow() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int status = new CommandLine(new Compare(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(log, true, StandardCharsets.UTF_8)))
                .execute("--smoke");
        String table = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, () -> table + log.toString(StandardCharsets.UTF_8));

        List<String> lines = table.lines().toList();
        assertEquals(Row.HEADER.lines().toList(), lines.subList(0, 2));
        List<String> rows = lines.stream().skip(2).takeWhile(l -> l.startsWith("| ")).toList();
        String[] names = {"warm boot + close", "fresh builder boot + close", "retained heap per idle kernel (100 alive)", "threads per idle kernel (100 alive)",
            "getpid() through Syscalls", "pread 4 KiB from a tmpfs file"};
        assertEquals(names.length, rows.size(), table);
        for (int i = 0; i < names.length; i++) {
            String row = rows.get(i);
            assertTrue(row.startsWith("| " + names[i]), row);
            assertEquals(8, row.split("\\|", -1).length, () -> "six cells between seven bars: " + row);
            assertTrue(row.endsWith("| yes |") || row.endsWith("| **no** |"), row);
        }
        assertTrue(rows.get(0).contains("platform thread start + join: "), rows.get(0));
        assertTrue(rows.get(1).contains("the same from one builder: "), rows.get(1));
        assertTrue(rows.get(4).contains("JNA direct call of libc getpid: "), rows.get(4));
        assertTrue(rows.get(5).contains("FileChannel.read"), rows.get(5));
        assertTrue(table.contains("NetBSD reference"), table);
    }

    @Test
    void badArgumentsAreUsageErrors() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(sink, true, StandardCharsets.UTF_8);
        CommandLine cli = new CommandLine(new Compare(ps, ps));
        cli.setErr(new java.io.PrintWriter(sink, true));
        assertEquals(2, cli.execute("--rounds", "x"));
        assertEquals(2, cli.execute("--nonsense"));
        assertEquals(2, cli.execute("--fleet", "0"));
    }
}
