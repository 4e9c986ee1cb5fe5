package io.jrump.fs.nio;

import io.jrump.api.ErrnoException;
import io.jrump.api.Fcntl;
import io.jrump.api.Syscalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A file of an image opened through NIO: a kernel file descriptor, read and written with the
 * kernel's {@code read}/{@code write} (positional ones with {@code pread}/{@code pwrite}),
 * positioned with {@code lseek}. The descriptor's offset is the channel's position, so the
 * channel behaves as a C program's descriptor would (append mode writes at the end whatever
 * the position). It is a {@link FileChannel}, as the default provider's channels are, so
 * {@code FileChannel.open} works on images; memory mapping and file locks are not offered
 * (an image's pages are not host memory, and the kernel has no locks), and say so.
 */
final class RumpByteChannel extends FileChannel {
    private static final int TRANSFER_BUFFER = 1 << 16;

    private final RumpFileSystem fs;
    private final RumpPath path;
    private final int fd;
    private final boolean readable;
    private final boolean writable;
    private final boolean deleteOnClose;

    RumpByteChannel(RumpFileSystem fs, RumpPath path, int fd, boolean readable, boolean writable, boolean deleteOnClose) {
        this.fs = fs;
        this.path = path;
        this.fd = fd;
        this.readable = readable;
        this.writable = writable;
        this.deleteOnClose = deleteOnClose;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        Syscalls sys = readableSys();
        if (!dst.hasRemaining()) {
            return 0;
        }
        try {
            int n = sys.read(fd, dst);
            return n == 0 ? -1 : n;
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        checkPosition(position);
        Syscalls sys = readableSys();
        if (!dst.hasRemaining()) {
            return 0;
        }
        try {
            int n = sys.pread(fd, dst, position);
            return n == 0 ? -1 : n;
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            if (!dsts[i].hasRemaining()) {
                continue;
            }
            int n = read(dsts[i]);
            if (n < 0) {
                return total == 0 ? -1 : total;
            }
            total += n;
            if (dsts[i].hasRemaining()) {
                break; // short read: the file ended
            }
        }
        return total;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        Syscalls sys = writableSys();
        int total = 0;
        try {
            while (src.hasRemaining()) {
                total += sys.write(fd, src);
            }
        } catch (ErrnoException e) {
            return partial(total, e);
        }
        return total;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        checkPosition(position);
        Syscalls sys = writableSys();
        int total = 0;
        try {
            while (src.hasRemaining()) {
                total += sys.pwrite(fd, src, position + total);
            }
        } catch (ErrnoException e) {
            return partial(total, e);
        }
        return total;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            try {
                total += write(srcs[i]);
            } catch (IOException e) {
                if (total == 0) {
                    throw e;
                }
                return total;
            }
            if (srcs[i].hasRemaining()) {
                break; // short write: the disk is full
            }
        }
        return total;
    }

    /**
     * A write that failed after some bytes went in reports those bytes, as a short write
     * ({@code FileChannel}'s contract, and POSIX {@code write}'s): the caller learns exactly
     * how much of its data the file holds, and the next write reports the error.
     */
    private int partial(int written, ErrnoException e) throws IOException {
        if (written == 0) {
            throw NioErrors.translate(e, path, null);
        }
        return written;
    }

    @Override
    public long position() throws IOException {
        return seek(0, Fcntl.SEEK_CUR);
    }

    @Override
    public RumpByteChannel position(long newPosition) throws IOException {
        checkPosition(newPosition);
        seek(newPosition, Fcntl.SEEK_SET);
        return this;
    }

    @Override
    public long size() throws IOException {
        Syscalls sys = sys();
        try {
            return sys.fstat(fd).size();
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
    }

    /** Shrinks the file to {@code size} if it is larger, and moves the position back to it if beyond. */
    @Override
    public RumpByteChannel truncate(long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        Syscalls sys = writableSys();
        try {
            if (size < sys.fstat(fd).size()) {
                sys.ftruncate(fd, size);
            }
            if (position() > size) {
                position(size);
            }
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
        return this;
    }

    /** {@code fsync}: the kernel writes the file's data and inode through to the image either way. */
    @Override
    public void force(boolean metaData) throws IOException {
        Syscalls sys = sys();
        try {
            sys.fsync(fd);
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        checkPosition(position);
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(TRANSFER_BUFFER, Math.max(count, 1)));
        long done = 0;
        while (done < count) {
            buf.clear().limit((int) Math.min(buf.capacity(), count - done));
            int n = read(buf, position + done);
            if (n <= 0) {
                break;
            }
            buf.flip();
            while (buf.hasRemaining()) {
                target.write(buf);
            }
            done += n;
        }
        return done;
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        checkPosition(position);
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(TRANSFER_BUFFER, Math.max(count, 1)));
        long done = 0;
        while (done < count) {
            buf.clear().limit((int) Math.min(buf.capacity(), count - done));
            int n = src.read(buf);
            if (n <= 0) {
                break;
            }
            buf.flip();
            write(buf, position + done);
            done += n;
        }
        return done;
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) {
        throw new UnsupportedOperationException(path + ": a file in an image cannot be memory-mapped");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) {
        throw new UnsupportedOperationException(path + ": the kernel has no file locks");
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) {
        throw new UnsupportedOperationException(path + ": the kernel has no file locks");
    }

    /**
     * Closes the descriptor (and removes the file if asked at open). Runs also when the file
     * system closes, before it unmounts, so the unmount finds the file system idle; that is
     * why it uses the kernel directly rather than the file system's open check.
     */
    @Override
    protected void implCloseChannel() throws IOException {
        fs.forget(this);
        Syscalls sys = fs.image().sys();
        try {
            sys.close(fd);
            if (deleteOnClose) {
                sys.unlink(path.kernelPath());
            }
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
    }

    private long seek(long offset, int whence) throws IOException {
        Syscalls sys = sys();
        try {
            return sys.lseek(fd, offset, whence);
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
    }

    private static void checkPosition(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("negative position " + position);
        }
    }

    private Syscalls readableSys() throws ClosedChannelException {
        Syscalls sys = sys();
        if (!readable) {
            throw new NonReadableChannelException();
        }
        return sys;
    }

    private Syscalls writableSys() throws ClosedChannelException {
        Syscalls sys = sys();
        if (!writable) {
            throw new NonWritableChannelException();
        }
        return sys;
    }

    private Syscalls sys() throws ClosedChannelException {
        if (!isOpen() || !fs.isOpen()) {
            throw new ClosedChannelException();
        }
        return fs.sys();
    }
}
