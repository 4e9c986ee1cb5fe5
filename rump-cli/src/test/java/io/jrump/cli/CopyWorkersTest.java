package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link CopyWorkers}: jobs on other threads, drain waiting for all, the first failure stopping the rest. */
class CopyWorkersTest {
    @Test
    void jobsRunOnWorkerThreadsAndDrainWaitsForEveryOne() throws Exception {
        AtomicInteger done = new AtomicInteger();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        try (CopyWorkers w = new CopyWorkers(2)) {
            for (int i = 0; i < 500; i++) {
                w.submit(() -> {
                    threads.add(Thread.currentThread().getName());
                    done.incrementAndGet();
                });
            }
            w.drain();
            assertEquals(500, done.get());
        }
        assertTrue(threads.stream().anyMatch(n -> n.startsWith("rump-cp-")), threads.toString());
    }

    @Test
    void theFirstFailureSkipsWhatFollowsAndComesBackUnchanged() throws Exception {
        ErrnoException failure = new ErrnoException(Errno.EISDIR, "open", "/out/f", null);
        CountDownLatch go = new CountDownLatch(1);
        AtomicBoolean laterRan = new AtomicBoolean();
        try (CopyWorkers w = new CopyWorkers(1)) {
            w.submit(() -> {
                await(go);
                throw failure;
            });
            w.submit(() -> laterRan.set(true)); // queued behind the failing job on the one worker
            go.countDown();
            assertSame(failure, assertThrows(ErrnoException.class, w::drain));
            assertSame(failure, assertThrows(ErrnoException.class, () -> w.submit(() -> laterRan.set(true))));
        }
        assertFalse(laterRan.get(), "a job after the failure was run");
    }

    @Test
    void closeReturnsOnlyWhenNoJobRuns() throws Exception {
        AtomicBoolean finished = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(1);
        CopyWorkers w = new CopyWorkers(1);
        w.submit(() -> {
            started.countDown();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            finished.set(true);
        });
        assertTrue(started.await(10, TimeUnit.SECONDS));
        w.close();
        assertTrue(finished.get());
    }

    private static void await(CountDownLatch l) {
        try {
            l.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
