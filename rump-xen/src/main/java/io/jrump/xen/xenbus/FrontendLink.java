package io.jrump.xen.xenbus;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.xen.xenstore.XenStoreClient;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The xenbus protocol from the frontend side, the part every split driver's frontend shares
 * ({@code xen/include/public/io/xenbus.h}): find the backend from the device's directory, go
 * Initialising and wait for the backend's InitWait; after the driver has published its rings
 * (in one transaction with its state), wait for the backend's Connected; from then on, tell
 * the driver when the backend leaves Connected; on a failure, go Closing and Closed off the
 * caller's thread; on close, go Closing, give the backend a moment to follow, go Closed.
 * Reading the backend's nodes goes through here too, each value checked.
 */
public final class FrontendLink implements AutoCloseable {
    /** How long the backend may take to answer a state change while connecting. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final XenStoreClient xs;
    private final String kind;
    private final String frontend;
    private final String backend;
    private final int backendId;
    private final StateWatch backendState;

    private FrontendLink(XenStoreClient xs, String kind, String frontend, String backend, int backendId, StateWatch backendState) {
        this.xs = xs;
        this.kind = kind;
        this.frontend = frontend;
        this.backend = backend;
        this.backendId = backendId;
        this.backendState = backendState;
    }

    /**
     * Starts the handshake of the device whose directory is {@code frontend}: goes
     * Initialising and waits for the backend to be ready (InitWait up to Connected).
     *
     * @param kind "blkfront", "netfront": how errors name the device
     */
    public static FrontendLink open(XenStoreClient xs, String kind, String frontend) throws ErrnoException {
        String backend = xs.read(frontend + "/backend");
        String id = xs.read(frontend + "/backend-id");
        int backendId;
        try {
            backendId = Integer.parseInt(id.strip());
        } catch (NumberFormatException e) {
            throw new ErrnoException(Errno.EINVAL, kind + ": " + frontend + "/backend-id is not a number: '" + id + "'");
        }
        StateWatch state = StateWatch.start(xs, backend + "/state");
        FrontendLink l = new FrontendLink(xs, kind, frontend, backend, backendId, state);
        try {
            xs.write(frontend + "/state", XenbusState.INITIALISING.text());
            state.await(s -> s.value() >= XenbusState.INIT_WAIT.value() && s.value() <= XenbusState.CONNECTED.value(),
                    s -> s.value() >= XenbusState.CLOSING.value(), CONNECT_TIMEOUT, kind + " " + frontend);
            return l;
        } catch (ErrnoException | RuntimeException e) {
            l.abandon(e);
            throw e;
        }
    }

    public String frontend() {
        return frontend;
    }

    public String backend() {
        return backend;
    }

    public int backendId() {
        return backendId;
    }

    /** The backend's state as last seen. */
    public XenbusState backendState() {
        return backendState.state();
    }

    /** Waits for the backend's Connected, failing when it goes Closing or after the timeout. */
    public void awaitConnected() throws ErrnoException {
        backendState.await(s -> s == XenbusState.CONNECTED, s -> s.value() >= XenbusState.CLOSING.value(), CONNECT_TIMEOUT, kind + " " + frontend);
    }

    /**
     * Calls {@code lost} with a reason when the backend leaves Connected, and at once when it
     * already has.
     */
    public void onBackendLost(Consumer<String> lost) {
        backendState.listener(s -> {
            if (s != XenbusState.CONNECTED) {
                lost.accept("backend went " + s);
            }
        });
        XenbusState now = backendState.state();
        if (now != XenbusState.CONNECTED) {
            lost.accept("backend went " + now);
        }
    }

    /** A backend node, or {@code dflt} when it is missing. */
    public String optional(String path, String dflt) throws ErrnoException {
        return xs.read(path, dflt);
    }

    /** A backend feature flag ({@code backend/<name>}): "1" is on, missing is off. */
    public boolean backendFlag(String name) throws ErrnoException {
        String v = optional(backend + "/" + name, null);
        return v != null && "1".equals(v.strip());
    }

    /** A backend number node ({@code backend/<name>}), or {@code dflt} when it is missing. */
    public long backendNumber(String name, long dflt) throws ErrnoException {
        String s = optional(backend + "/" + name, null);
        if (s == null) {
            return dflt;
        }
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            throw new ErrnoException(Errno.EINVAL, kind + ": " + backend + "/" + name + " is not a number: '" + s + "'");
        }
    }

    /** After a failure: goes Closing and Closed on a thread of its own, so a caller under a lock never waits for xenstore. */
    public void closeAsync() {
        Thread t = new Thread(() -> {
            try {
                xs.write(frontend + "/state", XenbusState.CLOSING.text());
                xs.write(frontend + "/state", XenbusState.CLOSED.text());
            } catch (ErrnoException e) {
                // xenstore gone too: nothing more to tell
            }
        }, kind + "-disconnect");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Ends the handshake: when {@code orderly}, goes Closing and waits briefly for the backend to
     * follow, then goes Closed; stops watching either way.
     */
    @Override
    public void close() {
        close(true);
    }

    /** See {@link #close()}; {@code orderly} false just stops watching (the state was told already). */
    public void close(boolean orderly) {
        backendState.listener(null);
        try {
            if (orderly) {
                xs.write(frontend + "/state", XenbusState.CLOSING.text());
                try {
                    backendState.await(s -> s.value() >= XenbusState.CLOSING.value() || s == XenbusState.UNKNOWN, s -> false, CLOSE_TIMEOUT,
                            kind + " close");
                } catch (ErrnoException e) {
                    // a backend that does not follow is left behind
                }
                xs.write(frontend + "/state", XenbusState.CLOSED.text());
            }
        } catch (ErrnoException e) {
            // xenstore gone: the driver releases its grants anyway
        } finally {
            backendState.close();
        }
    }

    /** A connect that failed: stops watching and goes Closed, adding what goes wrong to {@code cause}. */
    public void abandon(Exception cause) {
        backendState.close();
        try {
            xs.write(frontend + "/state", XenbusState.CLOSED.text());
        } catch (ErrnoException x) {
            cause.addSuppressed(x);
        }
    }
}
