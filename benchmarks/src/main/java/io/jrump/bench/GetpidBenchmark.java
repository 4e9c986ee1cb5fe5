package io.jrump.bench;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cost of entering the kernel: {@code getpid} through {@link Syscalls}, against the
 * cheapest way Java has to make the host's {@code getpid}, a JNA direct-mapped native call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class GetpidBenchmark {
    /** libc through JNA direct mapping (the fastest JNA binding: no proxy, no reflection per call). */
    static final class LibC {
        static {
            Native.register(Platform.C_LIBRARY_NAME);
        }

        private LibC() {
        }

        static native int getpid();
    }

    private RumpKernel kernel;
    private Syscalls sys;

    @Setup
    public void boot() {
        kernel = Workloads.tmpfsKernel().boot();
        sys = kernel.sys();
        LibC.getpid();
    }

    @TearDown
    public void close() {
        kernel.close();
    }

    @Benchmark
    public int rumpGetpid() {
        return sys.getpid();
    }

    @Benchmark
    public int jnaGetpid() {
        return LibC.getpid();
    }
}
