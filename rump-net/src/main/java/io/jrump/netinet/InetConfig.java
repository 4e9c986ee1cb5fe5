package io.jrump.netinet;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetConfig;
import io.jrump.api.NetDevice;
import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Ipv4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The configuration calls of a kernel's network ({@code rump_pub_netconfig_*}): interfaces on
 * devices, addresses in CIDR form with their connected routes, static and default routes,
 * up/down, MTU, forwarding, and the counters. As with ifconfig, adding an address brings the
 * interface up; whenever an interface with addresses comes up, it announces them with
 * gratuitous ARP.
 */
final class InetConfig implements NetConfig {
    private final StackHolder holder;

    InetConfig(StackHolder holder) {
        this.holder = holder;
    }

    private static ErrnoException named(ErrnoException e, String call, String name) {
        return e.withContext(call, name);
    }

    @Override
    public void ifcreate(String name, NetDevice device) throws ErrnoException {
        try {
            holder.get().create(name, device);
        } catch (ErrnoException e) {
            throw named(e, "ifcreate", name);
        }
    }

    @Override
    public void ifdestroy(String name) throws ErrnoException {
        try {
            holder.get().destroy(name);
        } catch (ErrnoException e) {
            throw named(e, "ifdestroy", name);
        }
    }

    private static IfAddr cidr(String cidr) throws ErrnoException {
        try {
            return IfAddr.parse(cidr);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ErrnoException(Errno.EINVAL, String.valueOf(e.getMessage()));
        }
    }

    private static int address(String a) throws ErrnoException {
        try {
            return Ipv4Address.parse(a);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ErrnoException(Errno.EINVAL, String.valueOf(e.getMessage()));
        }
    }

    @Override
    public void ipv4Address(String name, String cidr) throws ErrnoException {
        try {
            InetStack s = holder.get();
            InetIf i = s.require(name);
            IfAddr a = cidr(cidr);
            int host = a.address() & ~a.mask();
            if (a.prefixLength() < 31 && (host == 0 || a.address() == a.broadcast())) {
                throw new ErrnoException(Errno.EINVAL, cidr + " is a network or broadcast address");
            }
            synchronized (s) {
                if (s.isLocal(a.address()) && !Ipv4Address.isLoopback(a.address()) || i.hasAddress(a.address())) {
                    throw new ErrnoException(Errno.EEXIST, Ipv4Address.format(a.address()) + " is already configured");
                }
                s.addAddress(i, a);
                try {
                    s.routes.add(new Route(a.network(), a.prefixLength(), 0, i));
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EEXIST) {
                        s.removeAddress(i, a);
                        throw e;
                    }
                }
            }
            if (!i.ifp.isUp()) {
                up(i);
            } else if (i.arp != null) {
                i.arp.gratuitous(a.address());
            }
        } catch (ErrnoException e) {
            throw named(e, "ipv4Address", name);
        }
    }

    @Override
    public void removeIpv4Address(String name, String cidr) throws ErrnoException {
        try {
            InetStack s = holder.get();
            InetIf i = s.require(name);
            IfAddr a = cidr(cidr);
            synchronized (s) {
                if (!s.removeAddress(i, a)) {
                    throw new ErrnoException(Errno.EADDRNOTAVAIL, cidr + " is not on " + name);
                }
                boolean sameNet = false;
                for (IfAddr x : i.addresses()) {
                    sameNet |= x.network() == a.network() && x.prefixLength() == a.prefixLength();
                }
                if (!sameNet) {
                    s.routes.remove(a.network(), a.prefixLength(), i);
                }
            }
        } catch (ErrnoException e) {
            throw named(e, "removeIpv4Address", name);
        }
    }

    @Override
    public void ipv4Gateway(String address) throws ErrnoException {
        try {
            InetStack s = holder.get();
            int gw = address(address);
            Route via = s.routes.lookup(gw);
            if (via == null || via.gateway() != 0) {
                throw new ErrnoException(Errno.ENETUNREACH, "gateway " + address + " is not on a connected network");
            }
            synchronized (s) {
                s.routes.remove(0, 0, null);
                s.routes.add(new Route(0, 0, gw, via.ifp()));
            }
        } catch (ErrnoException e) {
            throw named(e, "ipv4Gateway", address);
        }
    }

    @Override
    public void arp(String name, String address, byte[] mac) throws ErrnoException {
        try {
            InetIf i = holder.get().require(name);
            if (mac == null || mac.length != 6) {
                throw new ErrnoException(Errno.EINVAL, "a MAC address has 6 bytes");
            }
            if (i.arp == null) {
                throw new ErrnoException(Errno.EINVAL, name + " has no ARP");
            }
            i.arp.learn(address(address), EthernetFrame.mac(mac));
        } catch (ErrnoException e) {
            throw named(e, "arp", name);
        }
    }

    @Override
    public void ipv4Route(String cidr, String gateway, String ifname) throws ErrnoException {
        try {
            InetStack s = holder.get();
            IfAddr dest = cidr(cidr);
            InetIf out;
            int gw = 0;
            if (gateway != null) {
                gw = address(gateway);
                Route via = s.routes.lookup(gw);
                if (via == null || via.gateway() != 0) {
                    throw new ErrnoException(Errno.ENETUNREACH, "gateway " + gateway + " is not on a connected network");
                }
                out = ifname != null ? s.require(ifname) : via.ifp();
            } else if (ifname != null) {
                out = s.require(ifname);
            } else {
                throw new ErrnoException(Errno.EINVAL, "a route needs a gateway or an interface");
            }
            s.routes.add(new Route(dest.address(), dest.prefixLength(), gw, out));
        } catch (ErrnoException e) {
            throw named(e, "ipv4Route", cidr);
        }
    }

    @Override
    public void up(String name) throws ErrnoException {
        try {
            up(holder.get().require(name));
        } catch (ErrnoException e) {
            throw named(e, "up", name);
        }
    }

    private static void up(InetIf i) {
        boolean was = i.ifp.isUp();
        i.ifp.setUp(true);
        if (!was && i.arp != null) {
            for (IfAddr a : i.addresses()) {
                i.arp.gratuitous(a.address());
            }
        }
    }

    @Override
    public void down(String name) throws ErrnoException {
        try {
            holder.get().require(name).ifp.setUp(false);
        } catch (ErrnoException e) {
            throw named(e, "down", name);
        }
    }

    @Override
    public void mtu(String name, int mtu) throws ErrnoException {
        try {
            holder.get().require(name).ifp.setMtu(mtu);
        } catch (ErrnoException e) {
            throw named(e, "mtu", name);
        }
    }

    @Override
    public void forwarding(boolean on) throws ErrnoException {
        holder.get().forwarding(on);
    }

    @Override
    public List<Interface> interfaces() throws ErrnoException {
        List<Interface> out = new ArrayList<>();
        for (InetIf i : holder.get().interfaces()) {
            List<String> addrs = new ArrayList<>();
            for (IfAddr a : i.addresses()) {
                addrs.add(a.toString());
            }
            out.add(new Interface(i.name(), EthernetFrame.macBytes(i.ifp.mac()), i.ifp.mtu(), i.ifp.isUp(), List.copyOf(addrs), i.ifp.counters()));
        }
        return out;
    }

    @Override
    public Map<String, Long> counters() throws ErrnoException {
        return holder.get().counters.snapshot();
    }
}
