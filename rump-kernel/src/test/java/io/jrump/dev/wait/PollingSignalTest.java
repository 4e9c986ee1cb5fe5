package io.jrump.dev.wait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a leader does before it sleeps: poll with signals suppressed, ask for them again, look once more. */
class PollingSignalTest {
    /** A device scripted by what the leader sees: an answer after {@code looksUntilAnswer} looks, or one that comes as signals are asked for again. */
    private static final class Scripted extends PollingSignal {
        final List<String> calls = new ArrayList<>();
        int looksUntilAnswer = -1;
        boolean answerOnRequest;
        int looks;

        Scripted(PollGate gate) {
            super(gate);
        }

        @Override
        public int reap() {
            return 0;
        }

        @Override
        protected boolean answerWaiting() {
            looks++;
            return looksUntilAnswer >= 0 && looks >= looksUntilAnswer;
        }

        @Override
        protected void suppressSignals() {
            calls.add("suppress");
        }

        @Override
        protected boolean requestSignals() {
            calls.add("request");
            return answerOnRequest;
        }

        @Override
        protected void sleep(long nanos) {
            calls.add("sleep");
        }
    }

    @Test
    void anAnswerWithinThePollIsSeenWithoutSleepingOrSignals() throws Exception {
        Scripted d = new Scripted(new PollGate(PollGate.SMALL_ANSWERS));
        d.looksUntilAnswer = 1; // the first look of the poll: no clock involved
        d.awaitSignal(1_000_000_000L);
        assertEquals(List.of("suppress"), d.calls, "the reap that follows asks for signals again");
    }

    @Test
    void aPollThatMissesAsksForSignalsAndLooksBeforeSleeping() throws Exception {
        Scripted d = new Scripted(new PollGate(PollGate.SMALL_ANSWERS));
        d.awaitSignal(1_000_000_000L);
        assertEquals(List.of("suppress", "request", "sleep"), d.calls);

        Scripted late = new Scripted(new PollGate(PollGate.SMALL_ANSWERS));
        late.answerOnRequest = true; // came between the last look and the request for signals
        late.awaitSignal(1_000_000_000L);
        assertEquals(List.of("suppress", "request"), late.calls, "not slept through");
    }

    @Test
    void aGateThatSaysNoSleepsAtOnceWithSignalsOn() throws Exception {
        PollGate gate = new PollGate(PollGate.SMALL_ANSWERS);
        for (int i = 0; i < 40; i++) {
            gate.answered(1_000_000); // slow answers: not worth polling
        }
        Scripted d = new Scripted(gate);
        d.awaitSignal(1_000_000_000L);
        assertEquals(List.of("sleep"), d.calls);
        assertTrue(d.looks <= 1, "at most the look that times the answer");
    }
}
