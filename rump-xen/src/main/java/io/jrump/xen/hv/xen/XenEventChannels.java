package io.jrump.xen.hv.xen;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.EventChannel;
import io.jrump.xen.hv.EventChannels;
import io.jrump.xen.hv.HandlerWait;

/**
 * Event channels through libxenevtchn: one handle (one open of {@code /dev/xen/evtchn}) per
 * channel, and a delivery thread that polls the handle's descriptor, takes the pending port,
 * runs the handler and unmasks, in the order Xen's event channel driver expects.
 */
final class XenEventChannels implements EventChannels {
    @Override
    public EventChannel allocUnbound(int remoteDomid) throws ErrnoException {
        XenLibraries.ensureAvailable("evtchn alloc unbound");
        Pointer h = open();
        try {
            return new Port(h, XenLibraries.Evtchn.xenevtchn_bind_unbound_port(h, remoteDomid));
        } catch (LastErrorException e) {
            XenLibraries.Evtchn.xenevtchn_close(h);
            throw XenLibraries.errno(e, "xenevtchn_bind_unbound_port");
        }
    }

    @Override
    public EventChannel bindInterdomain(int remoteDomid, int remotePort) throws ErrnoException {
        XenLibraries.ensureAvailable("evtchn bind interdomain");
        Pointer h = open();
        try {
            return new Port(h, XenLibraries.Evtchn.xenevtchn_bind_interdomain(h, remoteDomid, remotePort));
        } catch (LastErrorException e) {
            XenLibraries.Evtchn.xenevtchn_close(h);
            throw XenLibraries.errno(e, "xenevtchn_bind_interdomain");
        }
    }

    private static Pointer open() throws ErrnoException {
        try {
            Pointer h = XenLibraries.Evtchn.xenevtchn_open(null, 0);
            if (h == null) {
                throw new ErrnoException(Errno.ENODEV, "xenevtchn_open: no handle");
            }
            return h;
        } catch (LastErrorException e) {
            throw XenLibraries.errno(e, "xenevtchn_open");
        }
    }

    @Override
    public void close() {
    }

    private static final class Port implements EventChannel {
        private static final int POLL_MILLIS = 100;
        private final Pointer handle;
        private final int port;
        private final Thread thread;
        private volatile Runnable handler;
        private volatile boolean closed;
        private boolean masked = true;
        private boolean pending;
        /** Whether the delivery thread is inside the handler; guarded by this. */
        private boolean running;

        Port(Pointer handle, int port) {
            this.handle = handle;
            this.port = port;
            this.thread = new Thread(this::deliver, "xen-evtchn-p" + port);
            thread.setDaemon(true);
            thread.start();
        }

        private void deliver() {
            Memory pfd = new Memory(8);
            int fd = XenLibraries.Evtchn.xenevtchn_fd(handle);
            while (!closed) {
                pfd.setInt(0, fd);
                pfd.setShort(4, XenLibraries.POLLIN);
                pfd.setShort(6, (short) 0);
                try {
                    if (XenLibraries.C.poll(Pointer.nativeValue(pfd), 1, POLL_MILLIS) <= 0) {
                        continue;
                    }
                    int p = XenLibraries.Evtchn.xenevtchn_pending(handle);
                    XenLibraries.Evtchn.xenevtchn_unmask(handle, p);
                } catch (LastErrorException e) {
                    continue;
                }
                Runnable h;
                synchronized (this) {
                    if (masked) {
                        pending = true;
                        continue;
                    }
                    h = handler;
                    running = h != null && !closed;
                }
                if (running) {
                    try {
                        h.run();
                    } finally {
                        synchronized (this) {
                            running = false;
                            notifyAll();
                        }
                    }
                }
            }
            XenLibraries.Evtchn.xenevtchn_unbind(handle, port);
            XenLibraries.Evtchn.xenevtchn_close(handle);
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public void notifyPeer() throws ErrnoException {
            if (closed) {
                throw new ErrnoException(Errno.EBADF, "notify event channel " + port + ": closed");
            }
            try {
                XenLibraries.Evtchn.xenevtchn_notify(handle, port);
            } catch (LastErrorException e) {
                throw XenLibraries.errno(e, "xenevtchn_notify");
            }
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
            Runnable h;
            synchronized (this) {
                masked = false;
                if (!pending) {
                    return;
                }
                pending = false;
                h = handler;
            }
            if (h != null) {
                h.run();
            }
        }

        /** See {@link EventChannel#close()}: waits for a handler running on the delivery thread, unless called from it. */
        @Override
        public synchronized void close() {
            closed = true;
            HandlerWait.untilIdle(this, () -> running, thread);
        }
    }
}
