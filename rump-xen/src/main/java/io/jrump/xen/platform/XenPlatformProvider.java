package io.jrump.xen.platform;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.spi.Platform;
import io.jrump.api.spi.PlatformConfig;
import io.jrump.api.spi.PlatformProvider;
import io.jrump.api.spi.Probe;
import io.jrump.platform.host.HostPlatformProvider;
import io.jrump.xen.hv.xen.XenHypervisor;
import io.jrump.xen.hv.xen.XenLibraries;
import io.jrump.xen.xenstore.StreamTransport;
import io.jrump.xen.xenstore.XenStoreClient;
import io.jrump.xen.xenstore.XsTransport;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The platform {@code xen}: a kernel in a Xen guest (or dom0) using the domain's paravirtual
 * devices. Supported only where Xen is ({@code /sys/hypervisor/type} reads {@code xen}, or
 * {@code /dev/xen} has devices) and its libraries load; preferred over the host platform there.
 * xenstore is reached through the daemon's socket in dom0, else through {@code /dev/xen/xenbus}.
 */
public final class XenPlatformProvider implements PlatformProvider {
    public static final String NAME = "xen";
    /** Above the host's 0: on Xen, the paravirtual devices are what a kernel should use. */
    public static final int PRIORITY = 50;
    static final String IO_TIMEOUT_OPTION = "xen.io-timeout-ms";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Probe probe() {
        if (!XenLibraries.isAvailable()) {
            Throwable t = XenLibraries.unavailabilityCause();
            return Probe.unsupported(t instanceof UnsupportedOperationException ? t.getMessage() : "Xen libraries: " + t);
        }
        return Probe.supported(PRIORITY, "Xen paravirtual devices (blkfront, netfront)");
    }

    @Override
    public Platform open(PlatformConfig config) throws ErrnoException {
        Probe p = probe();
        if (!p.supported()) {
            throw new ErrnoException(Errno.ENODEV, "platform xen: " + p.reason());
        }
        XsTransport t = Files.exists(StreamTransport.DEFAULT_PATH) ? StreamTransport.connect(StreamTransport.DEFAULT_PATH)
                : StreamTransport.openDevice(StreamTransport.XENBUS_DEVICE);
        XenStoreClient xs = XenStoreClient.open(t);
        try {
            int domid = Integer.parseInt(xs.read("domid"));
            Platform host = new HostPlatformProvider().open(new PlatformConfig(config.kernelName(), config.options(), List.of()));
            return new XenPlatform(NAME, host, xs, XenHypervisor.open(domid), ioTimeout(config), Map.of(), null);
        } catch (ErrnoException | NumberFormatException e) {
            xs.close();
            throw e instanceof ErrnoException x ? x : new ErrnoException(Errno.EIO, "platform xen: xenstore domid is not a number");
        }
    }

    static Duration ioTimeout(PlatformConfig config) {
        String v = config.options().get(IO_TIMEOUT_OPTION);
        return Duration.ofMillis(v == null ? 30_000 : Long.parseLong(v));
    }
}
