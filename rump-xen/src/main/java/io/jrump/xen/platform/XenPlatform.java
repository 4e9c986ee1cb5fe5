package io.jrump.xen.platform;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.spi.DeviceInfo;
import io.jrump.api.spi.Platform;
import io.jrump.platform.host.HostedPlatform;
import io.jrump.xen.blk.BlkFront;
import io.jrump.xen.hv.Hypervisor;
import io.jrump.xen.net.NetFront;
import io.jrump.xen.xenstore.XenStoreClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The hypercalls of a kernel on Xen (real or emulated): the clock, threads, timers and logger
 * are the host JVM's (a platform opened from the host provider does them), and the devices are
 * Xen's paravirtual ones, found in xenstore under {@code /local/domain/<domid>/device}:
 * each {@code vbd} is a block device named as Linux names it ({@code xvda}), opened as a
 * {@link BlkFront} on first use, and each {@code vif} a network device named {@code vif<devid>}
 * ({@code vif0}), opened as a {@link NetFront} on first use.
 */
final class XenPlatform extends HostedPlatform {
    private final String name;
    private final XenStoreClient xs;
    private final Hypervisor hv;
    private final Duration ioTimeout;
    private final AutoCloseable machine;
    /** Configured device names that stand for a vbd ("disk0" for "xvda"). */
    private final Map<String, String> aliases;
    /** Guarded by this. */
    private final Map<String, BlkFront> opened = new HashMap<>();
    /** Guarded by this. */
    private final Map<String, NetFront> openedNet = new HashMap<>();
    private boolean closed;

    XenPlatform(String name, Platform host, XenStoreClient xs, Hypervisor hv, Duration ioTimeout, Map<String, String> aliases, AutoCloseable machine) {
        super(host);
        this.name = name;
        this.xs = xs;
        this.hv = hv;
        this.ioTimeout = ioTimeout;
        this.aliases = aliases;
        this.machine = machine;
    }

    @Override
    public String name() {
        return name;
    }

    private String deviceDir(String type) {
        return "/local/domain/" + hv.domid() + "/device/" + type;
    }

    private String vbdDir() {
        return deviceDir("vbd");
    }

    private String vifDir() {
        return deviceDir("vif");
    }

    /** The block devices xenstore lists for this domain, by Linux name, with their xenstore directory. */
    private Map<String, String> vbds() throws ErrnoException {
        return devicesOf("vbd", VbdNames::name);
    }

    /** The network devices xenstore lists for this domain, {@code vif<devid>}, with their xenstore directory. */
    private Map<String, String> vifs() throws ErrnoException {
        return devicesOf("vif", id -> "vif" + id);
    }

    /** The devices of a type ({@code vbd}, {@code vif}) xenstore lists for this domain, named from their ids, with their directories. */
    private Map<String, String> devicesOf(String type, IntFunction<String> name) throws ErrnoException {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> ids;
        try {
            ids = xs.directory(deviceDir(type));
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return out;
            }
            throw e;
        }
        for (String id : ids) {
            try {
                out.put(name.apply(Integer.parseInt(id)), deviceDir(type) + "/" + id);
            } catch (NumberFormatException e) {
                // not a device id: a toolstack's stray node
            }
        }
        return out;
    }

    @Override
    public List<DeviceInfo> devices() {
        List<DeviceInfo> out = new ArrayList<>();
        try {
            for (Map.Entry<String, String> e : vbds().entrySet()) {
                out.add(new DeviceInfo(e.getKey(), DeviceInfo.Type.BLOCK, size(e.getValue()), false, "Xen vbd " + e.getValue()));
            }
            for (Map.Entry<String, String> e : vifs().entrySet()) {
                out.add(new DeviceInfo(e.getKey(), DeviceInfo.Type.NET, 0, false, "Xen vif " + e.getValue()));
            }
        } catch (ErrnoException e) {
            logger().log(System.Logger.Level.WARNING, "listing Xen devices failed: " + e.getMessage());
        }
        return out;
    }

    /** What the backend says the size is, or -1 before it says. */
    private long size(String frontend) {
        try {
            String be = xs.read(frontend + "/backend");
            long sectors = Long.parseLong(xs.read(be + "/sectors"));
            String ss;
            try {
                ss = xs.read(be + "/sector-size");
            } catch (ErrnoException e) {
                ss = "512";
            }
            return sectors * Long.parseLong(ss);
        } catch (ErrnoException | NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public synchronized BlockDevice blockDevice(String deviceName) throws ErrnoException {
        if (closed) {
            throw new ErrnoException(Errno.ENXIO, deviceName + ": platform " + name + " is closed");
        }
        String vbd = aliases.getOrDefault(deviceName, deviceName);
        BlkFront f = opened.get(vbd);
        if (f != null) {
            return f;
        }
        String dir = vbds().get(vbd);
        if (dir == null) {
            throw new ErrnoException(Errno.ENXIO, deviceName + ": no such Xen block device under " + vbdDir());
        }
        f = BlkFront.connect(xs, hv, dir, ioTimeout);
        opened.put(vbd, f);
        return f;
    }

    @Override
    public synchronized NetDevice netDevice(String deviceName) throws ErrnoException {
        if (closed) {
            throw new ErrnoException(Errno.ENXIO, deviceName + ": platform " + name + " is closed");
        }
        String vif = aliases.getOrDefault(deviceName, deviceName);
        NetFront f = openedNet.get(vif);
        if (f != null) {
            return f;
        }
        String dir = vifs().get(vif);
        if (dir == null) {
            throw new ErrnoException(Errno.ENXIO, deviceName + ": no such Xen network device under " + vifDir());
        }
        f = NetFront.connect(xs, hv, dir, ioTimeout);
        openedNet.put(vif, f);
        return f;
    }

    @Override
    public void close() {
        List<BlkFront> fronts;
        List<NetFront> nets;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            fronts = new ArrayList<>(opened.values());
            opened.clear();
            nets = new ArrayList<>(openedNet.values());
            openedNet.clear();
        }
        for (NetFront f : nets) {
            f.close();
        }
        for (BlkFront f : fronts) {
            try {
                f.close();
            } catch (ErrnoException e) {
                logger().log(System.Logger.Level.WARNING, "closing " + f + " failed: " + e.getMessage());
            }
        }
        try {
            if (machine != null) {
                machine.close();
            }
        } catch (Exception e) {
            logger().log(System.Logger.Level.WARNING, "stopping the emulated Xen machine failed", e);
        }
        xs.close();
        hv.close();
        host.close();
    }

    @Override
    public String toString() {
        return "XenPlatform[" + name + ", domain " + hv.domid() + "]";
    }
}
