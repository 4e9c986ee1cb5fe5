package io.jrump.bench.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A peer's side: a file system the host mounted (Linux's ext2 on a loop device, fuse2fs),
 * driven with plain {@link FileChannel} and {@link Files} calls; fsync is
 * {@code force(true)}. Unmounting is the mount's business, given as {@code unmounter}.
 */
final class HostFs implements MountedFs {
    private final Path root;
    private final Unmounter unmounter;

    @FunctionalInterface
    interface Unmounter {
        void unmount() throws IOException;
    }

    HostFs(Path root, Unmounter unmounter) {
        this.root = root;
        this.unmounter = unmounter;
    }

    @Override
    public void writeAndFsync(String path, long bytes, ByteBuffer chunk) throws IOException {
        try (FileChannel ch = FileChannel.open(root.resolve(path), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long done = 0; done < bytes; done += chunk.capacity()) {
                chunk.clear();
                while (chunk.hasRemaining()) {
                    ch.write(chunk);
                }
            }
            ch.force(true);
        }
    }

    @Override
    public long readAll(String path, ByteBuffer chunk) throws IOException {
        try (FileChannel ch = FileChannel.open(root.resolve(path), StandardOpenOption.READ)) {
            long total = 0;
            int n;
            do {
                chunk.clear();
                n = ch.read(chunk);
                total += Math.max(n, 0);
            } while (n > 0);
            return total;
        }
    }

    @Override
    public PositionalReader openReader(String path) throws IOException {
        FileChannel ch = FileChannel.open(root.resolve(path), StandardOpenOption.READ);
        return new PositionalReader() {
            @Override
            public int pread(ByteBuffer dst, long offset) throws IOException {
                return ch.read(dst, offset);
            }

            @Override
            public void close() throws IOException {
                ch.close();
            }
        };
    }

    @Override
    public void mkdir(String path) throws IOException {
        Files.createDirectory(root.resolve(path));
    }

    @Override
    public void createFile(String path, ByteBuffer data) throws IOException {
        try (FileChannel ch = FileChannel.open(root.resolve(path), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer src = data.duplicate();
            while (src.hasRemaining()) {
                ch.write(src);
            }
        }
    }

    @Override
    public void stat(String path) throws IOException {
        Files.readAttributes(root.resolve(path), BasicFileAttributes.class);
    }

    @Override
    public void unlink(String path) throws IOException {
        Files.delete(root.resolve(path));
    }

    @Override
    public void rmdir(String path) throws IOException {
        Files.delete(root.resolve(path));
    }

    @Override
    public double unmount(boolean measureHeap) throws IOException {
        unmounter.unmount();
        return Double.NaN;
    }
}
