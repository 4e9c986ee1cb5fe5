package io.jrump.netinet;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.spi.Platform;
import io.jrump.net.NetIf;
import io.jrump.net.dev.LoopbackDevice;
import io.jrump.net.link.ClockedDevice;
import io.jrump.net.link.NetClock;
import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Ipv4Address;
import java.util.List;
import java.util.function.BinaryOperator;

/**
 * The network stack of one kernel: interfaces (lo0 first), the routing table, IPv4, ICMP, UDP
 * and the transports found beside it (TCP), with one clock and one set of counters. It is made
 * on first use of the network, not at boot, so a kernel that never touches the network pays
 * for none of it.
 *
 * <p>Options (kernel options, all optional): {@code net.arp.expire} (ms), {@code net.ipfrag.timeout}
 * (ms), {@code net.ipfrag.memory} (bytes), {@code net.icmp.ratelimit} (errors per second),
 * {@code net.forwarding} (true/false).
 */
final class InetStack implements AutoCloseable {
    final StackClock clock;
    final StackCounters counters = new StackCounters();
    final RouteTable routes = new RouteTable();
    final Ipv4 ip;
    final Icmp icmp;
    final Udp udp;
    final InetIf lo0;

    private final Interfaces interfaces = new Interfaces();
    private final Protocols protocols = new Protocols();
    private final Sockets sockets;
    private final long arpExpire;
    private volatile boolean closed;

    /**
     * Makes the parts bottom up, each given only the parts it uses ({@link Interfaces}, {@link
     * Protocols}, {@link Sockets}), never this stack: IPv4 reaches ICMP and the transports through
     * the protocol switch, which is filled before the first interface can deliver anything.
     */
    InetStack(Platform platform, BinaryOperator<String> options, List<TransportFactory> factories) {
        this.clock = new StackClock(platform);
        this.arpExpire = millisOption(options, "net.arp.expire", Arp.DEFAULT_EXPIRE_NANOS / 1_000_000) * 1_000_000;
        this.ip = new Ipv4(clock, counters, interfaces, routes, protocols, Boolean.parseBoolean(options.apply("net.forwarding", "false")),
                millisOption(options, "net.ipfrag.timeout", Reassembly.DEFAULT_TIMEOUT_NANOS / 1_000_000) * 1_000_000,
                (int) millisOption(options, "net.ipfrag.memory", Reassembly.DEFAULT_MEMORY));
        this.sockets = new Sockets(clock, ip, interfaces);
        this.icmp = new Icmp(ip, counters, protocols, sockets, (int) millisOption(options, "net.icmp.ratelimit", Icmp.DEFAULT_RATE_LIMIT));
        this.udp = new Udp(ip, counters, protocols, sockets);
        protocols.icmp(icmp);
        protocols.udp(udp);
        for (TransportFactory f : factories) {
            Transport t = f.create(ip, options);
            if (!protocols.add(t)) {
                t.close();
            }
        }
        this.lo0 = attach(new NetIf("lo0", new LoopbackDevice(), true), ip, interfaces, clock, counters, arpExpire);
        interfaces.addAddress(lo0, new IfAddr(Ipv4Address.LOOPBACK, 8));
        lo0.ifp.setUp(true);
        try {
            routes.add(new Route(Ipv4Address.LOOPBACK_NET, 8, 0, lo0));
        } catch (ErrnoException e) {
            throw new AssertionError("the first route cannot clash", e);
        }
    }

    private static long millisOption(BinaryOperator<String> options, String key, long dflt) {
        String v = options.apply(key, null);
        if (v == null) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n <= 0) {
                throw new IllegalArgumentException("option " + key + " must be positive: " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + key + " is not a number: " + v, e);
        }
    }

    /** Attaches a network interface: IPv4 and ARP take its frames. */
    private static InetIf attach(NetIf n, Ipv4 ip, Interfaces interfaces, StackClock clock, StackCounters counters, long arpExpire) {
        InetIf i = new InetIf(n, x -> new Arp(x, clock, counters, arpExpire));
        n.handlers((ifp, srcMac, dstMac, payload) -> ip.input(i, payload, dstMac == EthernetFrame.BROADCAST),
                (ifp, srcMac, dstMac, payload) -> i.arp.input(payload));
        interfaces.add(i);
        n.attach();
        return i;
    }

    // ---- interfaces ----

    List<InetIf> interfaces() {
        return interfaces.all();
    }

    InetIf find(String name) {
        return interfaces.find(name);
    }

    InetIf require(String name) throws ErrnoException {
        return interfaces.require(name);
    }

    /** Creates an interface; a device of a simulation moves the whole stack onto its virtual clock. */
    synchronized InetIf create(String name, NetDevice device) throws ErrnoException {
        checkOpen();
        if (name == null || name.isEmpty() || name.length() > 15) {
            throw new ErrnoException(Errno.EINVAL, "interface name must have 1 to 15 characters");
        }
        if (device == null) {
            throw new ErrnoException(Errno.EINVAL, "no device");
        }
        if (find(name) != null) {
            throw new ErrnoException(Errno.EEXIST, "interface " + name + " exists");
        }
        NetClock virtual = ClockedDevice.clockOf(device);
        NetClock current = clock.virtual();
        if (virtual != null && current == null) {
            if (interfaces.all().size() > 1) {
                throw new ErrnoException(Errno.EINVAL, "a kernel joins a simulation with its first interface, not after real-time ones");
            }
            clock.useVirtual(virtual);
            ip.reseedIdent();
        } else if (virtual != null && !virtual.sharesTimeline(current)) {
            throw new ErrnoException(Errno.EINVAL, "device belongs to another simulation than this kernel's");
        } else if (virtual == null && current != null) {
            throw new ErrnoException(Errno.EINVAL, "kernel runs in virtual time; a real-time device cannot join it");
        }
        return attach(new NetIf(name, device, false), ip, interfaces, clock, counters, arpExpire);
    }

    synchronized void destroy(String name) throws ErrnoException {
        InetIf i = require(name);
        if (i == lo0) {
            throw new ErrnoException(Errno.EPERM, "lo0 cannot be destroyed");
        }
        interfaces.remove(i);
        routes.removeInterface(i);
        i.arp.clear();
        i.ifp.detach();
    }

    /** Adds an address to {@code i}; callers serialise changes on this stack. */
    void addAddress(InetIf i, IfAddr a) {
        interfaces.addAddress(i, a);
    }

    /** Removes an address from {@code i}; false if it was not there. */
    boolean removeAddress(InetIf i, IfAddr a) {
        return interfaces.removeAddress(i, a);
    }

    /** Whether {@code a} is an address of this kernel or in 127/8. */
    boolean isLocal(int a) {
        return interfaces.isLocal(a);
    }

    /** Switches forwarding between interfaces on or off ({@code net.forwarding}). */
    void forwarding(boolean on) {
        ip.forwarding(on);
    }

    /** The transport that makes SOCK_STREAM sockets, or null until TCP is on the class path. */
    Transport streamTransport() {
        return protocols.stream();
    }

    private void checkOpen() throws ErrnoException {
        if (closed) {
            throw new ErrnoException(Errno.ENETDOWN, "kernel network stack is closed");
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        protocols.closeAll(() -> counters.inc("stack.close_errors"));
        sockets.abortAll();
        ip.reassembly().clear();
        interfaces.detachAll();
    }
}
