package io.jrump.xen.hv;

import io.jrump.api.ErrnoException;

/**
 * Makes event channels for one domain ({@code xen/include/public/event_channel.h}): a
 * frontend allocates an unbound port that a given domain may bind and publishes its number in
 * xenstore; the backend binds to it with {@link #bindInterdomain}.
 */
public interface EventChannels extends AutoCloseable {
    /** {@code EVTCHNOP_alloc_unbound}: a new port that {@code remoteDomid} may bind to. */
    EventChannel allocUnbound(int remoteDomid) throws ErrnoException;

    /** {@code EVTCHNOP_bind_interdomain}: connects a new local port to {@code remotePort} of {@code remoteDomid}. */
    EventChannel bindInterdomain(int remoteDomid, int remotePort) throws ErrnoException;

    @Override
    void close();
}
