package io.jrump.measure;

import io.jrump.api.RumpBuilder;
import io.jrump.api.RumpKernel;
import java.util.function.IntConsumer;

/**
 * Many kernels booted from one configuration and kept alive together, with what that cost:
 * the time each boot took, and the heap and threads they hold while idle. This is the
 * "summoned just in time" figure: what it takes for a server to keep thousands of tenants'
 * kernels around.
 */
public final class KernelFleet implements AutoCloseable {
    /** What a fleet cost, measured around its boot. */
    public record Report(int kernels, Samples bootNanos, long heapBefore, long heapAfter, int threadsBefore, int threadsAfter) {
        /** Retained heap per kernel in bytes: used heap after GC with the fleet alive, less before, over the count. */
        public double heapBytesPerKernel() {
            return (double) (heapAfter - heapBefore) / kernels;
        }

        public double threadsPerKernel() {
            return (double) (threadsAfter - threadsBefore) / kernels;
        }
    }

    private final RumpKernel[] kernels;
    private final Report report;

    private KernelFleet(RumpKernel[] kernels, Report report) {
        this.kernels = kernels;
        this.report = report;
    }

    /**
     * Boots {@code count} kernels from {@code builder} and keeps them. {@code progress} is told
     * how many are up now and then (every 1% or so). If a boot fails, the kernels booted so far
     * are closed and the failure is thrown.
     */
    public static KernelFleet boot(RumpBuilder builder, int count, IntConsumer progress) {
        if (count <= 0) {
            throw new IllegalArgumentException("fleet of " + count + " kernels");
        }
        builder.boot().close(); // link the configuration outside the measurement
        long heapBefore = Heap.settledUsedBytes();
        int threadsBefore = Heap.liveThreads();
        RumpKernel[] kernels = new RumpKernel[count];
        long[] nanos = new long[count];
        int step = Math.max(1, count / 100);
        int booted = 0;
        try {
            for (; booted < count; booted++) {
                long t0 = System.nanoTime();
                kernels[booted] = builder.boot();
                nanos[booted] = System.nanoTime() - t0;
                if ((booted + 1) % step == 0) {
                    progress.accept(booted + 1);
                }
            }
        } catch (RuntimeException e) {
            closeAll(kernels, booted, e);
            throw e;
        }
        int threadsAfter = Heap.liveThreads();
        long heapAfter = Heap.settledUsedBytes();
        return new KernelFleet(kernels, new Report(count, Samples.of(nanos), heapBefore, heapAfter, threadsBefore, threadsAfter));
    }

    public Report report() {
        return report;
    }

    public int size() {
        return kernels.length;
    }

    /** Closes every kernel of the fleet; the first failure is thrown after all were tried. Closing again does nothing. */
    @Override
    public void close() {
        RuntimeException failure = closeAll(kernels, kernels.length, null);
        if (failure != null) {
            throw failure;
        }
    }

    private static RuntimeException closeAll(RumpKernel[] kernels, int count, RuntimeException pending) {
        RuntimeException failure = pending;
        for (int i = 0; i < count; i++) {
            if (kernels[i] == null) {
                continue; // closed before
            }
            try {
                kernels[i].close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
            kernels[i] = null;
        }
        return pending == null ? failure : null;
    }
}
