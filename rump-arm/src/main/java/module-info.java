/**
 * The ARM virtualisation platform: virtio devices (split virtqueues, virtio-blk, virtio-net)
 * over vhost-user and virtio-mmio, found by the kernel as the {@code arm} platform provider.
 *
 * <p>It exports nothing: other modules reach it as services only, the platform and the
 * {@code vhost-user-blk:SOCKET} disks that the {@code rump} command and the {@code java.nio.file}
 * provider open through {@link io.jrump.api.BlockDevices}.
 */
module io.jrump.arm {
    requires transitive io.jrump.kernel;
    requires com.sun.jna;

    provides io.jrump.api.spi.PlatformProvider with io.jrump.platform.arm.ArmPlatformProvider;
    provides io.jrump.api.spi.BlockDeviceProvider with io.jrump.platform.arm.VhostUserBlockProvider;
}
