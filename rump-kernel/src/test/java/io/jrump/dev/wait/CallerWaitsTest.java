package io.jrump.dev.wait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CallerWaitsTest {
    /** A device that answers what the test queues, one signal per answer. */
    static final class ScriptedDevice implements CallerWaits.Device {
        final ConcurrentLinkedQueue<Completion> answers = new ConcurrentLinkedQueue<>();
        final Semaphore signals = new Semaphore(0);
        final List<Completion> answered = new ArrayList<>();
        volatile ErrnoException signalFails;

        void answer(Completion c) {
            answers.add(c);
            signals.release();
        }

        @Override
        public int reap() {
            int n = 0;
            for (Completion c; (c = answers.poll()) != null; n++) {
                synchronized (answered) {
                    answered.add(c);
                }
                c.complete(answered.size());
            }
            return n;
        }

        @Override
        public void awaitSignal(long nanos) throws ErrnoException {
            if (signalFails != null) {
                throw signalFails;
            }
            try {
                signals.tryAcquire(nanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static long deadline(long seconds) {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    }

    @Test
    void eachAnswerWakesOnlyItsCaller() throws Exception {
        ScriptedDevice dev = new ScriptedDevice();
        CallerWaits waits = new CallerWaits(dev, new Object());
        int callers = 16;
        List<Completion> cs = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<Boolean>> all = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                Completion c = new Completion();
                cs.add(c);
                all.add(pool.submit(() -> waits.await(c, deadline(30))));
            }
            Thread.sleep(200); // every caller waiting: one leads, the rest park
            for (int i = 0; i < callers; i++) {
                dev.answer(cs.get(i));
                assertTrue(all.get(i).get(30, TimeUnit.SECONDS), "caller " + i + " answered");
                for (int j = i + 1; j < callers; j++) {
                    assertFalse(all.get(j).isDone(), "caller " + j + " still waits after answer " + i);
                }
            }
            // a herd would wake every follower still waiting on each answer: 15 + 14 + ... = 120 idle wake-ups; a stale
            // permit from a hand-off may cost one now and then
            assertTrue(waits.idleWakeups() < 2 * callers, "idle wake-ups " + waits.idleWakeups());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void resultsReachTheirOwnCallers() throws Exception {
        ScriptedDevice dev = new ScriptedDevice();
        CallerWaits waits = new CallerWaits(dev, new Object());
        Completion a = new Completion();
        Completion b = new Completion();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> fa = pool.submit(() -> waits.await(a, deadline(30)) ? a.result() : -1);
            Future<Integer> fb = pool.submit(() -> waits.await(b, deadline(30)) ? b.result() : -1);
            Thread.sleep(100);
            dev.answer(b);
            assertEquals(1, fb.get(30, TimeUnit.SECONDS));
            b.fail("never");
            dev.answer(a);
            assertEquals(2, fa.get(30, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void deadlineAndFailure() throws Exception {
        ScriptedDevice dev = new ScriptedDevice();
        CallerWaits waits = new CallerWaits(dev, new Object());
        Completion c = new Completion();
        assertFalse(waits.await(c, System.nanoTime() + 20_000_000), "nobody answers: false at the deadline");
        c.fail("backend gone");
        assertTrue(waits.await(c, deadline(1)));
        ErrnoException e = assertThrows(ErrnoException.class, c::result);
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("backend gone"), e.getMessage());
        dev.signalFails = new ErrnoException(Errno.EBADF, "channel closed");
        assertEquals(Errno.EBADF, assertThrows(ErrnoException.class, () -> waits.await(new Completion(), deadline(1))).errno());
    }

    @Test
    void awaitRoomLeadsWhenNobodyDoes() throws Exception {
        ScriptedDevice dev = new ScriptedDevice();
        CallerWaits waits = new CallerWaits(dev, new Object());
        Completion c = new Completion();
        dev.answer(c);
        waits.awaitRoom(deadline(5));
        assertTrue(c.isDone(), "the room waiter reaped the answer");
    }
}
