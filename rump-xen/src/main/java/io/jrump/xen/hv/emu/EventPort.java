package io.jrump.xen.hv.emu;

import io.jrump.platform.host.linux.Libc;
import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.EventChannel;
import io.jrump.xen.hv.HandlerWait;

/**
 * One end of an emulated event channel: an {@code eventfd} that the other end writes to
 * notify, and a delivery thread that reads it and runs the handler. A notification while the
 * port is masked is remembered as pending and delivered on unmask, as the hypervisor's
 * pending bit is; several notifications may coalesce into one delivery, as on Xen. The
 * delivery thread starts with the first handler; a port without one can be waited on by its
 * user's own thread ({@link #await}: {@code poll} on the eventfd).
 */
final class EventPort implements EventChannel, EventPeer {
    private final EmulatedEventChannels owner;
    private final int port;
    final int remoteDomid;
    private final int fd;
    private final Memory word = new Memory(8);
    private final Memory one = new Memory(8);
    private final Memory pollFd = new Memory(Libc.POLLFD_SIZE);
    /** The delivery thread, started with the first handler; guarded by this. */
    private Thread thread;
    /** Threads inside {@link #await}; the last one out of a closed port closes the fd. Guarded by this. */
    private int awaiting;
    private boolean fdClosed;
    /** Guarded by this. */
    private EventPeer peer;
    private boolean closed;
    private boolean masked = true;
    private boolean pending;
    /** Whether the delivery thread is inside the handler; guarded by this. */
    private boolean running;
    private volatile Runnable handler;

    EventPort(EmulatedEventChannels owner, int port, int remoteDomid) throws ErrnoException {
        this.owner = owner;
        this.port = port;
        this.remoteDomid = remoteDomid;
        try {
            this.fd = Libc.eventfd(0, Libc.EFD_CLOEXEC);
        } catch (LastErrorException e) {
            throw Libc.errno(e, "eventfd", "event channel " + port);
        }
        one.setLong(0, 1);
        pollFd.setInt(0, fd);
        pollFd.setShort(4, Libc.POLLIN);
    }

    synchronized void connect(EventPeer other) {
        this.peer = other;
    }

    synchronized boolean isBound() {
        return peer != null;
    }

    @Override
    public int port() {
        return port;
    }

    private void deliver() {
        while (true) {
            try {
                Libc.read(fd, Pointer.nativeValue(word), 8);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == Errno.EINTR.number()) {
                    continue;
                }
                break;
            }
            Runnable h;
            synchronized (this) {
                if (closed) {
                    break;
                }
                if (masked) {
                    pending = true;
                    continue;
                }
                h = handler;
                running = h != null;
            }
            if (h != null) {
                try {
                    h.run();
                } catch (RuntimeException e) {
                    System.getLogger("jrump.xen").log(System.Logger.Level.WARNING, "event channel " + port + " handler failed", e);
                } finally {
                    synchronized (this) {
                        running = false;
                        notifyAll();
                    }
                }
            }
        }
        closeFd();
    }

    private synchronized void closeFd() {
        if (!fdClosed) {
            fdClosed = true;
            Libc.close(fd);
        }
    }

    @Override
    public boolean callerWaits() {
        return true;
    }

    @Override
    public boolean await(long timeoutNanos) throws ErrnoException {
        synchronized (this) {
            if (closed) {
                throw new ErrnoException(Errno.EBADF, "wait on event channel " + port + ": closed");
            }
            if (thread != null) {
                throw new IllegalStateException("event channel " + port + " delivers to a handler");
            }
            awaiting++;
        }
        try {
            int ms = (int) Math.min(Integer.MAX_VALUE, Math.max(0, (timeoutNanos + 999_999) / 1_000_000));
            int n;
            try {
                n = Libc.poll(Pointer.nativeValue(pollFd), 1, ms);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == Errno.EINTR.number()) {
                    return false;
                }
                throw Libc.errno(e, "poll", "event channel " + port);
            }
            if (n <= 0) {
                return false;
            }
            Libc.read(fd, Pointer.nativeValue(word), 8); // readable: the counter is reset without blocking
            return true;
        } finally {
            synchronized (this) {
                awaiting--;
                if (closed && awaiting == 0 && thread == null) {
                    closeFd();
                }
            }
        }
    }

    /** Writes to this port's eventfd, unless it closed (then the notification is lost, as on Xen). */
    @Override
    public synchronized void signal() {
        if (!closed) {
            Libc.write(fd, Pointer.nativeValue(one), 8);
        }
    }

    @Override
    public void notifyPeer() throws ErrnoException {
        EventPeer p;
        synchronized (this) {
            if (closed) {
                throw new ErrnoException(Errno.EBADF, "notify event channel " + port + ": closed");
            }
            p = peer;
        }
        if (p == null) {
            throw new ErrnoException(Errno.ENOTCONN, "notify event channel " + port + ": not bound to a remote port");
        }
        p.signal();
    }

    @Override
    public void handler(Runnable handler) {
        this.handler = handler;
        synchronized (this) {
            if (handler != null && thread == null && !closed) {
                thread = new Thread(this::deliver, "xen-evtchn-d" + owner.domid() + "-p" + port);
                thread.setDaemon(true);
                thread.start();
            }
        }
    }

    @Override
    public synchronized void mask() {
        masked = true;
    }

    @Override
    public void unmask() {
        synchronized (this) {
            masked = false;
            if (!pending) {
                return;
            }
            pending = false;
        }
        signal();
    }

    /** See {@link EventChannel#close()}: waits for a handler running on the delivery thread, unless called from it. */
    @Override
    public void close() {
        synchronized (this) {
            if (!closed) {
                Libc.write(fd, Pointer.nativeValue(one), 8); // wakes the delivery thread or a waiter, which closes the fd
                closed = true;
                if (thread == null && awaiting == 0) {
                    closeFd();
                }
            }
            HandlerWait.untilIdle(this, () -> running, thread);
        }
        owner.closed(this);
    }
}
