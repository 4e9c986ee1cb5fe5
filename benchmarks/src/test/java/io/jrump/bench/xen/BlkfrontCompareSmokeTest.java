package io.jrump.bench.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The blkfront comparison runs end to end on a tiny disk; its figures mean nothing here. */
class BlkfrontCompareSmokeTest {
    @Test
    void producesFourRows() throws Exception {
        String table = BlkfrontCompare.run(1, 2, 64);
        assertEquals(6, table.strip().split("\n").length, table);
        assertTrue(table.contains("QD32"), table);
    }
}
