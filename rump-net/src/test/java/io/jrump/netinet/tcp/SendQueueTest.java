package io.jrump.netinet.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

class SendQueueTest {
    private static ByteBuffer numbered(int n) {
        return ByteBuffer.allocate(4).putInt(0, n);
    }

    /** Several threads build batches under one lock and flush after unlocking, as connections do. */
    @Test
    void concurrentFlushersTransmitInLockOrder() throws Exception {
        SendQueue<ByteBuffer> q = new SendQueue<>();
        ReentrantLock lock = new ReentrantLock();
        List<Integer> wire = new ArrayList<>();
        int threads = 4;
        int rounds = 20_000;
        int[] next = {0};
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int r = 0; r < rounds; r++) {
                    lock.lock();
                    List<ByteBuffer> batch = new ArrayList<>();
                    for (int k = 0; k < 1 + r % 3; k++) {
                        batch.add(numbered(next[0]++));
                    }
                    q.add(batch);
                    lock.unlock();
                    // the wire is only ever touched by one flusher at a time
                    q.flush(b -> wire.add(b.getInt(0)));
                }
            });
            ts.add(th);
            th.start();
        }
        start.countDown();
        for (Thread th : ts) {
            th.join();
        }
        q.flush(b -> wire.add(b.getInt(0)));
        assertEquals(next[0], wire.size());
        for (int i = 0; i < wire.size(); i++) {
            assertEquals(i, wire.get(i), "segment out of order at " + i);
        }
    }

    /** A transmission that re-enters (a delivery answered on the same thread) neither deadlocks nor reorders. */
    @Test
    void reentrantFlushIsSentByTheOuterFlush() {
        SendQueue<ByteBuffer> q = new SendQueue<>();
        List<Integer> wire = new ArrayList<>();
        q.add(List.of(numbered(0), numbered(1)));
        q.flush(b -> {
            int n = b.getInt(0);
            wire.add(n);
            if (n < 5) {
                q.add(List.of(numbered(n + 2)));
                q.flush(x -> wire.add(-1)); // another flusher is active: must return at once
            }
        });
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), wire);
    }

    /** A transmission that throws leaves the queue usable: the next flush sends what is queued then. */
    @Test
    void aThrowingTransmissionDoesNotStallTheQueue() {
        SendQueue<ByteBuffer> q = new SendQueue<>();
        q.add(List.of(numbered(0), numbered(1)));
        try {
            q.flush(b -> {
                throw new IllegalStateException("device gone");
            });
        } catch (IllegalStateException expected) {
            // the batch being sent is lost with the exception, as a frame a device refuses
        }
        List<Integer> wire = new ArrayList<>();
        q.add(List.of(numbered(2)));
        q.flush(b -> wire.add(b.getInt(0)));
        assertEquals(List.of(2), wire);
    }

    @Test
    void clearDropsUnsent() {
        SendQueue<ByteBuffer> q = new SendQueue<>();
        q.add(List.of(numbered(1)));
        q.clear();
        List<Integer> wire = new ArrayList<>();
        q.flush(b -> wire.add(1));
        assertTrue(wire.isEmpty());
    }
}
