package io.jrump.platform.arm;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One virtio device the {@code arm} platform offers, as named in {@code -Djrump.arm.devices},
 * {@code JRUMP_ARM_DEVICES} or the builder option {@code arm.devices}: a comma-separated list of
 * {@code [NAME=]KIND:SOCKET}, where KIND is {@code vhost-user-blk} or {@code vhost-user-net}.
 * Unnamed block devices are {@code vda}, {@code vdb}, ...; unnamed network devices
 * {@code eth0}, {@code eth1}, ... (Linux's names for the same devices).
 */
public record ArmDeviceSpec(String name, Kind kind, String socket) {
    public enum Kind {
        VHOST_USER_BLK("vhost-user-blk"),
        VHOST_USER_NET("vhost-user-net");

        final String prefix;

        Kind(String prefix) {
            this.prefix = prefix;
        }

        public String prefix() {
            return prefix;
        }
    }

    /**
     * Parses a device list.
     *
     * @throws ErrnoException EINVAL naming the entry that is malformed or a name given twice
     */
    public static List<ArmDeviceSpec> parseList(String text) throws ErrnoException {
        List<ArmDeviceSpec> out = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        int blk = 0;
        int net = 0;
        Set<String> names = new HashSet<>();
        for (String raw : text.split(",")) {
            String e = raw.trim();
            if (e.isEmpty()) {
                continue;
            }
            String name = null;
            int eq = e.indexOf('=');
            int colon = e.indexOf(':');
            if (eq > 0 && (colon < 0 || eq < colon)) {
                name = e.substring(0, eq);
                e = e.substring(eq + 1);
            }
            Kind kind = null;
            for (Kind k : Kind.values()) {
                if (e.startsWith(k.prefix + ":")) {
                    kind = k;
                }
            }
            if (kind == null || e.length() == kind.prefix.length() + 1) {
                throw new ErrnoException(Errno.EINVAL, "arm devices: '" + raw.trim() + "' is not [NAME=]vhost-user-blk:SOCKET or "
                        + "[NAME=]vhost-user-net:SOCKET");
            }
            if (name == null) {
                name = kind == Kind.VHOST_USER_BLK ? "vd" + (char) ('a' + blk++) : "eth" + net++;
            }
            if (name.isEmpty() || name.indexOf('/') >= 0 || !names.add(name)) {
                throw new ErrnoException(Errno.EINVAL, "arm devices: device name '" + name + "' is empty, has a '/' or is given twice");
            }
            out.add(new ArmDeviceSpec(name, kind, e.substring(kind.prefix.length() + 1)));
        }
        return out;
    }

    @Override
    public String toString() {
        return name + "=" + kind.prefix + ":" + socket;
    }
}
