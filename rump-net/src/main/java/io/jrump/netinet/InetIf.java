package io.jrump.netinet;

import io.jrump.net.NetIf;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The Internet side of an interface: its IPv4 addresses and, on Ethernet, its ARP table.
 * Addresses change rarely and are read per packet, so the list is copy-on-write.
 */
final class InetIf {
    final NetIf ifp;
    final Arp arp;
    private final List<IfAddr> addrs = new CopyOnWriteArrayList<>();

    InetIf(NetIf ifp, Arp.Factory arpFactory) {
        this.ifp = ifp;
        this.arp = ifp.isLoopback() ? null : arpFactory.create(this);
    }

    String name() {
        return ifp.name();
    }

    boolean isUp() {
        return ifp.isUp();
    }

    List<IfAddr> addresses() {
        return addrs;
    }

    void add(IfAddr a) {
        addrs.add(a);
    }

    boolean remove(IfAddr a) {
        return addrs.remove(a);
    }

    boolean hasAddress(int a) {
        for (IfAddr x : addrs) {
            if (x.address() == a) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code a} is the subnet broadcast of one of this interface's addresses. */
    boolean isSubnetBroadcast(int a) {
        for (IfAddr x : addrs) {
            if (x.broadcast() == a && a != 0) {
                return true;
            }
        }
        return false;
    }

    /** The address to send from towards {@code dst}: one on the same subnet, else the first; 0 if none. */
    int sourceFor(int dst) {
        int first = 0;
        for (IfAddr x : addrs) {
            if (x.contains(dst)) {
                return x.address();
            }
            if (first == 0) {
                first = x.address();
            }
        }
        return first;
    }

    @Override
    public String toString() {
        return ifp.name();
    }
}
