package io.jrump.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.measure.Samples;
import io.jrump.measure.Units;
import org.junit.jupiter.api.Test;

/** The verdict cell: a target against a peer has none when the peer could not run. */
class RowTest {
    private static final Samples TWO = Samples.of(2.0, 2.0, 2.0);
    private static final Samples ONE = Samples.of(1.0, 1.0, 1.0);

    @Test
    void throughputTargetsCompareWithThePeer() {
        assertTrue(new Row("r", Units::digits, TWO, "peer", ONE, Target.atLeastTimesPeer(1.5, "≥ 1.5x")).markdown().endsWith("| 2.00 | ≥ 1.5x | yes |"));
        assertTrue(new Row("r", Units::digits, ONE, "peer", TWO, Target.atLeastTimesPeer(0.8, "≥ 0.8x")).markdown().endsWith("| **no** |"));
    }

    @Test
    void aSkippedPeerLeavesNoVerdict() {
        String row = new Row("r", Units::digits, TWO, "peer skipped: not root", null, Target.atLeastTimesPeer(1, "≥ 1x")).markdown();
        assertTrue(row.endsWith("| peer skipped: not root | — | ≥ 1x | — |"), row);
        assertTrue(new Row("r", Units::digits, TWO, "none", null, Target.atMost(3, "≤ 3")).markdown().endsWith("| yes |"));
    }
}
