package io.jrump.fs.nio;

import io.jrump.api.ErrnoException;
import io.jrump.api.Fcntl;
import io.jrump.api.Syscalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * A file of an image opened through NIO: a kernel file descriptor, read and written with the
 * kernel's {@code read}/{@code write}, positioned with {@code lseek}. The descriptor's offset
 * is the channel's position, so the channel behaves as a C program's descriptor would
 * (append mode writes at the end whatever the position).
 *
 * <p>Safe for use by several threads as far as the kernel's descriptor is; like
 * {@code FileChannel}, a read and a position change racing each other see some order.
 */
final class RumpByteChannel implements SeekableByteChannel {
    private final RumpFileSystem fs;
    private final RumpPath path;
    private final int fd;
    private final boolean readable;
    private final boolean writable;
    private final boolean deleteOnClose;
    private volatile boolean open = true;

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
        Syscalls sys = sys();
        if (!readable) {
            throw new NonReadableChannelException();
        }
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
    public int write(ByteBuffer src) throws IOException {
        Syscalls sys = sys();
        if (!writable) {
            throw new NonWritableChannelException();
        }
        int total = 0;
        try {
            while (src.hasRemaining()) {
                total += sys.write(fd, src);
            }
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
        return total;
    }

    @Override
    public long position() throws IOException {
        return seek(0, Fcntl.SEEK_CUR);
    }

    @Override
    public RumpByteChannel position(long newPosition) throws IOException {
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position " + newPosition);
        }
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
        Syscalls sys = sys();
        if (!writable) {
            throw new NonWritableChannelException();
        }
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

    /** Writes the file's data and metadata to the image, as {@code FileChannel.force(true)}. */
    void force() throws IOException {
        Syscalls sys = sys();
        try {
            sys.fsync(fd);
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
    }

    @Override
    public boolean isOpen() {
        return open && fs.isOpen();
    }

    @Override
    public void close() throws IOException {
        if (!open) {
            return;
        }
        open = false;
        fs.forget(this);
        if (!fs.isOpen()) {
            return; // the kernel, and the descriptor with it, is gone
        }
        try {
            fs.sys().close(fd);
            if (deleteOnClose) {
                fs.sys().unlink(path.kernelPath());
            }
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
    }

    /**
     * Closes the descriptor as the file system closes, so the unmount that follows finds the
     * file system idle; a failure here is not the caller's (the file system's close reports
     * what matters, the unmount).
     */
    void abandon(Syscalls sys) {
        if (!open) {
            return;
        }
        open = false;
        try {
            sys.close(fd);
        } catch (ErrnoException e) {
            // the descriptor is gone either way
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

    private Syscalls sys() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
        return fs.sys();
    }
}
