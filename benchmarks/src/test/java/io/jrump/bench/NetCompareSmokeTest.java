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
 * Runs the network comparison ({@code compare --net}) in its smoke mode and checks the table's shape: every TCP case
 * has a row, with its peer's figures. No timing is checked; figures from such a short run mean
 * nothing. The workloads themselves check that every byte and every exchange arrived.
 */
class NetCompareSmokeTest {
    @Test
    void everyCaseHasARow() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int status = new CommandLine(new Compare(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(log, true, StandardCharsets.UTF_8))).execute("--net", "--smoke");
        String table = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, () -> table + log.toString(StandardCharsets.UTF_8));

        List<String> lines = table.lines().toList();
        assertEquals(Row.HEADER.lines().toList(), lines.subList(0, 2));
        List<String> rows = lines.stream().skip(2).takeWhile(l -> l.startsWith("| ")).toList();
        String[] names = {"bulk TCP, one connection, two kernels on the bus, MTU 1500", "bulk TCP, one connection, two kernels on the bus, MTU 9000",
            "bulk TCP, one connection, one kernel over 127.0.0.1", "1-byte request/response", "connections set up and torn down",
            "heap per idle established connection", "bulk TCP, MSS-sized segments", "bulk TCP under 1% loss",
            "cost of accounting: bulk TCP", "cost of accounting: 1-byte request/response", "summon latency, first SYN to first echoed byte, cold"};
        assertEquals(names.length, rows.size(), table);
        for (int i = 0; i < names.length; i++) {
            String row = rows.get(i);
            assertTrue(row.startsWith("| " + names[i]), row);
            assertEquals(8, row.split("\\|", -1).length, () -> "six cells between seven bars: " + row);
            boolean report = i >= 5 && i <= 7;
            assertTrue(report ? row.endsWith("| report | — |") : row.endsWith("| yes |") || row.endsWith("| **no** |"), row);
            String peer = switch (i) {
                case 7 -> "without loss: ";
                case 8, 9 -> "accounting=off: ";
                case 10 -> "warm (kernel running): ";
                default -> JdkStreamNet.NAME.substring(0, 17);
            };
            assertTrue(row.contains(peer), row);
        }
        assertTrue(table.contains("frames dropped"), table);
        assertTrue(table.contains("segmentation offload"), table);
        assertTrue(table.contains("0 client retransmissions"), "a summons lost a SYN: " + table);
    }
}
