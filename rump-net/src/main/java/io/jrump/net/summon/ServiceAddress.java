package io.jrump.net.summon;

import io.jrump.net.wire.Ipv4Address;
import java.util.Objects;

/**
 * Where a summoned service answers: the interface its kernel gets ({@code "eth0"}), its IPv4
 * address with prefix ({@code "10.0.0.2/24"}), an optional default gateway, and the TCP port
 * whose SYN summons it.
 */
public record ServiceAddress(String ifname, String cidr, String gateway, int port) {
    public ServiceAddress {
        Objects.requireNonNull(ifname, "ifname");
        Objects.requireNonNull(cidr, "cidr");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " outside 1..65535");
        }
        int slash = cidr.indexOf('/');
        Ipv4Address.parse(slash < 0 ? cidr : cidr.substring(0, slash));
    }

    /** Without a gateway. */
    public static ServiceAddress of(String ifname, String cidr, int port) {
        return new ServiceAddress(ifname, cidr, null, port);
    }

    /** The network mask of the address's prefix (all ones without one), in host order. */
    int mask() {
        int slash = cidr.indexOf('/');
        return slash < 0 ? -1 : Ipv4Address.mask(Integer.parseInt(cidr.substring(slash + 1)));
    }

    /** The address without its prefix, in host order. */
    int ip() {
        int slash = cidr.indexOf('/');
        return Ipv4Address.parse(slash < 0 ? cidr : cidr.substring(0, slash));
    }
}
