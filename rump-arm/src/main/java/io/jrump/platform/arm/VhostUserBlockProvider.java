package io.jrump.platform.arm;

import io.jrump.api.BlockDevice;
import io.jrump.api.ErrnoException;
import io.jrump.api.spi.BlockDeviceProvider;
import io.jrump.virtio.Virtio;
import io.jrump.virtio.blk.VirtioBlk;
import io.jrump.virtio.vhost.VhostUserTransport;
import java.util.concurrent.TimeUnit;

/**
 * Disks named {@code vhost-user-blk:SOCKET}: a virtio-blk device behind a vhost-user socket
 * (qemu-storage-daemon's export), opened outside any kernel for whoever accepts an image name
 * ({@link io.jrump.api.BlockDevices}: the {@code rump} command, the {@code java.nio.file}
 * provider). A kernel's own vhost-user disks are attached by its platform instead
 * ({@link ArmDeviceSpec}).
 */
public final class VhostUserBlockProvider implements BlockDeviceProvider {
    /** Shared memory per device: the rings and the bounce buffers of many requests of up to 1 MiB in flight. */
    private static final int BLK_MEMORY = 32 << 20;

    @Override
    public String scheme() {
        return ArmDeviceSpec.Kind.VHOST_USER_BLK.prefix();
    }

    /**
     * Connects to the backend listening on {@code socket}; closing the device disconnects.
     *
     * @throws ErrnoException naming the socket: what connecting or negotiating found
     */
    @Override
    public BlockDevice open(String socket) throws ErrnoException {
        VhostUserTransport t = VhostUserTransport.connect(socket, Virtio.ID_BLOCK, BLK_MEMORY, (name, body) -> {
            Thread th = new Thread(body, name);
            th.setDaemon(true);
            return th;
        });
        return VirtioBlk.open(t, scheme() + ":" + socket, TimeUnit.MILLISECONDS.toNanos(ArmPlatform.DEFAULT_TIMEOUT_MS));
    }
}
