package io.jrump.bench.fs;

import static io.jrump.api.OpenFlags.O_CREAT;
import static io.jrump.api.OpenFlags.O_EXCL;
import static io.jrump.api.OpenFlags.O_RDONLY;
import static io.jrump.api.OpenFlags.O_TRUNC;
import static io.jrump.api.OpenFlags.O_WRONLY;

import io.jrump.api.ErrnoException;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.measure.Heap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * jrump's side: a kernel booted on the image ({@code disk0}) with the ext2 driver mounted on
 * {@code /mnt}, every call made through {@link Syscalls}, as a Java program using jrump would.
 */
final class RumpFs implements MountedFs {
    static final String DEVICE = "disk0";
    private static final String MOUNT_POINT = "/mnt";

    private final RumpKernel kernel;
    private final Syscalls sys;

    private RumpFs(RumpKernel kernel) {
        this.kernel = kernel;
        this.sys = kernel.sys();
    }

    /** Boots a kernel on {@code image} and mounts it as ext2 with {@code options} ("cache=64m"). */
    static RumpFs mount(Path image, String options) throws IOException {
        RumpKernel kernel = Rump.builder().disk(DEVICE, image).boot();
        try {
            kernel.sys().mkdir(MOUNT_POINT, 0755);
            kernel.sys().mount(DEVICE, MOUNT_POINT, "ext2", 0, options);
            return new RumpFs(kernel);
        } catch (ErrnoException | RuntimeException e) {
            kernel.close();
            throw e;
        }
    }

    private static String at(String path) {
        return MOUNT_POINT + "/" + path;
    }

    @Override
    public void writeAndFsync(String path, long bytes, ByteBuffer chunk) throws IOException {
        int fd = sys.open(at(path), O_CREAT | O_WRONLY | O_TRUNC, 0644);
        try {
            for (long done = 0; done < bytes; done += chunk.capacity()) {
                chunk.clear();
                while (chunk.hasRemaining()) {
                    sys.write(fd, chunk);
                }
            }
            sys.fsync(fd);
        } finally {
            sys.close(fd);
        }
    }

    @Override
    public long readAll(String path, ByteBuffer chunk) throws IOException {
        int fd = sys.open(at(path), O_RDONLY);
        try {
            long total = 0;
            int n;
            do {
                chunk.clear();
                n = sys.read(fd, chunk);
                total += n;
            } while (n > 0);
            return total;
        } finally {
            sys.close(fd);
        }
    }

    @Override
    public PositionalReader openReader(String path) throws IOException {
        int fd = sys.open(at(path), O_RDONLY);
        return new PositionalReader() {
            @Override
            public int pread(ByteBuffer dst, long offset) throws IOException {
                return sys.pread(fd, dst, offset);
            }

            @Override
            public void close() throws IOException {
                sys.close(fd);
            }
        };
    }

    @Override
    public void mkdir(String path) throws IOException {
        sys.mkdir(at(path), 0755);
    }

    @Override
    public void createFile(String path, ByteBuffer data) throws IOException {
        int fd = sys.open(at(path), O_CREAT | O_EXCL | O_WRONLY, 0644);
        try {
            ByteBuffer src = data.duplicate();
            while (src.hasRemaining()) {
                sys.write(fd, src);
            }
        } finally {
            sys.close(fd);
        }
    }

    @Override
    public void stat(String path) throws IOException {
        sys.stat(at(path));
    }

    @Override
    public void unlink(String path) throws IOException {
        sys.unlink(at(path));
    }

    @Override
    public void rmdir(String path) throws IOException {
        sys.rmdir(at(path));
    }

    @Override
    public double unmount(boolean measureHeap) throws IOException {
        try {
            double before = measureHeap ? Heap.settledUsedBytes() : Double.NaN;
            sys.unmount(MOUNT_POINT, 0);
            return measureHeap ? before - Heap.settledUsedBytes() : Double.NaN;
        } finally {
            kernel.close();
        }
    }
}
