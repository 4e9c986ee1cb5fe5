package io.jrump.netinet;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.net.link.NetClock;
import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Icmpv4Packet;
import io.jrump.net.wire.Ipv4Address;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.net.wire.PartialChecksum;
import io.jrump.net.wire.TcpSegment;
import io.jrump.net.wire.WireException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The IPv4 layer (RFC 791, RFC 1122 section 3.3): validates what arrives, reassembles
 * fragments, delivers to ICMP and the transports, forwards between interfaces when that is
 * switched on (decrementing the TTL and answering time exceeded), and on output chooses the
 * route and source address, fragments above the MTU and hands datagrams to ARP or loopback.
 *
 * <p>Addresses of this kernel on any interface are accepted on every interface (the weak host
 * model of RFC 1122 3.3.4.2, as NetBSD and Linux do), and traffic to them goes through lo0.
 *
 * <p>No lock is held while a datagram is sent: output may deliver frames to other kernels, and
 * to this one, before it returns.
 */
final class Ipv4 implements IpLayer, Reassembly.Owner {
    private final StackClock clock;
    private final StackCounters counters;
    private final Interfaces interfaces;
    private final RouteTable routes;
    private final Protocols protocols;
    /** net.forwarding: whether datagrams for other hosts are routed on (RFC 1812) or dropped. */
    private volatile boolean forwarding;
    private final Reassembly reassembly;
    private final AtomicInteger ident;
    private final Counters.Counter inReceives;
    private final Counters.Counter inDelivers;
    private final Counters.Counter outRequests;
    private final Counters.Counter forwarded;
    /** Datagrams dropped for an impossible source or destination ({@link #martian}); Linux's in_martian_src / in_martian_dst. */
    private final Counters.Counter martianSource;
    private final Counters.Counter martianDestination;

    /** Where a datagram leaves: interface, neighbour to resolve, and whether it is a link broadcast. */
    private record Path(InetIf out, int nextHop, boolean broadcast) {
    }

    Ipv4(StackClock clock, StackCounters counters, Interfaces interfaces, RouteTable routes, Protocols protocols, boolean forwarding,
            long reassemblyTimeout, int reassemblyMemory) {
        this.clock = clock;
        this.counters = counters;
        this.interfaces = interfaces;
        this.routes = routes;
        this.protocols = protocols;
        this.forwarding = forwarding;
        this.reassembly = new Reassembly(clock, counters, this, reassemblyTimeout, reassemblyMemory);
        this.ident = new AtomicInteger(clock.random32());
        this.inReceives = counters.counter("ip.in_receives");
        this.inDelivers = counters.counter("ip.in_delivers");
        this.outRequests = counters.counter("ip.out_requests");
        this.forwarded = counters.counter("ip.forwarded");
        this.martianSource = counters.counter("ip.drops.martian_source");
        this.martianDestination = counters.counter("ip.drops.martian_destination");
    }

    /** Draws a new starting identification: the stack moved to a (seeded) virtual clock. */
    void reseedIdent() {
        ident.set(clock.random32());
    }

    Reassembly reassembly() {
        return reassembly;
    }

    /** Switches forwarding between interfaces on or off ({@code net.forwarding}). */
    void forwarding(boolean on) {
        forwarding = on;
    }

    // ---- IpLayer ----

    @Override
    public void output(int src, int dst, int protocol, ByteBuffer payload) throws ErrnoException {
        output(path(dst), src, dst, protocol, payload);
    }

    private void output(Path path, int src, int dst, int protocol, ByteBuffer payload) throws ErrnoException {
        int len = payload.remaining();
        if (len > Ipv4Packet.MAX_LENGTH - Ipv4Packet.HEADER_LEN) {
            throw new ErrnoException(Errno.EMSGSIZE, len + " bytes do not fit an IPv4 datagram");
        }
        if (src == 0) {
            src = source(path, dst);
        }
        outRequests.inc();
        send(path, 0, ident.getAndIncrement() & 0xffff, Ipv4Packet.DEFAULT_TTL, protocol, src, dst, payload, 0, false, false);
    }

    @Override
    public void outputInPlace(int src, int dst, int protocol, ByteBuffer payload) throws ErrnoException {
        outputInPlace(path(dst), src, dst, protocol, payload);
    }

    @Override
    public void outputPartial(int src, int dst, int protocol, ByteBuffer payload) throws ErrnoException {
        Path path = path(dst);
        if (src == 0) {
            src = source(path, dst);
        }
        int len = payload.remaining();
        InetIf out = path.out();
        if (Ipv4Packet.HEADER_LEN + len <= whole(out, protocol) && out.ifp.txChecksumOffload()) {
            PartialChecksum.mark(payload, payload.position(), len, protocol);
        } else {
            // fragments, or a device that computes nothing: the checksum must be whole now
            PartialChecksum.fill(payload, payload.position(), len, src, dst, protocol);
        }
        outputInPlace(path, src, dst, protocol, payload);
    }

    @Override
    public void outputSegments(int src, int dst, ByteBuffer segment, int segmentSize) throws ErrnoException {
        Path path = path(dst);
        InetIf out = path.out();
        int len = segment.remaining();
        if (Ipv4Packet.HEADER_LEN + len <= whole(out, Ipv4Packet.PROTO_TCP) || segmentSize <= 0 || len > Ipv4Packet.MAX_LENGTH - Ipv4Packet.HEADER_LEN) {
            outputPartial(src, dst, Ipv4Packet.PROTO_TCP, segment);
            return;
        }
        // software GSO: the interface cuts the segment and gives each piece its checksum
        // (or the partial mark for a device with TX_CHECKSUM), so none is computed here
        if (src == 0) {
            src = source(path, dst);
        }
        if (segment.position() < HEADROOM || segment.isReadOnly()) {
            ByteBuffer room = ByteBuffer.allocate(HEADROOM + len).position(HEADROOM);
            room.put(HEADROOM, segment, segment.position(), len);
            segment = room;
        }
        outRequests.inc();
        int start = segment.position() - Ipv4Packet.HEADER_LEN;
        ByteBuffer d = segment.duplicate();
        d.position(start);
        // one identification per piece, as the segments sent one by one would have had
        int pieces = Math.max(1, (len - new TcpSegment(segment).headerLength() + segmentSize - 1) / segmentSize);
        Ipv4Packet.emitHeader(d, start, 0, Ipv4Packet.HEADER_LEN + len, ident.getAndAdd(pieces) & 0xffff, 0, 0, Ipv4Packet.DEFAULT_TTL,
                Ipv4Packet.PROTO_TCP, src, dst);
        transmit(path, d, true, segmentSize);
    }

    private void outputInPlace(Path path, int src, int dst, int protocol, ByteBuffer payload) throws ErrnoException {
        int len = payload.remaining();
        int start = payload.position() - Ipv4Packet.HEADER_LEN;
        if (payload.position() < HEADROOM || payload.isReadOnly() || Ipv4Packet.HEADER_LEN + len > whole(path.out(), protocol)) {
            output(path, src, dst, protocol, payload);
            return;
        }
        if (src == 0) {
            src = source(path, dst);
        }
        outRequests.inc();
        ByteBuffer d = payload.duplicate();
        d.position(start);
        Ipv4Packet.emitHeader(d, start, 0, Ipv4Packet.HEADER_LEN + len, ident.getAndIncrement() & 0xffff, 0, 0, Ipv4Packet.DEFAULT_TTL,
                protocol, src, dst);
        transmit(path, d, true);
    }

    @Override
    public int sourceFor(int dst) throws ErrnoException {
        return source(path(dst), dst);
    }

    @Override
    public int mtuFor(int dst) throws ErrnoException {
        return path(dst).out().ifp.mtu();
    }

    @Override
    public int wholeDatagramFor(int dst, int protocol) throws ErrnoException {
        return whole(path(dst).out(), protocol);
    }

    /** Every interface takes TCP segments up to 64 KiB: its device carries them, or it cuts them ({@link #outputSegments}). */
    @Override
    public int segmentableDatagramFor(int dst) throws ErrnoException {
        path(dst);
        return Ipv4Packet.MAX_LENGTH;
    }

    /** The largest datagram of {@code protocol} that leaves through {@code out} unfragmented. */
    private static int whole(InetIf out, int protocol) {
        if (protocol == Ipv4Packet.PROTO_TCP && out.ifp.segmentationOffload()) {
            return Ipv4Packet.MAX_LENGTH;
        }
        return Math.min(out.ifp.mtu(), Ipv4Packet.MAX_LENGTH);
    }

    @Override
    public boolean isLocal(int address) {
        return address == 0 || interfaces.isLocal(address);
    }

    @Override
    public NetClock clock() {
        return clock;
    }

    @Override
    public Counters counters() {
        return counters;
    }

    private Path path(int dst) throws ErrnoException {
        if (interfaces.isLocal(dst)) {
            return new Path(interfaces.loopback(), dst, false);
        }
        if (dst == Ipv4Address.BROADCAST) {
            for (InetIf i : interfaces.all()) {
                if (!i.ifp.isLoopback() && i.isUp() && !i.addresses().isEmpty()) {
                    return new Path(i, dst, true);
                }
            }
            throw new ErrnoException(Errno.ENETUNREACH, "no interface for a broadcast");
        }
        Route r = routes.lookup(dst);
        if (r == null) {
            throw new ErrnoException(Errno.ENETUNREACH, "no route to " + Ipv4Address.format(dst));
        }
        return new Path(r.ifp(), r.nextHop(dst), r.ifp().isSubnetBroadcast(dst));
    }

    private static int source(Path path, int dst) throws ErrnoException {
        if (path.out().ifp.isLoopback()) {
            return dst;
        }
        int s = path.out().sourceFor(path.nextHop());
        if (s == 0) {
            throw new ErrnoException(Errno.EADDRNOTAVAIL, path.out().name() + " has no IPv4 address");
        }
        return s;
    }

    /**
     * Builds the datagram (or its fragments) and sends it. {@code baseOffset} and
     * {@code baseMore} carry a forwarded fragment's own place in its original datagram.
     */
    private void send(Path path, int tos, int id, int ttl, int protocol, int src, int dst, ByteBuffer payload, int baseOffset,
            boolean baseMore, boolean dontFragment) throws ErrnoException {
        int len = payload.remaining();
        int mtu = path.out().ifp.mtu();
        int flags = dontFragment ? Ipv4Packet.FLAG_DF : 0;
        if (Ipv4Packet.HEADER_LEN + len <= whole(path.out(), protocol)) {
            ByteBuffer d = ByteBuffer.allocate(Ipv4Packet.HEADER_LEN + len);
            Ipv4Packet.emitHeader(d, 0, tos, d.capacity(), id, flags | (baseMore ? Ipv4Packet.FLAG_MF : 0), baseOffset, ttl, protocol, src, dst);
            d.put(Ipv4Packet.HEADER_LEN, payload, payload.position(), len);
            transmit(path, d);
            return;
        }
        if (dontFragment) {
            throw new ErrnoException(Errno.EMSGSIZE, "datagram of " + (len + Ipv4Packet.HEADER_LEN) + " bytes with DF over MTU " + mtu);
        }
        int chunk = (mtu - Ipv4Packet.HEADER_LEN) / Ipv4Packet.FRAGMENT_UNIT * Ipv4Packet.FRAGMENT_UNIT;
        counters.inc("ip.fragmented");
        for (int off = 0; off < len; off += chunk) {
            int n = Math.min(chunk, len - off);
            boolean more = off + n < len || baseMore;
            ByteBuffer d = ByteBuffer.allocate(Ipv4Packet.HEADER_LEN + n);
            Ipv4Packet.emitHeader(d, 0, tos, d.capacity(), id, more ? Ipv4Packet.FLAG_MF : 0, baseOffset + off, ttl, protocol, src, dst);
            d.put(Ipv4Packet.HEADER_LEN, payload, payload.position() + off, n);
            counters.inc("ip.out_fragments");
            transmit(path, d);
        }
    }

    private void transmit(Path path, ByteBuffer datagram) throws ErrnoException {
        transmit(path, datagram, false);
    }

    /** {@code inPlace}: the link header may go in the bytes before the datagram's position. */
    private void transmit(Path path, ByteBuffer datagram, boolean inPlace) throws ErrnoException {
        transmit(path, datagram, inPlace, 0);
    }

    /** {@code segmentSize}: a TCP datagram over the MTU is cut into segments of that payload (0: never over the MTU). */
    private void transmit(Path path, ByteBuffer datagram, boolean inPlace, int segmentSize) throws ErrnoException {
        InetIf out = path.out();
        if (out.ifp.isLoopback()) {
            out.ifp.output(0, EthernetFrame.ETHERTYPE_IPV4, datagram, inPlace);
        } else if (path.broadcast() || path.nextHop() == Ipv4Address.BROADCAST) {
            out.ifp.output(EthernetFrame.BROADCAST, EthernetFrame.ETHERTYPE_IPV4, datagram, inPlace, segmentSize);
        } else {
            out.arp.output(path.nextHop(), datagram, inPlace, segmentSize);
        }
    }

    /**
     * Whether {@code p} is a TCP segment the interface can cut to {@code mtu}: unfragmented,
     * with a TCP header that leaves room for payload in each piece.
     */
    private static boolean segmentable(Ipv4Packet p, int mtu) {
        if (p.protocol() != Ipv4Packet.PROTO_TCP || p.isFragment()) {
            return false;
        }
        ByteBuffer t = p.payload();
        if (t.remaining() < TcpSegment.HEADER_LENGTH) {
            return false;
        }
        int thl = new TcpSegment(t).headerLength();
        return thl >= TcpSegment.HEADER_LENGTH && thl <= t.remaining() && Ipv4Packet.HEADER_LEN + thl < mtu;
    }

    /**
     * Forwards a segment (checked by {@link #segmentable}) to a device that cannot carry it
     * whole: a copy with a plain 20-byte header (options are not forwarded, as with
     * fragments), the TTL one less and one identification reserved per piece, handed to the
     * interface with the segment size that fills the MTU. The interface gives each piece its
     * own header and a whole checksum (or the partial mark for a device with TX_CHECKSUM).
     */
    private void forwardSegmented(Path path, Ipv4Packet p, int mtu) throws ErrnoException {
        ByteBuffer tcp = p.payload();
        int len = tcp.remaining();
        int thl = new TcpSegment(tcp).headerLength();
        int segmentSize = mtu - Ipv4Packet.HEADER_LEN - thl;
        int pieces = Math.max(1, (len - thl + segmentSize - 1) / segmentSize);
        ByteBuffer copy = ByteBuffer.allocate(Ipv4Packet.HEADER_LEN + len);
        Ipv4Packet.emitHeader(copy, 0, p.tos(), Ipv4Packet.HEADER_LEN + len, ident.getAndAdd(pieces) & 0xffff,
                p.dontFragment() ? Ipv4Packet.FLAG_DF : 0, 0, p.ttl() - 1, Ipv4Packet.PROTO_TCP, p.src(), p.dst());
        copy.put(Ipv4Packet.HEADER_LEN, tcp, tcp.position(), len);
        transmit(path, copy, false, segmentSize);
        counters.counter("ip.forward_segmented").add(pieces);
    }

    // ---- input ----

    /** A frame's IPv4 payload from interface {@code in}; {@code linkBroadcast} when sent to ff:ff:ff:ff:ff:ff. */
    void input(InetIf in, ByteBuffer payload, boolean linkBroadcast) {
        inReceives.inc();
        Ipv4Packet p = new Ipv4Packet(payload);
        try {
            p.check();
        } catch (WireException e) {
            counters.inc("ip.drops." + e.reason());
            return;
        }
        ByteBuffer datagram = payload;
        if (p.totalLength() != payload.remaining()) {
            // padded to the link's minimum frame: the datagram ends before the frame does
            datagram = p.datagram();
            p = new Ipv4Packet(datagram);
        }
        int src = p.src();
        int dst = p.dst();
        Counters.Counter martian = martian(in, src, dst);
        if (martian != null) {
            martian.inc();
            return;
        }
        boolean broadcast = dst == Ipv4Address.BROADCAST || in.isSubnetBroadcast(dst);
        if (broadcast || interfaces.isLocal(dst)) {
            // a partial checksum is trusted, and the bytes may be kept, only on a datagram that came whole from memory
            int flags = in.ifp.rxChecksumOffload() ? Transport.PARTIAL_TRUSTED : 0;
            if (in.ifp.framesStayValid()) {
                flags |= Transport.KEEPABLE;
            }
            if (p.isFragment()) {
                ByteBuffer whole = reassembly.add(p);
                if (whole == null) {
                    return;
                }
                datagram = whole;
                p = new Ipv4Packet(whole);
                flags = 0;
            }
            deliver(p, datagram, broadcast, flags);
        } else if (Ipv4Address.isMulticast(dst)) {
            counters.inc("ip.drops.multicast");
        } else if (!forwarding) {
            counters.inc("ip.drops.not_forwarding");
        } else if (linkBroadcast) {
            counters.inc("ip.drops.link_broadcast_not_forwarded");
        } else {
            forward(in, p, datagram);
        }
    }

    /**
     * The counter of the martian rule {@code src -> dst} arriving on {@code in} breaks, or null
     * for a datagram that may be delivered or forwarded. The rules are Linux's
     * ({@code ip_route_input_slow} and {@code fib_validate_source} in net/ipv4): a source that
     * no host can send from is a martian source, a destination no host can be reached at is a
     * martian destination, and both are dropped before reassembly, delivery or forwarding.
     * <ul>
     * <li>source multicast (224/4) or the limited broadcast: martian on every interface;
     * <li>source in 0/8 (RFC 1122 3.2.1.3: "this host on this network", only while it does not
     *     know its address): martian unless sent to 255.255.255.255, which is how a DHCP client
     *     speaks before it has an address. Linux also passes 0.0.0.0 to 0.0.0.0; here that is a
     *     martian destination, since no host is reached at 0/8;
     * <li>destination in 0/8: martian;
     * <li>on a non-loopback interface: destination or source in 127/8 (RFC 1122 3.2.1.3 (g):
     *     must not appear outside a host), and a source that is one of this kernel's own
     *     addresses or a subnet broadcast of one of its interfaces. A datagram from ourselves
     *     never comes back through a wire; taking one in is what lets a forged SYN with our
     *     own address and port on both ends (the LAND attack) make the stack talk to itself.
     * </ul>
     * lo0 carries only what this stack sent, where the own address on both ends is ordinary.
     * The own-address test is a binary search in a snapshot array ({@link LocalAddresses}).
     */
    private Counters.Counter martian(InetIf in, int src, int dst) {
        if (Ipv4Address.isMulticast(src) || src == Ipv4Address.BROADCAST) {
            return martianSource;
        }
        if (isZeroNet(src) && dst != Ipv4Address.BROADCAST) {
            return martianSource;
        }
        if (isZeroNet(dst)) {
            return martianDestination;
        }
        if (in.ifp.isLoopback()) {
            return null;
        }
        if (Ipv4Address.isLoopback(dst)) {
            return martianDestination;
        }
        LocalAddresses local = interfaces.localAddresses();
        if (Ipv4Address.isLoopback(src) || local.isOwn(src) || local.isSubnetBroadcast(src)) {
            return martianSource;
        }
        return null;
    }

    /** 0.0.0.0/8, "this network" (RFC 1122 3.2.1.3 (a) and (b), RFC 6890). */
    private static boolean isZeroNet(int a) {
        return (a >>> 24) == 0;
    }

    /** {@code flags} are {@link Transport}'s input flags. */
    private void deliver(Ipv4Packet p, ByteBuffer datagram, boolean broadcast, int flags) {
        inDelivers.inc();
        if (!protocols.deliver(p, broadcast, flags)) {
            counters.inc("ip.drops.unknown_protocol");
            if (!broadcast) {
                protocols.icmpError(Icmpv4Packet.TYPE_DEST_UNREACHABLE, Icmpv4Packet.CODE_PROTOCOL_UNREACHABLE, 0, datagram);
            }
        }
    }

    /** RFC 1812 section 5.2 in brief: TTL, route, fragment if needed, send; errors back to the source. */
    private void forward(InetIf in, Ipv4Packet p, ByteBuffer datagram) {
        int dst = p.dst();
        if (dst == 0 || Ipv4Address.isLoopback(dst) || Ipv4Address.isLoopback(p.src()) || p.src() == 0) {
            counters.inc("ip.drops.cannot_forward");
            return;
        }
        if (p.ttl() <= 1) {
            counters.inc("ip.drops.ttl_exceeded");
            protocols.icmpError(Icmpv4Packet.TYPE_TIME_EXCEEDED, Icmpv4Packet.CODE_TTL_EXCEEDED, 0, datagram);
            return;
        }
        Route r = routes.lookup(dst);
        if (r == null) {
            counters.inc("ip.drops.no_route");
            protocols.icmpError(Icmpv4Packet.TYPE_DEST_UNREACHABLE, Icmpv4Packet.CODE_NET_UNREACHABLE, 0, datagram);
            return;
        }
        Path path = new Path(r.ifp(), r.nextHop(dst), r.ifp().isSubnetBroadcast(dst));
        if (path.broadcast()) {
            counters.inc("ip.drops.directed_broadcast");
            return;
        }
        int mtu = r.ifp().ifp.mtu();
        // A datagram from a device with RX_CHECKSUM may carry a partial checksum: it may
        // leave so only whole and through a device with TX_CHECKSUM; otherwise fill it in.
        boolean partialIn = in.ifp.rxChecksumOffload();
        try {
            if (p.totalLength() <= whole(r.ifp(), p.protocol())) {
                ByteBuffer copy = ByteBuffer.allocate(p.totalLength());
                copy.put(0, datagram, datagram.position(), p.totalLength());
                Ipv4Packet c = new Ipv4Packet(copy);
                c.decrementTtl();
                if (partialIn && !r.ifp().ifp.txChecksumOffload() && PartialChecksum.complete(copy)) {
                    counters.inc("ip.forward_checksums_filled");
                }
                transmit(path, copy);
            } else if (in.ifp.segmentationOffload() && segmentable(p, mtu)) {
                // an offloaded segment for a device that cannot carry it whole: the interface
                // cuts it (software GSO) rather than fragment it, which would make the loss of
                // any fragment lose the whole segment
                forwardSegmented(path, p, mtu);
            } else if (p.dontFragment()) {
                counters.inc("ip.drops.fragmentation_needed");
                protocols.icmpError(Icmpv4Packet.TYPE_DEST_UNREACHABLE, Icmpv4Packet.CODE_FRAG_NEEDED, mtu & 0xffff, datagram);
                return;
            } else {
                if (partialIn && !p.isFragment()) {
                    ByteBuffer whole = ByteBuffer.allocate(p.totalLength());
                    whole.put(0, datagram, datagram.position(), p.totalLength());
                    if (PartialChecksum.complete(whole)) {
                        counters.inc("ip.forward_checksums_filled");
                        p = new Ipv4Packet(whole);
                    }
                }
                // Options are not copied into the fragments of a forwarded datagram.
                send(path, p.tos(), p.ident(), p.ttl() - 1, p.protocol(), p.src(), dst, p.payload(), p.fragmentOffset(), p.moreFragments(), false);
            }
            forwarded.inc();
        } catch (ErrnoException e) {
            counters.inc("ip.drops.forward_failed");
        }
    }

    @Override
    public void timedOut(ByteBuffer first) {
        if (first != null) {
            protocols.icmpError(Icmpv4Packet.TYPE_TIME_EXCEEDED, Icmpv4Packet.CODE_REASSEMBLY_EXCEEDED, 0, first);
        }
    }
}
