package io.jrump.bench;

import io.jrump.api.RumpBuilder;
import io.jrump.api.RumpKernel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Warm boot: boot and close a kernel with the VFS and tmpfs, from one builder (linked once),
 * and from a fresh builder each time, against starting and joining a platform thread, what a design with a thread per kernel
 * would pay before doing anything. A NetBSD rump kernel takes about 10 ms to boot.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BootBenchmark {
    private RumpBuilder builder;

    @Setup
    public void link() {
        builder = Workloads.tmpfsKernel();
        builder.boot().close();
    }

    @Benchmark
    public RumpKernel bootAndClose() {
        RumpKernel kernel = builder.boot();
        kernel.close();
        return kernel;
    }

    /**
     * What most programs write, {@code Rump.builder()...boot()}: a fresh builder per kernel, so
     * every boot links its configuration first (the service lookups are kept per class loader,
     * the rest is done again).
     */
    @Benchmark
    public RumpKernel freshBuilderBootAndClose() {
        RumpKernel kernel = Workloads.tmpfsKernel().boot();
        kernel.close();
        return kernel;
    }

    @Benchmark
    public Thread threadStartJoin() throws InterruptedException {
        Thread thread = new Thread(BootBenchmark::nothing);
        thread.start();
        thread.join();
        return thread;
    }

    private static void nothing() {
    }
}
