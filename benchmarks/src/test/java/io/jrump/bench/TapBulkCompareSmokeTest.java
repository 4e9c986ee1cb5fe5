package io.jrump.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Runs the TAP bulk comparison ({@code compare --tap-bulk}) in its smoke mode and checks the
 * table's shape: both directions have a row with the veth peer's figures. No timing is checked;
 * the sink checks that every byte arrived. Needs root and the tools; skipped with the reason
 * otherwise.
 */
class TapBulkCompareSmokeTest {
    @Test
    void bothDirectionsHaveARowAgainstTheVeth() {
        String why = TapBulkCompare.unusable();
        assumeTrue(why == null, why);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int status = new CommandLine(new Compare(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(log, true, StandardCharsets.UTF_8))).execute("--tap-bulk", "--smoke");
        String table = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, () -> table + log.toString(StandardCharsets.UTF_8));
        List<String> rows = table.lines().skip(2).takeWhile(l -> l.startsWith("| ")).toList();
        assertEquals(2, rows.size(), table);
        assertTrue(rows.get(0).startsWith("| bulk TCP over a TAP, Linux to jrump"), table);
        assertTrue(rows.get(1).startsWith("| bulk TCP over a TAP, jrump to Linux"), table);
        for (String row : rows) {
            assertTrue(row.contains("Linux to Linux over a veth (socat): "), row);
            assertTrue(row.endsWith("| yes |") || row.endsWith("| **no** |"), row);
        }
        assertTrue(table.contains("iperf3 over the same veth"), table);
    }
}
