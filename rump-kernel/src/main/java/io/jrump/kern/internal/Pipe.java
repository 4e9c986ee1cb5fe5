package io.jrump.kern.internal;

import io.jrump.kern.CpuMeter;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.OpenFlags;
import io.jrump.api.PollFd;
import io.jrump.api.Stat;
import io.jrump.kern.Cred;
import io.jrump.kern.KFile;
import io.jrump.kern.WaitSet;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * A pipe: a bounded byte ring between a read end and a write end, with POSIX semantics
 * (pipe(7)): reads block while empty and return 0 once every writer is gone; writes block
 * while full and fail with EPIPE once every reader is gone; writes of at most
 * {@link #PIPE_BUF} bytes are atomic. The ring grows from a small buffer up to
 * {@link #CAPACITY}, so idle pipes stay cheap.
 */
final class Pipe {
    /** Linux's default pipe capacity (pipe(7)). */
    static final int CAPACITY = 65536;
    /** Writes up to this size are never interleaved with others (POSIX PIPE_BUF on Linux). */
    static final int PIPE_BUF = 4096;
    private static final int INITIAL = 512;

    private final long ino;
    private final Cred owner;
    private final Instant created;
    private byte[] ring = new byte[0];
    private int head;
    private int count;
    private boolean readerClosed;
    private boolean writerClosed;
    private final WaitSet waiters = new WaitSet();

    Pipe(long ino, Cred owner, Instant created) {
        this.ino = ino;
        this.owner = owner;
        this.created = created;
    }

    KFile readEnd(int flags) {
        return new End(OpenFlags.O_RDONLY | (flags & OpenFlags.O_NONBLOCK), true);
    }

    KFile writeEnd(int flags) {
        return new End(OpenFlags.O_WRONLY | (flags & OpenFlags.O_NONBLOCK), false);
    }

    private synchronized int read(ByteBuffer dst, boolean nonBlocking) throws ErrnoException {
        if (!dst.hasRemaining()) {
            return 0;
        }
        while (count == 0) {
            if (writerClosed || readerClosed) {
                // the read end closed under a blocked reader (its descriptor closed by another
                // thread, or the kernel closing): end of file, as when the writer goes
                return 0;
            }
            if (nonBlocking) {
                throw new ErrnoException(Errno.EAGAIN);
            }
            await();
        }
        int n = Math.min(count, dst.remaining());
        int first = Math.min(n, ring.length - head);
        dst.put(ring, head, first);
        dst.put(ring, 0, n - first);
        head = (head + n) % ring.length;
        count -= n;
        changed();
        return n;
    }

    private synchronized int write(ByteBuffer src, boolean nonBlocking) throws ErrnoException {
        int total = src.remaining();
        boolean atomic = total <= PIPE_BUF;
        int written = 0;
        while (src.hasRemaining()) {
            if (readerClosed || writerClosed) {
                // no reader any more, or the write end closed under a blocked writer
                if (written > 0) {
                    return written;
                }
                throw new ErrnoException(Errno.EPIPE);
            }
            int space = CAPACITY - count;
            if (space == 0 || (atomic && space < total)) {
                if (nonBlocking) {
                    if (written > 0) {
                        return written;
                    }
                    throw new ErrnoException(Errno.EAGAIN);
                }
                await();
                continue;
            }
            int n = Math.min(space, src.remaining());
            grow(count + n);
            int tail = (head + count) % ring.length;
            int first = Math.min(n, ring.length - tail);
            src.get(ring, tail, first);
            src.get(ring, 0, n - first);
            count += n;
            written += n;
            changed();
        }
        return written;
    }

    private void grow(int needed) {
        if (needed <= ring.length) {
            return;
        }
        int size = Math.max(INITIAL, ring.length);
        while (size < needed) {
            size <<= 1;
        }
        byte[] next = new byte[Math.min(size, CAPACITY)];
        int first = Math.min(count, ring.length - head);
        System.arraycopy(ring, head, next, 0, first);
        System.arraycopy(ring, 0, next, first, count - first);
        ring = next;
        head = 0;
    }

    private void await() throws ErrnoException {
        CpuMeter m = CpuMeter.pause();
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR);
        } finally {
            m.resume();
        }
    }

    private void changed() {
        notifyAll();
        waiters.wakeAll();
    }

    private synchronized int poll(boolean reader, int events) {
        int r = 0;
        if (reader) {
            if (count > 0) {
                r |= events & (PollFd.POLLIN | PollFd.POLLRDNORM);
            }
            if (writerClosed) {
                r |= PollFd.POLLHUP;
            }
        } else {
            if (readerClosed) {
                r |= PollFd.POLLERR;
            } else if (CAPACITY - count >= PIPE_BUF) {
                r |= events & (PollFd.POLLOUT | PollFd.POLLWRNORM);
            }
        }
        return r;
    }

    private synchronized void close(boolean reader) {
        if (reader) {
            readerClosed = true;
            ring = new byte[0];
            head = 0;
            count = 0;
        } else {
            writerClosed = true;
        }
        changed();
    }

    private synchronized Stat stat() {
        return new Stat(0, ino, FileMode.S_IFIFO | 0600, 1, owner.euid(), owner.egid(), 0, count, PIPE_BUF, 0, created, created, created);
    }

    /** One end of the pipe. */
    private final class End extends KFile {
        private final boolean reader;

        End(int flags, boolean reader) {
            super(flags);
            this.reader = reader;
        }

        @Override
        public int read(ByteBuffer dst) throws ErrnoException {
            return Pipe.this.read(dst, isNonBlocking());
        }

        @Override
        public int write(ByteBuffer src) throws ErrnoException {
            return Pipe.this.write(src, isNonBlocking());
        }

        @Override
        public Stat fstat() {
            return stat();
        }

        @Override
        public int poll(int events) {
            return Pipe.this.poll(reader, events);
        }

        @Override
        protected WaitSet waitSet() {
            return waiters;
        }

        @Override
        protected void closeFile() {
            close(reader);
        }
    }
}
