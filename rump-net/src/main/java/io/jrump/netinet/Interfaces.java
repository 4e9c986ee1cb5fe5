package io.jrump.netinet;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.net.wire.Ipv4Address;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stack's interfaces (NetBSD's {@code ifnet} list with {@code in_ifaddr}): which exist, lo0
 * among them, and the snapshot of this kernel's addresses and subnet broadcasts that IPv4, ICMP
 * and the sockets consult per datagram ({@link LocalAddresses}), taken anew whenever an
 * address or an interface comes or goes.
 */
final class Interfaces {
    private final List<InetIf> ifs = new CopyOnWriteArrayList<>();
    /** Read per datagram; replaced whole when an address or interface comes or goes. */
    private volatile LocalAddresses local = LocalAddresses.NONE;
    private volatile InetIf loopback;

    List<InetIf> all() {
        return ifs;
    }

    /** lo0, once attached. */
    InetIf loopback() {
        return loopback;
    }

    void add(InetIf i) {
        if (i.ifp.isLoopback() && loopback == null) {
            loopback = i;
        }
        ifs.add(i);
    }

    void remove(InetIf i) {
        ifs.remove(i);
        addressesChanged();
    }

    InetIf find(String name) {
        for (InetIf i : ifs) {
            if (i.name().equals(name)) {
                return i;
            }
        }
        return null;
    }

    InetIf require(String name) throws ErrnoException {
        InetIf i = find(name);
        if (i == null) {
            throw new ErrnoException(Errno.ENXIO, "no interface " + name);
        }
        return i;
    }

    /** Adds an address to {@code i}; callers serialise changes on the stack. */
    void addAddress(InetIf i, IfAddr a) {
        i.add(a);
        addressesChanged();
    }

    /** Removes an address from {@code i}; false if it was not there. */
    boolean removeAddress(InetIf i, IfAddr a) {
        boolean removed = i.remove(a);
        addressesChanged();
        return removed;
    }

    /** Takes a new snapshot of the addresses after a change to them or to the interfaces. */
    synchronized void addressesChanged() {
        local = LocalAddresses.of(ifs);
    }

    /** This kernel's addresses and subnet broadcasts as they are now. */
    LocalAddresses localAddresses() {
        return local;
    }

    /** Whether {@code a} is an address of this kernel or in 127/8. */
    boolean isLocal(int a) {
        return Ipv4Address.isLoopback(a) || local.isOwn(a);
    }

    /** Whether {@code a} is the limited broadcast or a subnet broadcast of one of our interfaces. */
    boolean isBroadcast(int a) {
        return a == Ipv4Address.BROADCAST || local.isSubnetBroadcast(a);
    }

    /** The stack is closing: every interface is detached. */
    void detachAll() {
        for (InetIf i : ifs) {
            if (i.arp != null) {
                i.arp.clear();
            }
            i.ifp.detach();
        }
        ifs.clear();
        addressesChanged();
    }
}
