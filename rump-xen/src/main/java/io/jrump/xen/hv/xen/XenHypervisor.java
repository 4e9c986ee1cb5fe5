package io.jrump.xen.hv.xen;

import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.EventChannels;
import io.jrump.xen.hv.GrantMapper;
import io.jrump.xen.hv.GrantTable;
import io.jrump.xen.hv.Hypervisor;

/** The real hypervisor, through Xen's libraries; only on a Xen host ({@link XenLibraries#isAvailable}). */
public final class XenHypervisor implements Hypervisor {
    private final int domid;
    private final XenGrants grants;
    private final XenEventChannels channels = new XenEventChannels();

    private XenHypervisor(int domid, XenGrants grants) {
        this.domid = domid;
        this.grants = grants;
    }

    /** This domain's view; {@code domid} is what xenstore's {@code domid} node says. */
    public static XenHypervisor open(int domid) throws ErrnoException {
        return new XenHypervisor(domid, XenGrants.open());
    }

    @Override
    public int domid() {
        return domid;
    }

    @Override
    public GrantTable grantTable() {
        return grants;
    }

    @Override
    public GrantMapper grantMapper() {
        return grants;
    }

    @Override
    public EventChannels eventChannels() {
        return channels;
    }

    @Override
    public void close() {
        grants.close();
    }
}
