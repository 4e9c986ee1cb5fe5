package io.jrump.dev.wait;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The decisions of {@link PollGate}, fed answer times and poll outcomes (no clock involved). */
class PollGateTest {
    @Test
    void pollsForTwiceTheRecentAnswerTime() {
        PollGate g = new PollGate(PollGate.SMALL_ANSWERS);
        assertEquals(PollGate.SMALL_ANSWERS, g.pollNanos(), "a new gate expects answers in half the worth, and polls twice that");
        for (int i = 0; i < 40; i++) {
            g.answered(10_000);
        }
        long p = g.pollNanos();
        assertTrue(p >= 20_000 && p < 22_000, "about twice 10 µs: " + p);
        for (int i = 0; i < 40; i++) {
            g.answered(2_000);
        }
        assertEquals(PollGate.SMALL_ANSWERS / 2, g.pollNanos(), "never less than half the worth");
    }

    @Test
    void slowAnswersAreSleptThrough() {
        PollGate g = new PollGate(PollGate.SMALL_ANSWERS);
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
        PollGate g = new PollGate(PollGate.SMALL_ANSWERS);
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

    @Test
    void oneLongPauseDoesNotStopPollingForLong() {
        PollGate g = new PollGate(PollGate.SMALL_ANSWERS);
        for (int i = 0; i < 40; i++) {
            g.answered(10_000);
        }
        g.answered(5_000_000_000L); // the device left idle for seconds
        assertTrue(g.pollNanos() > 0, "one pause counts as at most " + PollGate.OUTLIER_WORTHS + " worths: still polled");
        for (int i = 0; i < 3; i++) {
            g.answered(5_000_000_000L);
        }
        assertEquals(0, g.pollNanos(), "after several long waits the average is above the worth");
        int quick = 0;
        while (g.pollNanos() == 0) {
            g.answered(10_000);
            quick++;
        }
        assertTrue(quick <= 12, "polling resumes within a dozen quick answers, not hundreds: " + quick);
    }

    @Test
    void theWorthIsTheGates() {
        PollGate large = new PollGate(200_000);
        for (int i = 0; i < 40; i++) {
            large.answered(70_000); // a 1 MiB read through a backend that copies it
        }
        long p = large.pollNanos();
        assertTrue(p >= 140_000 && p < 150_000, "a gate worth 200 µs polls answers of 70 µs, for twice that: " + p);
        PollGate small = new PollGate(PollGate.SMALL_ANSWERS);
        for (int i = 0; i < 40; i++) {
            small.answered(70_000);
        }
        assertEquals(0, small.pollNanos(), "one worth 40 µs sleeps through them");
    }

    @Test
    void spinSeesAnAnswerAndCountsTheHit() {
        PollGate g = new PollGate(PollGate.SMALL_ANSWERS);
        int[] looks = {0};
        assertTrue(g.spin(System.nanoTime(), 1_000_000_000L, () -> ++looks[0] == 3));
        assertEquals(3, looks[0]);
        assertFalse(g.spin(System.nanoTime(), 1_000, () -> false), "no answer within 1 µs");
    }
}
