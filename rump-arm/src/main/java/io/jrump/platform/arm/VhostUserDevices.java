package io.jrump.platform.arm;

import io.jrump.api.BlockDevice;
import io.jrump.api.ErrnoException;
import io.jrump.virtio.Virtio;
import io.jrump.virtio.blk.VirtioBlk;
import io.jrump.virtio.vhost.VhostUserTransport;
import java.util.concurrent.TimeUnit;

/**
 * Opens a vhost-user device outside any kernel's platform, for programs that hand a disk to a
 * kernel themselves (the {@code rump} command's {@code vhost-user-blk:SOCKET} images, the
 * builder's {@code device(name, BlockDevice)}).
 */
public final class VhostUserDevices {
    /** How an image names a virtio-blk device behind a vhost-user socket: {@code vhost-user-blk:/run/disk.sock}. */
    public static final String BLK_PREFIX = ArmDeviceSpec.Kind.VHOST_USER_BLK.prefix() + ":";
    private static final int BLK_MEMORY = 32 << 20;

    private VhostUserDevices() {
    }

    /** Whether {@code image} names a vhost-user block device rather than a file. */
    public static boolean isBlockName(String image) {
        return image.startsWith(BLK_PREFIX) && image.length() > BLK_PREFIX.length();
    }

    /**
     * Connects to the vhost-user-blk backend named {@code vhost-user-blk:SOCKET}; the caller
     * closes the device, which disconnects.
     *
     * @throws ErrnoException naming the socket: what connecting or negotiating found
     */
    public static BlockDevice openBlock(String image) throws ErrnoException {
        String socket = image.startsWith(BLK_PREFIX) ? image.substring(BLK_PREFIX.length()) : image;
        VhostUserTransport t = VhostUserTransport.connect(socket, Virtio.ID_BLOCK, BLK_MEMORY, (name, body) -> {
            Thread th = new Thread(body, name);
            th.setDaemon(true);
            return th;
        });
        return VirtioBlk.open(t, image, TimeUnit.MILLISECONDS.toNanos(ArmPlatform.DEFAULT_TIMEOUT_MS));
    }
}
