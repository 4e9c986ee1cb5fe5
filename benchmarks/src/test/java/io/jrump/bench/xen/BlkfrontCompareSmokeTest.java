package io.jrump.bench.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The blkfront comparison runs end to end on a tiny disk; its figures mean nothing here. */
class BlkfrontCompareSmokeTest {
    @Test
    void producesRowsForTheEmulatedBackendAndQemu() throws Exception {
        String table = BlkfrontCompare.run(1, 2, 64, 0);
        String[] lines = table.strip().split("\n");
        // each sequential case with a shared and a JVM buffer, two random cases, then CPU per operation of the six
        assertEquals(12, Arrays.stream(lines).filter(l -> l.contains("emulated blkback")).count(), table);
        assertTrue(table.contains("buffer in shared memory") && table.contains("JVM buffer (one copy)"), table);
        long qemu = Arrays.stream(lines).filter(l -> l.contains("QEMU xen-disk")).count();
        long ceilings = Arrays.stream(lines).filter(l -> l.startsWith("| ceiling on the ")).count();
        if (qemu == 1) { // QEMU cannot run here: one line saying what is missing
            assertTrue(table.contains("not measured") && ceilings == 0, table);
            assertEquals(2 + 12 + 1, lines.length, table);
        } else {
            // the twelve rows, QEMU's own CPU for each sequential case, the reads' ceiling from it, the read's irreducible work and its ceiling
            assertEquals(12 + 2, qemu, table);
            assertEquals(2, ceilings, table);
            assertEquals(1, Arrays.stream(lines).filter(l -> l.startsWith("| QEMU's irreducible work per MiB read")).count(), table);
            assertEquals(2 + 12 + 12 + 2 + 2 + 1, lines.length, table);
        }
        assertTrue(table.contains("QD32"), table);
    }
}
