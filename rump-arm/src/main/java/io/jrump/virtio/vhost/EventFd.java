package io.jrump.virtio.vhost;

import io.jrump.platform.host.linux.Libc;
import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.jrump.api.ErrnoException;

/** A Linux eventfd: a kick (frontend to backend) or a call (backend to frontend) of one virtqueue. */
final class EventFd implements AutoCloseable {
    final int fd;
    private final Memory value = new Memory(8);
    /** The 1 every signal writes; only read, so shared by concurrent signallers. */
    private final Memory one = new Memory(8);
    private volatile boolean closed;

    private EventFd(int fd) {
        this.fd = fd;
        one.setLong(0, 1);
    }

    static EventFd create(String what) throws ErrnoException {
        try {
            return new EventFd(Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK));
        } catch (LastErrorException e) {
            throw Libc.errno(e, "eventfd", what);
        }
    }

    /** Adds 1: wakes whoever polls the other end. */
    void signal() throws ErrnoException {
        try {
            Libc.write(fd, com.sun.jna.Pointer.nativeValue(one), 8);
        } catch (LastErrorException e) {
            throw Libc.errno(e, "write", "eventfd");
        }
    }

    /** Reads and clears the counter; false when it was zero (EAGAIN). Called from one thread. */
    boolean consume() {
        try {
            return Libc.read(fd, com.sun.jna.Pointer.nativeValue(value), 8) == 8;
        } catch (LastErrorException e) {
            return false;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Libc.close(fd);
        } catch (LastErrorException ignored) {
            // closed is closed
        }
    }
}
