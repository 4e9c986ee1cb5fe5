package io.jrump.api;

import java.util.List;
import java.util.Map;

/**
 * Network configuration of a kernel, after rump's {@code rump_pub_netconfig_*}: interfaces
 * on {@link NetDevice}s, IPv4 addresses in CIDR form, routes, and the counters of the stack.
 * A kernel booted without the network component answers every call with ENOSYS.
 */
public interface NetConfig {

    /** One interface as {@link #interfaces()} reports it. */
    record Interface(String name, byte[] mac, int mtu, boolean up, List<String> ipv4Addresses, Map<String, Long> counters) {
    }

    /** Attaches a new interface named {@code name} to a device; EEXIST if the name is taken. */
    void ifcreate(String name, NetDevice device) throws ErrnoException;

    /** Detaches and closes an interface. */
    void ifdestroy(String name) throws ErrnoException;

    /** Adds an address, "10.0.0.2/24", and the connected route it implies. */
    void ipv4Address(String name, String cidr) throws ErrnoException;

    void removeIpv4Address(String name, String cidr) throws ErrnoException;

    /** Sets the default route. */
    void ipv4Gateway(String address) throws ErrnoException;

    /** Adds a route to {@code cidr} through {@code gateway} (or directly out of {@code ifname} when gateway is null). */
    void ipv4Route(String cidr, String gateway, String ifname) throws ErrnoException;

    void up(String name) throws ErrnoException;

    void down(String name) throws ErrnoException;

    void mtu(String name, int mtu) throws ErrnoException;

    /**
     * Records that {@code address}, a neighbour on interface {@code name}, is at the 6-byte
     * {@code mac}, as if it had answered an ARP request (the entry expires as learned ones do):
     * {@code ip neigh replace ADDRESS lladdr MAC dev NAME}. A summoner tells a new kernel who
     * sent the SYN that woke it, so the answer needs no ARP round trip. EINVAL for a multicast
     * or broadcast address or MAC, or the interface's own address; ENODEV for no such interface.
     */
    void arp(String name, String address, byte[] mac) throws ErrnoException;

    /** Turns IPv4 forwarding between interfaces on or off (off at boot). */
    void forwarding(boolean on) throws ErrnoException;

    List<Interface> interfaces() throws ErrnoException;

    /** Per-protocol counters, like {@code netstat -s}: "tcp.retransmits", "ip.drops.bad_checksum", ... */
    Map<String, Long> counters() throws ErrnoException;
}
