package io.jrump.netinet;

import io.jrump.net.wire.Ipv4Address;

/** An IPv4 address on an interface with its prefix length (NetBSD's {@code struct in_ifaddr}). */
record IfAddr(int address, int prefixLength) {

    int mask() {
        return Ipv4Address.mask(prefixLength);
    }

    int network() {
        return address & mask();
    }

    /** The subnet-directed broadcast address; none (0) on /31 and /32 (RFC 3021). */
    int broadcast() {
        return prefixLength >= 31 ? 0 : address | ~mask();
    }

    boolean contains(int a) {
        return (a & mask()) == network();
    }

    /** Parses "10.0.0.2/24"; EINVAL-worthy input gives IllegalArgumentException. */
    static IfAddr parse(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not CIDR (address/prefix): " + cidr);
        }
        int a = Ipv4Address.parse(cidr.substring(0, slash));
        String p = cidr.substring(slash + 1);
        if (p.isEmpty() || p.length() > 2 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 32) {
            throw new IllegalArgumentException("bad prefix length in " + cidr);
        }
        return new IfAddr(a, Integer.parseInt(p));
    }

    @Override
    public String toString() {
        return Ipv4Address.format(address) + "/" + prefixLength;
    }
}
