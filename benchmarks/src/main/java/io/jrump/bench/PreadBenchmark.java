package io.jrump.bench;

import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * A 4 KiB positional read from a file in memory: {@code pread} on a tmpfs file of a kernel,
 * against {@link FileChannel#read(ByteBuffer, long)} on a file in the host's /dev/shm. Both
 * read into the same direct buffer (the channel's fast path) and walk the same 1 MiB file
 * block by block.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PreadBenchmark {
    static final int BLOCK = 4096;
    private static final int BLOCKS = Workloads.FILE_SIZE / BLOCK;

    private RumpKernel kernel;
    private Syscalls sys;
    private int fd;
    private Path hostFile;
    private FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BLOCK);
    private int block;

    @Setup
    public void createFiles() throws IOException {
        byte[] data = Workloads.pattern(Workloads.FILE_SIZE);
        kernel = Workloads.tmpfsKernel().boot();
        sys = kernel.sys();
        int w = sys.open("/bench.dat", OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC, 0644);
        ByteBuffer src = ByteBuffer.wrap(data);
        while (src.hasRemaining()) {
            sys.write(w, src);
        }
        sys.close(w);
        fd = sys.open("/bench.dat", OpenFlags.O_RDONLY);
        hostFile = Workloads.createHostFile(data);
        channel = FileChannel.open(hostFile, StandardOpenOption.READ);
    }

    @TearDown
    public void deleteFiles() throws IOException {
        channel.close();
        Files.deleteIfExists(hostFile);
        kernel.close();
    }

    private long nextOffset() {
        block = (block + 1) % BLOCKS;
        return (long) block * BLOCK;
    }

    @Benchmark
    public int rumpPread() throws ErrnoException {
        buffer.clear();
        return sys.pread(fd, buffer, nextOffset());
    }

    @Benchmark
    public int fileChannelRead() throws IOException {
        buffer.clear();
        return channel.read(buffer, nextOffset());
    }
}
