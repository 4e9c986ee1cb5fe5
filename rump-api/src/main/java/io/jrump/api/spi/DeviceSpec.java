package io.jrump.api.spi;

import io.jrump.api.BlockDevice;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A device named in a kernel's configuration, for the platform to open: a block device, a
 * network interface on a host TAP, or a virtio device behind a vhost-user socket (served by the
 * {@code arm} platform only).
 *
 * @param name the name file systems and {@code mount} use ("disk0")
 * @param kind where the sectors live
 * @param path the host file, for {@link Kind#FILE}; the backend's Unix socket, for the vhost-user kinds
 * @param size the size in bytes, for {@link Kind#MEMORY}
 * @param readOnly whether writes fail with EROFS
 * @param device the caller's device, for {@link Kind#PROVIDED}
 * @param hostInterface the host's interface, for {@link Kind#TAP} ("tap0")
 */
public record DeviceSpec(String name, Kind kind, Path path, long size, boolean readOnly, io.jrump.api.BlockDevice device,
        String hostInterface) {
    public enum Kind {
        FILE,
        MEMORY,
        PROVIDED,
        /** A network device: the kernel's interface {@code name} on the host's TAP {@code hostInterface}. */
        TAP,
        /** A virtio-blk device whose backend listens on the vhost-user socket {@code path}; the {@code arm} platform opens it. */
        VHOST_USER_BLK,
        /** A virtio-net device whose backend listens on the vhost-user socket {@code path}; the {@code arm} platform opens it. */
        VHOST_USER_NET
    }

    public DeviceSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        if (name.isEmpty() || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("bad device name: '" + name + "'");
        }
    }

    public static DeviceSpec file(String name, Path path, boolean readOnly) {
        return new DeviceSpec(name, Kind.FILE, Objects.requireNonNull(path, "path"), -1, readOnly, null, null);
    }

    public static DeviceSpec memory(String name, long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("memory disk " + name + ": size must be positive: " + size);
        }
        return new DeviceSpec(name, Kind.MEMORY, null, size, false, null, null);
    }

    public static DeviceSpec provided(String name, BlockDevice device) {
        return new DeviceSpec(name, Kind.PROVIDED, null, -1, device.isReadOnly(), Objects.requireNonNull(device, "device"), null);
    }

    /** The kernel's interface {@code name} ("eth0") on the host's TAP {@code hostInterface} ("tap0"). */
    public static DeviceSpec tap(String name, String hostInterface) {
        return new DeviceSpec(name, Kind.TAP, null, -1, false, null, Objects.requireNonNull(hostInterface, "hostInterface"));
    }

    /** A virtio-blk device {@code name} ("vda") behind the vhost-user socket {@code socket}. */
    public static DeviceSpec vhostUserBlock(String name, Path socket) {
        return new DeviceSpec(name, Kind.VHOST_USER_BLK, Objects.requireNonNull(socket, "socket"), -1, false, null, null);
    }

    /** A virtio-net device, the kernel's interface {@code name} ("eth0"), behind the vhost-user socket {@code socket}. */
    public static DeviceSpec vhostUserNet(String name, Path socket) {
        return new DeviceSpec(name, Kind.VHOST_USER_NET, Objects.requireNonNull(socket, "socket"), -1, false, null, null);
    }

    /** Whether this is a network device rather than a block device. */
    public boolean isNet() {
        return kind == Kind.TAP || kind == Kind.VHOST_USER_NET;
    }

    /** Whether this is a virtio device behind a vhost-user socket, which only the {@code arm} platform opens. */
    public boolean isVhostUser() {
        return kind == Kind.VHOST_USER_BLK || kind == Kind.VHOST_USER_NET;
    }
}
