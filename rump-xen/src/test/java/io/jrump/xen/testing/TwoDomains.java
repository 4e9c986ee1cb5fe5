package io.jrump.xen.testing;

import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.Hypervisor;
import io.jrump.xen.hv.emu.EmulatedXen;
import io.jrump.xen.xenstore.XenStoreClient;
import io.jrump.xen.xenstore.XsStore;

/**
 * The emulated platform with a backend domain 0 and a frontend domain 1, each with its own
 * xenstore connection to one in-memory store: what a split-driver test starts from.
 */
public final class TwoDomains implements AutoCloseable {
    public final EmulatedXen xen = new EmulatedXen();
    public final Hypervisor dom0;
    public final Hypervisor dom1;
    public final XenStoreClient xs0;
    public final XenStoreClient xs1;

    /** Domain 0 with 16 pages, domain 1 with {@code dom1Pages}. */
    public TwoDomains(int dom1Pages) throws ErrnoException {
        XsStore store = new XsStore();
        dom0 = xen.createDomain(0, 16);
        dom1 = xen.createDomain(1, dom1Pages);
        xs0 = XenStoreClient.open(store.connect(0));
        xs1 = XenStoreClient.open(store.connect(1));
    }

    /** Closes both xenstore connections, then the platform; close what uses the domains first. */
    @Override
    public void close() {
        xs0.close();
        xs1.close();
        xen.close();
    }
}
