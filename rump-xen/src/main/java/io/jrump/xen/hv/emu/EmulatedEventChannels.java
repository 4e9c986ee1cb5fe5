package io.jrump.xen.hv.emu;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.EventChannel;
import io.jrump.xen.hv.EventChannels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One emulated domain's event channel ports, numbered from 1 like Xen's. */
final class EmulatedEventChannels implements EventChannels {
    private final EmulatedXen xen;
    private final int domid;
    /** Guarded by this. */
    private final Map<Integer, EventPort> ports = new HashMap<>();
    private int nextPort = 1;

    EmulatedEventChannels(EmulatedXen xen, int domid) {
        this.xen = xen;
        this.domid = domid;
    }

    int domid() {
        return domid;
    }

    @Override
    public synchronized EventChannel allocUnbound(int remoteDomid) throws ErrnoException {
        EventPort p = new EventPort(this, nextPort++, remoteDomid);
        ports.put(p.port(), p);
        return p;
    }

    @Override
    public EventChannel bindInterdomain(int remoteDomid, int remotePort) throws ErrnoException {
        EmulatedEventChannels remote = xen.eventChannelsOf(remoteDomid);
        String what = "bind domain " + domid + " to port " + remotePort + " of domain " + remoteDomid;
        if (remote == null) {
            throw new ErrnoException(Errno.ESRCH, what + ": no such domain");
        }
        EventPort theirs = remote.port(remotePort);
        if (theirs == null || theirs.remoteDomid != domid || theirs.isBound()) {
            throw new ErrnoException(Errno.EINVAL, what + ": not an unbound port offered to this domain");
        }
        EventPort mine;
        synchronized (this) {
            mine = new EventPort(this, nextPort++, remoteDomid);
            ports.put(mine.port(), mine);
        }
        mine.connect(theirs);
        theirs.connect(mine);
        return mine;
    }

    /**
     * Binds unbound port {@code port}, offered to {@code remoteDomid}, to a peer outside this
     * machine (another process); returns the port, whose {@link EventPort#signal} delivers to it.
     */
    EventPort bindExternal(int remoteDomid, int port, EventPeer external) throws ErrnoException {
        EventPort p = port(port);
        if (p == null || p.remoteDomid != remoteDomid || p.isBound()) {
            throw new ErrnoException(Errno.EINVAL, "bind port " + port + " of domain " + domid + " for domain " + remoteDomid + ": not an unbound port offered to it");
        }
        p.connect(external);
        return p;
    }

    synchronized EventPort port(int port) {
        return ports.get(port);
    }

    synchronized void closed(EventPort p) {
        ports.remove(p.port());
    }

    @Override
    public void close() {
        List<EventPort> all;
        synchronized (this) {
            all = new ArrayList<>(ports.values());
        }
        for (EventPort p : all) {
            p.close();
        }
    }
}
