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
        // twelve rows where QEMU runs here, else one line saying what is missing
        assertTrue(qemu == 12 || (qemu == 1 && table.contains("not measured")), table);
        assertEquals(2 + 12 + qemu, lines.length, table);
        assertTrue(table.contains("QD32"), table);
    }
}
