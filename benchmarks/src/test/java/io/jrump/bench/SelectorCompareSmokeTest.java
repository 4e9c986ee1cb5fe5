package io.jrump.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the selector comparison in its smoke mode and checks the table's shape; no figure is checked. */
class SelectorCompareSmokeTest {
    @Test
    void everyCaseHasARowWithItsPeer() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        String table = SelectorCompare.of("--smoke", new PrintStream(log, true, StandardCharsets.UTF_8)).run();
        List<String> rows = table.lines().skip(2).takeWhile(l -> l.startsWith("| ")).toList();
        assertEquals(3, rows.size(), table);
        assertTrue(rows.get(0).startsWith("| selectNow, 100 datagram channels registered, 1 ready"), table);
        assertTrue(rows.get(1).startsWith("| selectNow, 1,000 datagram channels registered, 1 ready"), table);
        assertTrue(rows.get(2).startsWith("| Selector wake-up latency"), table);
        for (String row : rows) {
            assertTrue(row.contains(SelectorCompare.PEER), row);
            assertEquals(8, row.split("\\|", -1).length, row);
        }
    }
}
