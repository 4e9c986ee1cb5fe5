package io.jrump.kern.internal;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetConfig;
import io.jrump.api.NetDevice;
import java.util.List;
import java.util.Map;

/** The network configuration of a kernel booted without a network component: every call is ENOSYS. */
final class NoNetwork implements NetConfig {
    private final String kernelName;

    NoNetwork(String kernelName) {
        this.kernelName = kernelName;
    }

    private ErrnoException absent(String call, String name) {
        return new ErrnoException(Errno.ENOSYS, call, name, "kernel " + kernelName + " was booted without a network component");
    }

    @Override
    public void ifcreate(String name, NetDevice device) throws ErrnoException {
        throw absent("ifcreate", name);
    }

    @Override
    public void ifdestroy(String name) throws ErrnoException {
        throw absent("ifdestroy", name);
    }

    @Override
    public void ipv4Address(String name, String cidr) throws ErrnoException {
        throw absent("ipv4Address", name);
    }

    @Override
    public void removeIpv4Address(String name, String cidr) throws ErrnoException {
        throw absent("removeIpv4Address", name);
    }

    @Override
    public void ipv4Gateway(String address) throws ErrnoException {
        throw absent("ipv4Gateway", address);
    }

    @Override
    public void arp(String name, String address, byte[] mac) throws ErrnoException {
        throw absent("arp", name);
    }

    @Override
    public void ipv4Route(String cidr, String gateway, String ifname) throws ErrnoException {
        throw absent("ipv4Route", cidr);
    }

    @Override
    public void up(String name) throws ErrnoException {
        throw absent("up", name);
    }

    @Override
    public void down(String name) throws ErrnoException {
        throw absent("down", name);
    }

    @Override
    public void mtu(String name, int mtu) throws ErrnoException {
        throw absent("mtu", name);
    }

    @Override
    public void forwarding(boolean on) throws ErrnoException {
        throw absent("forwarding", null);
    }

    @Override
    public List<Interface> interfaces() throws ErrnoException {
        throw absent("interfaces", null);
    }

    @Override
    public Map<String, Long> counters() throws ErrnoException {
        throw absent("counters", null);
    }
}
