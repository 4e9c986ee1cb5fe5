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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
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
    volatile boolean forwarding;

    private final List<InetIf> ifs = new CopyOnWriteArrayList<>();
    private final Transport[] transports = new Transport[256];
    private final Transport stream;
    private final long arpExpire;
    private final AtomicLong inodes = new AtomicLong();
    private final Set<DatagramSocket> sockets = ConcurrentHashMap.newKeySet();
    /** Read per datagram; replaced whole when an address or interface comes or goes. */
    private volatile LocalAddresses local = LocalAddresses.NONE;
    private volatile boolean closed;

    InetStack(Platform platform, BinaryOperator<String> options, List<TransportFactory> factories) {
        this.clock = new StackClock(platform);
        this.arpExpire = millisOption(options, "net.arp.expire", Arp.DEFAULT_EXPIRE_NANOS / 1_000_000) * 1_000_000;
        this.forwarding = Boolean.parseBoolean(options.apply("net.forwarding", "false"));
        this.ip = new Ipv4(this, millisOption(options, "net.ipfrag.timeout", Reassembly.DEFAULT_TIMEOUT_NANOS / 1_000_000) * 1_000_000,
                (int) millisOption(options, "net.ipfrag.memory", Reassembly.DEFAULT_MEMORY));
        this.icmp = new Icmp(this, (int) millisOption(options, "net.icmp.ratelimit", Icmp.DEFAULT_RATE_LIMIT));
        this.udp = new Udp(this);
        transports[udp.protocol()] = udp;
        Transport s = null;
        for (TransportFactory f : factories) {
            Transport t = f.create(ip, options);
            if (transports[t.protocol()] == null) {
                transports[t.protocol()] = t;
                if (t.socketType() == io.jrump.api.SocketConstants.SOCK_STREAM && s == null) {
                    s = t;
                }
            } else {
                t.close();
            }
        }
        this.stream = s;
        NetIf lo = new NetIf("lo0", new LoopbackDevice(), true);
        this.lo0 = attach(lo);
        addAddress(lo0, new IfAddr(Ipv4Address.LOOPBACK, 8));
        lo.setUp(true);
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

    private InetIf attach(NetIf n) {
        InetIf i = new InetIf(n, x -> new Arp(x, clock, counters, arpExpire));
        n.handlers((ifp, srcMac, dstMac, payload) -> ip.input(i, payload, dstMac == EthernetFrame.BROADCAST),
                (ifp, srcMac, dstMac, payload) -> i.arp.input(payload));
        ifs.add(i);
        n.attach();
        return i;
    }

    // ---- interfaces ----

    List<InetIf> interfaces() {
        return ifs;
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
            if (ifs.size() > 1) {
                throw new ErrnoException(Errno.EINVAL, "a kernel joins a simulation with its first interface, not after real-time ones");
            }
            clock.useVirtual(virtual);
            ip.reseedIdent();
        } else if (virtual != null && !virtual.sharesTimeline(current)) {
            throw new ErrnoException(Errno.EINVAL, "device belongs to another simulation than this kernel's");
        } else if (virtual == null && current != null) {
            throw new ErrnoException(Errno.EINVAL, "kernel runs in virtual time; a real-time device cannot join it");
        }
        return attach(new NetIf(name, device, false));
    }

    synchronized void destroy(String name) throws ErrnoException {
        InetIf i = require(name);
        if (i == lo0) {
            throw new ErrnoException(Errno.EPERM, "lo0 cannot be destroyed");
        }
        ifs.remove(i);
        addressesChanged();
        routes.removeInterface(i);
        i.arp.clear();
        i.ifp.detach();
    }

    /** Adds an address to {@code i}; callers serialise changes on this stack. */
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

    Transport transport(int protocol) {
        return transports[protocol & 0xff];
    }

    /** The transport that makes SOCK_STREAM sockets, or null until TCP is on the class path. */
    Transport streamTransport() {
        return stream;
    }

    // ---- sockets ----

    long nextInode() {
        return inodes.incrementAndGet();
    }

    <S extends DatagramSocket> S track(S s) {
        sockets.add(s);
        if (closed) {
            s.abort();
        }
        return s;
    }

    void forget(DatagramSocket s) {
        sockets.remove(s);
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
        for (Transport t : transports) {
            if (t != null) {
                try {
                    t.close();
                } catch (RuntimeException e) {
                    counters.inc("stack.close_errors");
                }
            }
        }
        for (DatagramSocket s : sockets) {
            s.abort();
        }
        ip.reassembly().clear();
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
