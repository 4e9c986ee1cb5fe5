package io.jrump.bench;

import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What per-kernel accounting adds to a system call: the same calls on a kernel booted with
 * {@code accounting=on} (every call counted and timed) and with {@code accounting=off} (the bare
 * system call layer), the peer. {@code lseek} is about the cheapest call that is timed, so the
 * meter's share shows most there; a 4 KiB {@code pread} is a typical one. Run with
 * {@code -prof gc} to see that the meter allocates nothing per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AccountingBenchmark {
    @Param({"off", "on"})
    public String accounting;

    private RumpKernel kernel;
    private Syscalls sys;
    private int fd;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(PreadBenchmark.BLOCK);

    @Setup
    public void boot() throws ErrnoException {
        kernel = Workloads.tmpfsKernel().option("accounting", accounting).boot();
        sys = kernel.sys();
        fd = sys.open("/bench.dat", OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_TRUNC, 0644);
        ByteBuffer src = ByteBuffer.wrap(Workloads.pattern(PreadBenchmark.BLOCK));
        while (src.hasRemaining()) {
            sys.write(fd, src);
        }
    }

    @TearDown
    public void close() {
        kernel.close();
    }

    @Benchmark
    public long lseek() throws ErrnoException {
        return sys.lseek(fd, 0, 0);
    }

    @Benchmark
    public int pread() throws ErrnoException {
        buffer.clear();
        return sys.pread(fd, buffer, 0);
    }
}
