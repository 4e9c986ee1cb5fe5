package io.jrump.xen.hv;

/**
 * What one domain gets from the hypervisor for paravirtual devices: its grant table, the
 * mapping of other domains' grants, and event channels. On Xen these are the Linux devices
 * behind libxengnttab and libxenevtchn; on {@code xen-emulated} the emulation provides them.
 */
public interface Hypervisor extends AutoCloseable {
    /** This domain's id. */
    int domid();

    GrantTable grantTable();

    GrantMapper grantMapper();

    EventChannels eventChannels();

    @Override
    void close();
}
