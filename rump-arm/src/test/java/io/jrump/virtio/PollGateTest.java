package io.jrump.virtio;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The decisions of {@link PollGate}, fed answer times and poll outcomes (no clock involved). */
class PollGateTest {
    @Test
    void pollsForTwiceTheRecentAnswerTime() {
        PollGate g = new PollGate();
        assertEquals(PollGate.WORTH_NANOS, g.pollNanos(), "a new gate expects answers in half the worth, and polls twice that");
        for (int i = 0; i < 40; i++) {
            g.answered(10_000);
        }
        long p = g.pollNanos();
        assertTrue(p >= 20_000 && p < 22_000, "about twice 10 µs: " + p);
    }

    @Test
    void slowAnswersAreSleptThrough() {
        PollGate g = new PollGate();
        for (int i = 0; i < 40; i++) {
            g.answered(100_000); // a 1 MiB copy
        }
        for (int i = 0; i < 2 * PollGate.PROBE_EVERY; i++) {
            assertEquals(0, g.pollNanos(), "wait " + i);
        }
        for (int i = 0; i < 40; i++) {
            g.answered(5_000);
        }
        assertTrue(g.pollNanos() > 0, "a device that got fast is polled again");
    }

    @Test
    void pollsThatMissStopButForProbes() {
        PollGate g = new PollGate();
        for (int i = 0; i < 4; i++) {
            g.polled(false);
        }
        int polls = 0;
        for (int i = 0; i < 4 * PollGate.PROBE_EVERY; i++) {
            if (g.pollNanos() > 0) {
                polls++;
                g.polled(false);
            }
        }
        assertEquals(4, polls, "one wait in " + PollGate.PROBE_EVERY + " still polls");
        for (int i = 0; i < PollGate.PROBE_EVERY * 10; i++) {
            if (g.pollNanos() > 0) {
                g.polled(true);
            }
        }
        for (int i = 0; i < 10; i++) {
            assertTrue(g.pollNanos() > 0, "polls that hit again make every wait poll: wait " + i);
            g.polled(true);
        }
    }
}
