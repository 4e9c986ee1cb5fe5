/**
 * The Xen platforms: {@code xen} on a Xen guest or dom0 and {@code xen-emulated} against an
 * emulation of the hypervisor; xenstore, grant tables, event channels, shared rings, blkfront
 * and netfront. It exports nothing: kernels reach it as a platform provider.
 */
module io.jrump.xen {
    requires transitive io.jrump.kernel;
    requires com.sun.jna;

    provides io.jrump.api.spi.PlatformProvider
            with io.jrump.xen.platform.XenPlatformProvider, io.jrump.xen.platform.XenEmulatedPlatformProvider;
}
