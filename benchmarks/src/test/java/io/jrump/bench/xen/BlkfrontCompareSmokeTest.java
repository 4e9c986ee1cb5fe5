package io.jrump.bench.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The blkfront comparison runs end to end on a tiny disk; its figures mean nothing here. */
class BlkfrontCompareSmokeTest {
    @Test
    void producesRowsForTheEmulatedBackendAndQemu() throws Exception {
        String table = BlkfrontCompare.run(1, 2, 64);
        String[] lines = table.strip().split("\n");
        assertEquals(4, Arrays.stream(lines).filter(l -> l.contains("emulated blkback")).count(), table);
        long qemu = Arrays.stream(lines).filter(l -> l.contains("QEMU xen-disk")).count();
        // four rows where QEMU runs here, else one line saying what is missing
        assertTrue(qemu == 4 || (qemu == 1 && table.contains("not measured")), table);
        assertEquals(2 + 4 + qemu, lines.length, table);
        assertTrue(table.contains("QD32"), table);
    }
}
