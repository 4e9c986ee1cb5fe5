package io.jrump.platform.arm;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.spi.DeviceInfo;
import io.jrump.api.spi.DeviceSpec;
import io.jrump.api.spi.Platform;
import io.jrump.platform.host.HostedPlatform;
import io.jrump.api.spi.PlatformConfig;
import io.jrump.virtio.Virtio;
import io.jrump.virtio.blk.VirtioBlk;
import io.jrump.virtio.net.VirtioNet;
import io.jrump.virtio.vhost.VhostUserTransport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The hypercalls of one kernel on the {@code arm} platform. Clocks, entropy, threads, timers
 * and the logger are the host JVM's (an ARM guest's JVM has nothing better to offer), as are
 * the image files and memory disks of the configuration; what is this platform's own is the
 * virtio devices, reached over vhost-user, each connected on first use and closed with the
 * kernel.
 */
final class ArmPlatform extends HostedPlatform {
    /**
     * Builder option: the kernel's virtio devices, as {@link ArmDeviceSpec#parseList}; overrides
     * the property. The builder's {@code vhostUserBlock} and {@code vhostUserNet} devices are
     * added to these.
     */
    static final String DEVICES_OPTION = "arm.devices";
    /** Builder option: milliseconds a device may take to answer before it counts as gone. */
    static final String TIMEOUT_OPTION = "arm.timeout";
    static final long DEFAULT_TIMEOUT_MS = 30_000;
    /** Shared memory per device: untouched pages cost nothing. */
    private static final int BLK_MEMORY = 32 << 20;
    private static final int NET_MEMORY = 8 << 20;

    private final String kernelName;
    private final Map<String, ArmDeviceSpec> specs = new LinkedHashMap<>();
    private final long timeoutNanos;
    /** Devices opened, by name; guarded by this. */
    private final Map<String, AutoCloseable> opened = new LinkedHashMap<>();
    private boolean closed;

    ArmPlatform(PlatformConfig config, Platform host, String globalDevices) throws ErrnoException {
        super(host);
        this.kernelName = config.kernelName();
        try {
            String text = config.options().getOrDefault(DEVICES_OPTION, globalDevices);
            for (ArmDeviceSpec s : ArmDeviceSpec.parseList(text)) {
                specs.put(s.name(), s);
            }
            for (DeviceSpec d : config.devices()) {
                if (d.isVhostUser()) {
                    ArmDeviceSpec.Kind kind = d.kind() == DeviceSpec.Kind.VHOST_USER_BLK ? ArmDeviceSpec.Kind.VHOST_USER_BLK
                            : ArmDeviceSpec.Kind.VHOST_USER_NET;
                    if (specs.putIfAbsent(d.name(), new ArmDeviceSpec(d.name(), kind, d.path().toString())) != null) {
                        throw new ErrnoException(Errno.EINVAL, "device " + d.name() + " is configured twice");
                    }
                }
            }
            for (DeviceInfo d : host.devices()) {
                if (specs.containsKey(d.name())) {
                    throw new ErrnoException(Errno.EINVAL, "device " + d.name() + " is configured twice");
                }
            }
            String t = config.options().getOrDefault(TIMEOUT_OPTION, String.valueOf(DEFAULT_TIMEOUT_MS));
            try {
                long ms = Long.parseLong(t);
                if (ms <= 0) {
                    throw new NumberFormatException();
                }
                this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(ms);
            } catch (NumberFormatException e) {
                throw new ErrnoException(Errno.EINVAL, TIMEOUT_OPTION + ": expected milliseconds, got '" + t + "'");
            }
        } catch (ErrnoException e) {
            host.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return ArmPlatformProvider.NAME;
    }

    @Override
    public List<DeviceInfo> devices() {
        List<DeviceInfo> out = new ArrayList<>(host.devices());
        synchronized (this) {
            for (ArmDeviceSpec s : specs.values()) {
                boolean blk = s.kind() == ArmDeviceSpec.Kind.VHOST_USER_BLK;
                AutoCloseable d = opened.get(s.name());
                long size = d instanceof BlockDevice b ? b.size() : 0;
                boolean ro = d instanceof BlockDevice b && b.isReadOnly();
                out.add(new DeviceInfo(s.name(), blk ? DeviceInfo.Type.BLOCK : DeviceInfo.Type.NET, size, ro,
                        s.kind().prefix() + " " + s.socket()));
            }
        }
        return List.copyOf(out);
    }

    @Override
    public BlockDevice blockDevice(String name) throws ErrnoException {
        ArmDeviceSpec s = specs.get(name);
        if (s == null) {
            return host.blockDevice(name);
        }
        if (s.kind() != ArmDeviceSpec.Kind.VHOST_USER_BLK) {
            throw new ErrnoException(Errno.ENXIO, name + " is a network device, not a block device");
        }
        synchronized (this) {
            checkOpen(name);
            AutoCloseable d = opened.get(name);
            if (d == null) {
                VhostUserTransport t = VhostUserTransport.connect(s.socket(), Virtio.ID_BLOCK, BLK_MEMORY, host::newThread);
                d = VirtioBlk.open(t, name, timeoutNanos);
                opened.put(name, d);
            }
            return (BlockDevice) d;
        }
    }

    @Override
    public NetDevice netDevice(String name) throws ErrnoException {
        ArmDeviceSpec s = specs.get(name);
        if (s == null) {
            return host.netDevice(name);
        }
        if (s.kind() != ArmDeviceSpec.Kind.VHOST_USER_NET) {
            throw new ErrnoException(Errno.ENXIO, name + " is a block device, not a network device");
        }
        synchronized (this) {
            checkOpen(name);
            AutoCloseable d = opened.get(name);
            if (d == null) {
                byte[] mac = new byte[6];
                entropy(mac);
                mac[0] = (byte) ((mac[0] & 0xfe) | 0x02); // unicast, locally administered (IEEE 802)
                VhostUserTransport t = VhostUserTransport.connect(s.socket(), Virtio.ID_NET, NET_MEMORY, host::newThread);
                d = VirtioNet.open(t, name, mac, timeoutNanos);
                opened.put(name, d);
            }
            return (NetDevice) d;
        }
    }

    private void checkOpen(String name) throws ErrnoException {
        if (closed) {
            throw new ErrnoException(Errno.ENXIO, name + ": kernel " + kernelName + " is closed");
        }
    }

    /** Closes the virtio devices (their threads end with them), then the host's part. */
    @Override
    public void close() {
        List<AutoCloseable> devs;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            devs = new ArrayList<>(opened.values());
            opened.clear();
        }
        for (AutoCloseable d : devs) {
            try {
                d.close();
            } catch (Exception e) {
                logger().log(System.Logger.Level.WARNING, "closing a virtio device of kernel " + kernelName + " failed", e);
            }
        }
        host.close();
    }

    @Override
    public String toString() {
        return "ArmPlatform[" + kernelName + "]";
    }
}
