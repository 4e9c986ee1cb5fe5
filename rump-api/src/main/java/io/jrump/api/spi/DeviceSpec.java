package io.jrump.api.spi;

import io.jrump.api.BlockDevice;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A block device named in a kernel's configuration, for the platform to open.
 *
 * @param name the name file systems and {@code mount} use ("disk0")
 * @param kind where the sectors live
 * @param path the host file, for {@link Kind#FILE}
 * @param size the size in bytes, for {@link Kind#MEMORY}
 * @param readOnly whether writes fail with EROFS
 * @param device the caller's device, for {@link Kind#PROVIDED}
 */
public record DeviceSpec(String name, Kind kind, Path path, long size, boolean readOnly, io.jrump.api.BlockDevice device) {
    public enum Kind {
        FILE,
        MEMORY,
        PROVIDED
    }

    public DeviceSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        if (name.isEmpty() || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("bad device name: '" + name + "'");
        }
    }

    public static DeviceSpec file(String name, Path path, boolean readOnly) {
        return new DeviceSpec(name, Kind.FILE, Objects.requireNonNull(path, "path"), -1, readOnly, null);
    }

    public static DeviceSpec memory(String name, long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("memory disk " + name + ": size must be positive: " + size);
        }
        return new DeviceSpec(name, Kind.MEMORY, null, size, false, null);
    }

    public static DeviceSpec provided(String name, BlockDevice device) {
        return new DeviceSpec(name, Kind.PROVIDED, null, -1, device.isReadOnly(), Objects.requireNonNull(device, "device"));
    }
}
