/**
 * The ARM virtualisation platform: virtio devices (split virtqueues, virtio-blk, virtio-net)
 * over vhost-user and virtio-mmio, found by the kernel as the {@code arm} platform provider.
 *
 * <p>What other modules may use: {@code io.jrump.platform.arm}'s device naming, for the
 * {@code rump} command's {@code vhost-user-blk:SOCKET} images; the virtio packages stay inside.
 */
module io.jrump.arm {
    requires transitive io.jrump.kernel;
    requires com.sun.jna;

    exports io.jrump.platform.arm to io.jrump.cli;

    provides io.jrump.api.spi.PlatformProvider with io.jrump.platform.arm.ArmPlatformProvider;
}
