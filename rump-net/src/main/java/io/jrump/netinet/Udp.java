package io.jrump.netinet;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.SocketConstants;
import io.jrump.kern.Cred;
import io.jrump.kern.SocketFile;
import io.jrump.net.wire.Icmpv4Packet;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.net.wire.UdpDatagram;
import io.jrump.net.wire.WireException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * UDP (RFC 768, RFC 1122 section 4.1): checksums over the pseudo header, demultiplexing to
 * sockets, ICMP port unreachable for datagrams nobody listens to, and ICMP errors turned into
 * socket errors for connected sockets (ECONNREFUSED, as Linux and the BSDs report them).
 */
final class Udp implements Transport {
    /** 65,535 less the IPv4 and UDP headers. */
    static final int MAX_PAYLOAD = Ipv4Packet.MAX_LENGTH - Ipv4Packet.HEADER_LEN - UdpDatagram.HEADER_LEN;

    private final IpLayer ip;
    private final StackCounters counters;
    private final Protocols protocols;
    private final Sockets sockets;
    private final PortTable ports = new PortTable();
    private final Counters.Counter inDatagrams;
    private final Counters.Counter outDatagrams;

    Udp(IpLayer ip, StackCounters counters, Protocols protocols, Sockets sockets) {
        this.ip = ip;
        this.counters = counters;
        this.protocols = protocols;
        this.sockets = sockets;
        this.inDatagrams = counters.counter("udp.in_datagrams");
        this.outDatagrams = counters.counter("udp.out_datagrams");
    }

    @Override
    public int protocol() {
        return Ipv4Packet.PROTO_UDP;
    }

    @Override
    public int socketType() {
        return SocketConstants.SOCK_DGRAM;
    }

    @Override
    public SocketFile socket(Cred cred, int statusFlags) {
        return sockets.track(new UdpSocket(sockets, this, ports, cred, statusFlags));
    }

    /** The generic entry point; the IP layer calls {@link #input(Ipv4Packet, boolean)} so errors can quote the datagram. */
    @Override
    public void input(int src, int dst, ByteBuffer segment) {
        ByteBuffer d = ByteBuffer.allocate(Ipv4Packet.HEADER_LEN + segment.remaining());
        Ipv4Packet.emitHeader(d, 0, 0, d.capacity(), 0, 0, 0, Ipv4Packet.DEFAULT_TTL, Ipv4Packet.PROTO_UDP, src, dst);
        d.put(Ipv4Packet.HEADER_LEN, segment, segment.position(), segment.remaining());
        input(new Ipv4Packet(d), false);
    }

    /** A checked, reassembled datagram for UDP; {@code broadcast} when sent to a broadcast address. */
    void input(Ipv4Packet ip, boolean broadcast) {
        int src = ip.src();
        int dst = ip.dst();
        UdpDatagram u = new UdpDatagram(ip.payload());
        try {
            u.check(src, dst);
        } catch (WireException e) {
            counters.inc("udp.drops." + e.reason());
            return;
        }
        inDatagrams.inc();
        if (broadcast) {
            List<DatagramSocket> all = ports.lookupAll(src, u.srcPort(), dst, u.dstPort());
            if (all.isEmpty()) {
                counters.inc("udp.no_port_broadcast");
            }
            for (DatagramSocket s : all) {
                deliver(s, src, u);
            }
            return;
        }
        DatagramSocket s = ports.lookup(src, u.srcPort(), dst, u.dstPort());
        if (s == null) {
            counters.inc("udp.no_port");
            protocols.icmpError(Icmpv4Packet.TYPE_DEST_UNREACHABLE, Icmpv4Packet.CODE_PORT_UNREACHABLE, 0, ip.datagram());
            return;
        }
        deliver(s, src, u);
    }

    private void deliver(DatagramSocket s, int src, UdpDatagram u) {
        if (!s.enqueue(src, u.srcPort(), u.data())) {
            counters.inc("udp.drops.receive_buffer_full");
        }
    }

    /** An ICMP error about a datagram we sent from {@code src}:sport to {@code dst}:dport. */
    @Override
    public void icmpError(int type, int code, int src, int dst, ByteBuffer quoted) {
        if (quoted.remaining() < UdpDatagram.HEADER_LEN) {
            return;
        }
        UdpDatagram u = new UdpDatagram(quoted);
        DatagramSocket s = ports.lookup(dst, u.dstPort(), src, u.srcPort());
        if (s == null || s.remoteAddr != dst || s.remotePort != u.dstPort()) {
            // RFC 1122 4.1.3.3 lets unconnected sockets ignore it, as Linux does by default.
            return;
        }
        Errno e = Icmp.errnoFor(type, code);
        if (e != null) {
            s.asyncError(e);
        }
    }

    void output(int src, int sport, int dst, int dport, ByteBuffer data) throws ErrnoException {
        int n = data.remaining();
        if (src == 0) {
            src = this.ip.sourceFor(dst);
        }
        ByteBuffer d = ByteBuffer.allocate(UdpDatagram.HEADER_LEN + n);
        d.put(UdpDatagram.HEADER_LEN, data, data.position(), n);
        UdpDatagram.emitHeader(d, 0, sport, dport, n);
        // checksum left partial: a zero (RFC 768 "none") when the device offloads it, else computed below us
        this.ip.outputPartial(src, dst, Ipv4Packet.PROTO_UDP, d);
        outDatagrams.inc();
    }

    int boundSockets() {
        return ports.size();
    }

    @Override
    public void close() {
        // sockets are aborted by the stack, which tracks every socket of every protocol
    }
}
