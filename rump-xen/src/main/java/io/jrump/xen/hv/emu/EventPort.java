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
 * pending bit is; several notifications may coalesce into one delivery, as on Xen.
 */
final class EventPort implements EventChannel, EventPeer {
    private final EmulatedEventChannels owner;
    private final int port;
    final int remoteDomid;
    private final int fd;
    private final Memory word = new Memory(8);
    private final Memory one = new Memory(8);
    private final Thread thread;
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
        thread = new Thread(this::deliver, "xen-evtchn-d" + owner.domid() + "-p" + port);
        thread.setDaemon(true);
        thread.start();
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
        Libc.close(fd);
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
                Libc.write(fd, Pointer.nativeValue(one), 8); // wakes the delivery thread, which closes the fd
                closed = true;
            }
            HandlerWait.untilIdle(this, () -> running, thread);
        }
        owner.closed(this);
    }
}
