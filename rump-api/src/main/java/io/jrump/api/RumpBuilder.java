package io.jrump.api;

import io.jrump.api.spi.BootConfig;
import io.jrump.api.spi.DeviceSpec;
import io.jrump.api.spi.KernelFactory;
import io.jrump.api.spi.KernelImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * The configuration of a kernel. {@link #boot()} links the configuration once (finds the
 * platform and the components with {@link ServiceLoader}) and keeps the result, so booting
 * the same configuration again costs only the kernel's own construction; changing the
 * builder afterwards links again on the next boot. What the service lookups find is kept per
 * class loader ({@code KernelFactories}, and the kernel's own caches of platforms and
 * components), so linking a fresh builder's configuration costs microseconds too.
 *
 * <p>Not thread-safe while being configured; {@code boot()} may be called from many threads.
 */
public final class RumpBuilder {
    private String platform;
    private final List<String> components = new ArrayList<>();
    private final Map<String, String> options = new LinkedHashMap<>();
    private final List<DeviceSpec> devices = new ArrayList<>();
    private volatile KernelImage image;

    RumpBuilder() {
    }

    /** Runs on the named platform; without this, {@code -Djrump.platform}, then {@code JRUMP_PLATFORM}, then the best supported one. */
    public RumpBuilder platform(String name) {
        this.platform = Objects.requireNonNull(name, "platform");
        image = null;
        return this;
    }

    /** Boots only these components (and those they require); without this, every component found. */
    public RumpBuilder component(String... names) {
        components.addAll(Arrays.asList(names));
        image = null;
        return this;
    }

    /** A free-form option for the platform and the components ("tmpfs.size" = "64m"). */
    public RumpBuilder option(String key, String value) {
        options.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        image = null;
        return this;
    }

    /** A block device backed by a host file, writable. */
    public RumpBuilder disk(String name, Path file) {
        return disk(name, file, false);
    }

    /** A block device backed by a host file. */
    public RumpBuilder disk(String name, Path file, boolean readOnly) {
        return addDevice(DeviceSpec.file(name, file, readOnly));
    }

    /** A block device in memory, zero-filled, private to each kernel booted from this builder. */
    public RumpBuilder memoryDisk(String name, long sizeBytes) {
        return addDevice(DeviceSpec.memory(name, sizeBytes));
    }

    /** A block device the caller made (a fault injector around a file, say); shared by every kernel booted from this builder. */
    public RumpBuilder device(String name, BlockDevice device) {
        return addDevice(DeviceSpec.provided(name, device));
    }

    /**
     * A network interface {@code ifname} ("eth0") on the host's TAP {@code tapName} ("tap0"),
     * created in the kernel at boot; the network configuration (addresses, routes) is then the
     * caller's, through {@link RumpKernel#netconfig()}. The host platform attaches to the TAP,
     * or creates it when it is missing and the process may (root); a kernel booted without the
     * network component leaves it alone. Each kernel booted from this builder attaches to the
     * TAP itself, so only one of them can run at a time (EBUSY for the next).
     */
    public RumpBuilder tap(String ifname, String tapName) {
        return addDevice(DeviceSpec.tap(ifname, tapName));
    }

    /**
     * A virtio-blk disk {@code name} ("vda") whose device is another process (qemu-storage-daemon,
     * a SPDK or DPDK target) listening as a vhost-user backend on the Unix socket {@code socket}.
     * Only the {@code arm} platform drives vhost-user devices: name it with {@link #platform}
     * ("arm") or {@code -Djrump.platform=arm}; the host platform refuses the device. Each kernel
     * booted from this builder connects on first use and disconnects when it closes.
     */
    public RumpBuilder vhostUserBlock(String name, Path socket) {
        return addDevice(DeviceSpec.vhostUserBlock(name, socket));
    }

    /**
     * A virtio-net interface {@code ifname} ("eth0") whose device is another process (DPDK's
     * vhost PMD, a software switch) listening as a vhost-user backend on {@code socket}; created
     * in the kernel at boot like a {@linkplain #tap TAP} interface, with the network
     * configuration left to the caller. Only the {@code arm} platform drives it, as for
     * {@link #vhostUserBlock}.
     */
    public RumpBuilder vhostUserNet(String ifname, Path socket) {
        return addDevice(DeviceSpec.vhostUserNet(ifname, socket));
    }

    private RumpBuilder addDevice(DeviceSpec spec) {
        for (DeviceSpec d : devices) {
            if (d.name().equals(spec.name())) {
                throw new IllegalArgumentException("device " + spec.name() + " is configured twice");
            }
        }
        devices.add(spec);
        image = null;
        return this;
    }

    /** The configuration as the kernel factory sees it. */
    public BootConfig config() {
        return new BootConfig(platform, List.copyOf(components), Map.copyOf(options), List.copyOf(devices));
    }

    /** Boots a kernel. */
    public RumpKernel boot() {
        KernelImage linked = image;
        if (linked == null) {
            linked = findFactory().link(config());
            image = linked;
        }
        return linked.boot();
    }

    private static KernelFactory findFactory() {
        KernelFactory f = KernelFactories.find();
        if (f == null) {
            throw new BootException("no jrump kernel on the class path: add io.jrump:rump-kernel");
        }
        return f;
    }
}
