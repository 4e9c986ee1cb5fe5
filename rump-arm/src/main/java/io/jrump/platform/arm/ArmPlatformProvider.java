package io.jrump.platform.arm;

import io.jrump.api.ErrnoException;
import io.jrump.api.spi.DeviceSpec;
import io.jrump.api.spi.Platform;
import io.jrump.api.spi.PlatformConfig;
import io.jrump.api.spi.PlatformProvider;
import io.jrump.api.spi.Probe;
import io.jrump.platform.arm.fdt.DeviceTree;
import io.jrump.platform.arm.fdt.VirtioMmioNode;
import io.jrump.platform.host.HostPlatformProvider;
import io.jrump.virtio.vhost.VhostUserTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code arm} platform: a kernel whose devices are virtio devices, the way a KVM guest on
 * an ARM {@code virt} machine (QEMU, crosvm, Android's virtualisation framework) sees its disks
 * and NICs. The devices are reached as a vhost-user frontend (the same virtio rings, served by
 * qemu-storage-daemon, DPDK or any vhost-user backend), named in {@value #PROPERTY},
 * {@value #ENV} or the builder option {@value ArmPlatform#DEVICES_OPTION}.
 *
 * <p>The probe says, once:
 * <ul>
 *   <li>unsupported where the host calls vhost-user needs are missing (not 64-bit Linux);
 *   <li>unsupported, with the transports found, on an aarch64 Linux whose device tree
 *       ({@code /sys/firmware/fdt}) lists virtio-mmio transports but no vhost-user device is
 *       named: those transports belong to the running Linux kernel, and driving them from user
 *       space would need vfio-platform, which this platform does not do;
 *   <li>supported, above the host, when devices are named in the property or environment;
 *   <li>otherwise supported below the host: it is then chosen only when asked for by name,
 *       with its devices given through the builder.
 * </ul>
 */
public final class ArmPlatformProvider implements PlatformProvider {
    public static final String NAME = "arm";
    /** System property and environment variable naming the devices (see {@link ArmDeviceSpec}). */
    public static final String PROPERTY = "jrump.arm.devices";
    public static final String ENV = "JRUMP_ARM_DEVICES";
    /** Above the host's 0: devices named for this JVM mean the user wants them. */
    static final int PRIORITY_CONFIGURED = 10;
    /** Below the host's: never chosen unless asked for. */
    static final int PRIORITY_ON_REQUEST = -10;
    private static final Path FDT = Path.of("/sys/firmware/fdt");

    private final HostPlatformProvider host = new HostPlatformProvider();
    private volatile Probe probe;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Probe probe() {
        Probe p = probe;
        if (p == null) {
            p = probeHere(globalDevices(), System.getProperty("os.name"), System.getProperty("os.arch"), FDT);
            probe = p;
        }
        return p;
    }

    /** The devices named for the whole JVM: the property, else the environment. */
    static String globalDevices() {
        String p = System.getProperty(PROPERTY);
        return p != null && !p.isBlank() ? p : System.getenv(ENV);
    }

    /** The probe's decision, apart from where its facts come from. */
    static Probe probeHere(String devices, String os, String arch, Path fdt) {
        Throwable native_ = VhostUserTransport.unavailabilityCause();
        if (native_ != null) {
            return Probe.unsupported("vhost-user needs the host's C library through JNA: " + native_.getMessage());
        }
        List<ArmDeviceSpec> specs;
        try {
            specs = ArmDeviceSpec.parseList(devices);
        } catch (ErrnoException e) {
            return Probe.unsupported(e.getMessage());
        }
        if (!specs.isEmpty()) {
            return Probe.supported(PRIORITY_CONFIGURED, "virtio over vhost-user: " + specs);
        }
        if ("aarch64".equals(arch) && os != null && os.startsWith("Linux") && Files.isReadable(fdt)) {
            try {
                List<VirtioMmioNode> mmio = VirtioMmioNode.find(DeviceTree.parse(Files.readAllBytes(fdt)));
                if (!mmio.isEmpty()) {
                    return Probe.unsupported(mmio.size() + " virtio-mmio transports in the device tree (first " + mmio.get(0)
                            + ") belong to the running Linux kernel; user-space access (vfio-platform) is not implemented; "
                            + "name vhost-user devices with -D" + PROPERTY);
                }
            } catch (java.io.IOException e) {
                return Probe.unsupported("cannot read the device tree " + fdt + ": " + e.getMessage());
            }
        }
        return Probe.supported(PRIORITY_ON_REQUEST, "vhost-user frontend available; no devices named by -D" + PROPERTY + " or " + ENV
                + ", so used only when asked for (devices through the builder option " + ArmPlatform.DEVICES_OPTION + ")");
    }

    /**
     * Opens the platform for one kernel: checks the device names; connects to a backend on first
     * use. The vhost-user devices of the configuration are this platform's; the rest (image
     * files, memory disks, TAPs) go to the host's part.
     */
    @Override
    public Platform open(PlatformConfig config) throws ErrnoException {
        List<DeviceSpec> hosts = config.devices().stream().filter(d -> !d.isVhostUser()).toList();
        Platform hostPart = host.open(new PlatformConfig(config.kernelName(), config.options(), hosts));
        return new ArmPlatform(config, hostPart, globalDevices());
    }
}
