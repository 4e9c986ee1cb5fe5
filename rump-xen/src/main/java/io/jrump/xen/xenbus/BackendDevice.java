package io.jrump.xen.xenbus;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.EventChannel;
import io.jrump.xen.hv.Hypervisor;
import io.jrump.xen.xenstore.XenStoreClient;
import java.util.Map;

/**
 * The xenbus protocol from the backend side, the part every split driver's backend shares
 * ({@code xen/include/public/io/xenbus.h}): the toolstack has written both directories and the
 * backend is InitWait; when the frontend is Initialised (or already Connected) the backend
 * attaches to its rings, binds its event channel, publishes what it learned and goes
 * Connected; when the frontend goes Closing it detaches and goes Closed; a frontend that
 * breaks the protocol makes it fail: detach and go Closing.
 *
 * <p>A subclass does its device's part: {@link #attach} (read the frontend's keys, map its
 * rings), {@link #connectedKeys} (what it publishes with Connected), {@link #serve} (the event
 * channel handler's work, under this object's lock) and {@link #detach}. Everything a
 * subclass does runs under this object's lock; the event channel is closed outside it,
 * because {@link EventChannel#close} waits for a running handler that may be waiting for the
 * lock.
 */
public abstract class BackendDevice implements AutoCloseable {
    protected final XenStoreClient xs;
    protected final Hypervisor hv;
    protected final String backend;
    protected final String frontend;
    protected final int frontendId;
    private StateWatch frontendState;
    /** Guarded by this. */
    private EventChannel channel;
    /** A channel detached under the lock, to close outside it; guarded by this. */
    private EventChannel retired;
    private boolean connected;
    private volatile String failure;

    protected BackendDevice(XenStoreClient xs, Hypervisor hv, String backend, String frontend, int frontendId) {
        this.xs = xs;
        this.hv = hv;
        this.backend = backend;
        this.frontend = frontend;
        this.frontendId = frontendId;
    }

    /** Starts following the frontend's state; called once, by the subclass's factory, after the toolstack's nodes are written. */
    protected final void start() throws ErrnoException {
        frontendState = StateWatch.start(xs, frontend + "/state");
        frontendState.listener(this::frontendChanged);
        frontendChanged(frontendState.state());
    }

    /** "blkback", "netback": how failures name the device. */
    protected abstract String kind();

    /** Reads what the frontend published and maps its rings; under the lock. */
    protected abstract void attach() throws ErrnoException;

    /** Nodes written in the transaction that goes Connected (the disk's size, say). */
    protected Map<String, String> connectedKeys() {
        return Map.of();
    }

    /**
     * The event channel handler's work, under the lock, only while connected.
     *
     * @return what to run after the lock is released (handing frames on), or null
     */
    protected abstract Runnable serve() throws ErrnoException;

    /** Unmaps the rings; under the lock. */
    protected abstract void detach();

    public final String frontendPath() {
        return frontend;
    }

    public final String backendPath() {
        return backend;
    }

    /** Why the backend stopped serving, or null. */
    public final String failure() {
        return failure;
    }

    /** Whether the rings are attached; under the lock. */
    protected final boolean isConnected() {
        return connected;
    }

    /** The bound channel while connected, or null; for notifying from outside the handler. */
    protected final synchronized EventChannel channel() {
        return channel;
    }

    private void frontendChanged(XenbusState s) {
        synchronized (this) {
            try {
                if ((s == XenbusState.INITIALISED || s == XenbusState.CONNECTED) && !connected && failure == null) {
                    connect();
                } else if (s == XenbusState.CLOSING || s == XenbusState.CLOSED) {
                    if (connected || s == XenbusState.CLOSING) {
                        disconnect();
                        xs.write(backend + "/state", XenbusState.CLOSED.text());
                    }
                }
            } catch (ErrnoException e) {
                fail(e.getMessage());
            }
        }
        closeRetired();
    }

    private void connect() throws ErrnoException {
        int port = number(frontend + "/event-channel");
        attach();
        channel = hv.eventChannels().bindInterdomain(frontendId, port);
        channel.handler(this::kicked);
        connected = true;
        Map<String, String> keys = connectedKeys();
        xs.transaction(t -> {
            for (Map.Entry<String, String> k : keys.entrySet()) {
                t.write(backend + "/" + k.getKey(), k.getValue());
            }
            t.write(backend + "/state", XenbusState.CONNECTED.text());
            return null;
        });
        channel.unmask();
        channel.notifyPeer();
    }

    private void kicked() {
        Runnable after = null;
        synchronized (this) {
            if (!connected) {
                return;
            }
            try {
                after = serve();
            } catch (ErrnoException e) {
                fail(e.getMessage());
            } catch (RuntimeException e) {
                fail(kind() + " " + backend + ": " + e); // a bug here must not leave the frontend waiting
            }
        }
        closeRetired();
        if (after != null) {
            after.run();
        }
    }

    private void disconnect() {
        connected = false;
        if (channel != null) {
            channel.mask();
            retired = channel;
            channel = null;
        }
        detach();
    }

    /** Stops serving after a protocol violation: detaches and goes Closing. Under the lock; the caller then calls {@link #closeRetired}. */
    protected final void fail(String why) {
        failure = why;
        disconnect();
        try {
            xs.write(backend + "/state", XenbusState.CLOSING.text());
        } catch (ErrnoException e) {
            // xenstore gone: the frontend times out instead
        }
    }

    /** Closes a channel detached under the lock; call with the lock released. */
    protected final void closeRetired() {
        EventChannel c;
        synchronized (this) {
            c = retired;
            retired = null;
        }
        if (c != null) {
            c.close();
        }
    }

    /** A frontend node, or {@code dflt} when it is missing. */
    protected final String optional(String path, String dflt) throws ErrnoException {
        return xs.read(path, dflt);
    }

    /** A feature flag node: "1" is on; missing is {@code dflt}. */
    protected final boolean flag(String path, boolean dflt) throws ErrnoException {
        String v = optional(path, null);
        return v == null ? dflt : "1".equals(v.strip());
    }

    protected final int number(String path) throws ErrnoException {
        String s = xs.read(path);
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new ErrnoException(Errno.EINVAL, kind() + ": " + path + " is not a number: '" + s + "'");
        }
    }

    /** Stops serving: goes Closed and releases the rings and channel. */
    @Override
    public void close() {
        if (frontendState != null) {
            frontendState.close();
        }
        synchronized (this) {
            disconnect();
        }
        closeRetired();
        try {
            xs.write(backend + "/state", XenbusState.CLOSED.text());
        } catch (ErrnoException e) {
            // xenstore gone
        }
    }
}
