package io.jrump.xen.xenstore;

import io.jrump.api.ErrnoException;

/**
 * How xenstore messages travel: the daemon's Unix socket in a privileged domain, or the shared
 * ring page every guest has. A transport moves whole messages and knows nothing of their
 * meaning; {@link XenStoreClient} does the rest, the same over both.
 */
public interface XsTransport extends AutoCloseable {
    /** Sends one message (header and payload); called by one thread at a time. */
    void send(XsMessage message) throws ErrnoException;

    /**
     * The next message from the daemon, checked ({@link XsMessage#check}); blocks until one
     * arrives. Called by one thread at a time.
     *
     * @throws ErrnoException EIO when the peer went away or broke the framing
     */
    XsMessage receive() throws ErrnoException;

    /** Closes the connection; a thread blocked in {@link #receive} then fails. */
    @Override
    void close();
}
