package io.jrump.cli;

import io.jrump.api.RumpBuilder;
import io.jrump.measure.KernelFleet;
import io.jrump.measure.Units;
import java.io.PrintWriter;

/**
 * Part four of the demo: many kernels alive at once, with what each costs while idle (boot
 * time, retained heap, threads). The point of a rump kernel on the JVM is that this is cheap
 * enough to give every tenant, request or test a kernel of its own.
 */
final class FleetTour {
    private FleetTour() {
    }

    /** {@code what} describes the kernels in the heading ("vfs + tmpfs"). */
    static void run(RumpBuilder builder, String what, int count, Transcript transcript, PrintWriter progressOut, boolean showProgress) {
        transcript.section(Units.count(count) + " kernels (" + what + "), all alive at once");
        IntProgress progress = new IntProgress(progressOut, "booting kernels", count, showProgress);
        long t0 = System.nanoTime();
        try (KernelFleet fleet = KernelFleet.boot(builder, count, progress::update)) {
            long bootWall = System.nanoTime() - t0;
            progress.done();
            KernelFleet.Report r = fleet.report();
            transcript.line("booted " + Units.count(count) + " kernels in " + Units.nanos(bootWall)
                    + " (with GC before and after): boot median " + Units.nanos(r.bootNanos().median())
                    + ", p99 " + Units.nanos(r.bootNanos().percentile(99)) + " per kernel");
            transcript.line("retained heap: " + Units.bytes(r.heapBytesPerKernel()) + " per kernel ("
                    + Units.bytes(r.heapAfter() - r.heapBefore()) + " for all, used heap after GC with them alive, less before)");
            transcript.line("threads: " + Units.digits(r.threadsPerKernel()) + " per kernel (" + r.threadsBefore()
                    + " live threads before, " + r.threadsAfter() + " with all kernels up)");
            long c0 = System.nanoTime();
            fleet.close();
            transcript.line("closed " + Units.count(count) + " kernels in " + Units.nanos(System.nanoTime() - c0));
        } finally {
            progress.done();
        }
    }
}
