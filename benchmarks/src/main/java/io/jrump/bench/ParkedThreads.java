package io.jrump.bench;

import io.jrump.measure.Heap;
import java.util.concurrent.CountDownLatch;

/**
 * The peer of an idle kernel in a thread-per-kernel design: a started platform thread,
 * parked. What it costs is mostly its stack and the host's thread, neither on the Java heap,
 * so the comparison is made on the thread count.
 */
final class ParkedThreads {
    /** Heap and threads held by the parked threads, per thread. */
    record Cost(double heapBytesPerThread, double threadsPerThread) {
    }

    private ParkedThreads() {
    }

    static Cost measure(int count) throws InterruptedException {
        long heapBefore = Heap.settledUsedBytes();
        int threadsBefore = Heap.liveThreads();
        CountDownLatch started = new CountDownLatch(count);
        CountDownLatch release = new CountDownLatch(1);
        Thread[] threads = new Thread[count];
        try {
            for (int i = 0; i < count; i++) {
                threads[i] = new Thread(() -> {
                    started.countDown();
                    awaitQuietly(release);
                }, "parked-" + i);
                threads[i].start();
            }
            started.await();
            int threadsAfter = Heap.liveThreads();
            long heapAfter = Heap.settledUsedBytes();
            return new Cost((double) (heapAfter - heapBefore) / count, (double) (threadsAfter - threadsBefore) / count);
        } finally {
            release.countDown();
            for (Thread t : threads) {
                if (t != null) {
                    t.join();
                }
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        while (true) {
            try {
                latch.await();
                return;
            } catch (InterruptedException e) {
                // parked threads are only released by the latch
            }
        }
    }
}
