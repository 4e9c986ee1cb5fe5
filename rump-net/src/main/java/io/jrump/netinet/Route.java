package io.jrump.netinet;

import io.jrump.net.wire.Ipv4Address;

/** One entry of the routing table: a destination prefix, a gateway (0 for on-link) and the interface. */
record Route(int destination, int prefixLength, int gateway, InetIf ifp) {

    boolean matches(int a) {
        return (a & Ipv4Address.mask(prefixLength)) == destination;
    }

    /** The address to resolve on the link: the gateway, or the destination itself when on-link. */
    int nextHop(int dst) {
        return gateway != 0 ? gateway : dst;
    }

    @Override
    public String toString() {
        return Ipv4Address.format(destination) + "/" + prefixLength + (gateway != 0 ? " via " + Ipv4Address.format(gateway) : "") + " dev " + ifp.name();
    }
}
