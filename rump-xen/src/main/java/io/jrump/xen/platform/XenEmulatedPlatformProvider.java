package io.jrump.xen.platform;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.spi.DeviceSpec;
import io.jrump.api.spi.Platform;
import io.jrump.api.spi.PlatformConfig;
import io.jrump.api.spi.PlatformProvider;
import io.jrump.api.spi.Probe;
import io.jrump.platform.host.HostPlatformProvider;
import io.jrump.xen.blk.BlkBackend;
import io.jrump.xen.blk.BlkFront;
import io.jrump.xen.hv.Hypervisor;
import io.jrump.xen.hv.emu.EmulatedXen;
import io.jrump.xen.net.NetBackend;
import io.jrump.xen.xenstore.XenStoreClient;
import io.jrump.xen.xenstore.XsStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The platform {@code xen-emulated}: the kernel runs as domain 1 of an emulated Xen machine
 * ({@link EmulatedXen}, with an in-memory xenstore), and each block device of its configuration
 * is served by a {@link BlkBackend} in domain 0 and reached through blkfront, as it would be on
 * Xen. Each network device of its configuration (a device the caller provided, such as an
 * in-memory bus port, or a host TAP) is the wire behind a {@link NetBackend} in domain 0, as a
 * bridge is behind a vif in dom0: the kernel reaches it through netfront, with the wire's MAC
 * and offloads. For tests and for developing Xen-targeted code on any Linux machine; never
 * chosen unless named (its priority is below the host's).
 *
 * <p>Devices are named as xenstore lists them ({@code xvda}, {@code xvdb}, ... and
 * {@code vif0}, {@code vif1}, ... in configuration order), and the configured names work too.
 */
public final class XenEmulatedPlatformProvider implements PlatformProvider {
    public static final String NAME = "xen-emulated";
    /** Below the host's 0: only ever chosen by name. */
    public static final int PRIORITY = -10;
    static final int FRONTEND_DOMID = 1;
    /** Pages each blkfront grants. */
    private static final int PAGES_PER_DISK = BlkFront.PAGES_GRANTED;
    /** Pages each netfront grants: two ring pages and a page per tx and rx slot (256 each). */
    private static final int PAGES_PER_VIF = 2 + 2 * 256;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Probe probe() {
        if (!EmulatedXen.isAvailable()) {
            return Probe.unsupported("the Xen emulation needs memfd and eventfd: " + EmulatedXen.unavailabilityCause());
        }
        return Probe.supported(PRIORITY, "emulated Xen: blkfront and netfront over in-process backends");
    }

    @Override
    public Platform open(PlatformConfig config) throws ErrnoException {
        Probe p = probe();
        if (!p.supported()) {
            throw new ErrnoException(Errno.ENODEV, "platform xen-emulated: " + p.reason());
        }
        List<DeviceSpec> disks = config.devices().stream().filter(d -> !d.isNet()).toList();
        if (disks.size() > 16) {
            throw new ErrnoException(Errno.EINVAL, "platform xen-emulated: " + disks.size() + " disks, at most 16 (xvda..xvdp)");
        }
        List<DeviceSpec> nets = config.devices().stream().filter(DeviceSpec::isNet).toList();
        Platform host = new HostPlatformProvider().open(config);
        EmulatedXen xen = new EmulatedXen();
        XsStore store = new XsStore();
        List<AutoCloseable> backends = new ArrayList<>();
        XenStoreClient xs0 = XenStoreClient.open(store.connect(0));
        XenStoreClient xs1 = XenStoreClient.open(store.connect(FRONTEND_DOMID));
        try {
            Hypervisor dom0 = xen.createDomain(0, 16);
            Hypervisor dom1 = xen.createDomain(FRONTEND_DOMID, 16 + PAGES_PER_DISK * disks.size() + PAGES_PER_VIF * nets.size());
            xs0.write("/local/domain/" + FRONTEND_DOMID + "/domid", Integer.toString(FRONTEND_DOMID));
            Map<String, String> aliases = new HashMap<>();
            for (int i = 0; i < disks.size(); i++) {
                BlockDevice disk = host.blockDevice(disks.get(i).name());
                BlkBackend b = BlkBackend.create(xs0, dom0, FRONTEND_DOMID, VbdNames.devid(i), disk);
                backends.add(b);
                aliases.put(disks.get(i).name(), VbdNames.name(VbdNames.devid(i)));
            }
            for (int i = 0; i < nets.size(); i++) {
                backends.add(bridge(xs0, dom0, i, host.netDevice(nets.get(i).name())));
                aliases.put(nets.get(i).name(), "vif" + i);
            }
            AutoCloseable machine = () -> {
                for (AutoCloseable b : backends) {
                    b.close();
                }
                xs0.close();
                xen.close();
            };
            return new XenPlatform(NAME, host, xs1, dom1, XenPlatformProvider.ioTimeout(config), aliases, machine);
        } catch (ErrnoException | RuntimeException e) {
            for (AutoCloseable b : backends) {
                try {
                    b.close();
                } catch (Exception x) {
                    e.addSuppressed(x);
                }
            }
            xs1.close();
            xs0.close();
            xen.close();
            host.close();
            throw e;
        }
    }

    /**
     * A netback for vif {@code devid} whose wire is {@code wire}: what the frontend sends goes out
     * on it, handed over (netback's copy is in memory it lends for the call, so a wire that keeps
     * frames, a bus port, takes it without copying and retains its lease), and what arrives on
     * it goes in.
     */
    private static AutoCloseable bridge(XenStoreClient xs0, Hypervisor dom0, int devid, NetDevice wire) throws ErrnoException {
        NetBackend b = NetBackend.create(xs0, dom0, FRONTEND_DOMID, devid, mac(wire.macAddress()), wire.offloads(), frame -> {
            try {
                wire.transmitTaken(frame);
            } catch (ErrnoException e) {
                // the wire refused or lost it: a lost frame, which TCP recovers as on any link
            }
        });
        wire.receiver(b::deliver);
        return () -> {
            wire.receiver(null);
            b.close();
        };
    }

    private static String mac(byte[] m) {
        StringBuilder s = new StringBuilder();
        for (byte b : m) {
            s.append(s.length() == 0 ? "" : ":").append(String.format("%02x", b & 0xff));
        }
        return s.toString();
    }
}
