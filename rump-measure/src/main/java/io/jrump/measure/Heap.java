package io.jrump.measure;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;

/**
 * Gauges for what an idle kernel costs: used heap after a full collection, and live threads.
 * A single {@code System.gc()} may leave garbage behind (a concurrent cycle still running,
 * reference processing pending), so the heap is read after collections stop freeing memory.
 */
public final class Heap {
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private Heap() {
    }

    /** Used heap in bytes once garbage collection has settled (at most a few full collections). */
    public static long settledUsedBytes() {
        long used = collectAndRead();
        for (int i = 0; i < 4; i++) {
            long again = collectAndRead();
            if (again >= used - used / 1000) {
                return Math.min(used, again);
            }
            used = again;
        }
        return used;
    }

    private static long collectAndRead() {
        System.gc();
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return MEMORY.getHeapMemoryUsage().getUsed();
    }

    /** Live threads in this JVM, daemon or not. */
    public static int liveThreads() {
        return THREADS.getThreadCount();
    }
}
