package io.jrump.netinet;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.kern.Cred;
import io.jrump.kern.SocketFile;
import io.jrump.net.wire.Icmpv4Packet;
import io.jrump.net.wire.Ipv4Address;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.net.wire.WireException;
import java.nio.ByteBuffer;

/**
 * ICMP (RFC 792 with the rules of RFC 1122 section 3.2.2): answers echo requests, hands echo
 * replies to ping sockets, passes errors about datagrams we sent to the transport that sent
 * them, and sends errors (destination unreachable, time exceeded) under a token-bucket rate
 * limit, never about an ICMP error, a broadcast, a non-initial fragment or a bogus source.
 */
final class Icmp {
    /** Errors per second: NetBSD's net.inet.icmp.errppslimit default. */
    static final int DEFAULT_RATE_LIMIT = 100;
    /** RFC 1812 4.3.2.3: an error quotes as much of the datagram as fits in 576 bytes. */
    static final int MAX_ERROR_DATAGRAM = 576;

    private final IpLayer ip;
    private final StackCounters counters;
    private final Protocols protocols;
    private final Sockets sockets;
    private final PortTable pingIds = new PortTable();
    private final int ratePerSecond;
    private double tokens;
    private long lastRefill = Long.MIN_VALUE;

    Icmp(IpLayer ip, StackCounters counters, Protocols protocols, Sockets sockets, int ratePerSecond) {
        this.ip = ip;
        this.counters = counters;
        this.protocols = protocols;
        this.sockets = sockets;
        this.ratePerSecond = ratePerSecond;
        this.tokens = ratePerSecond;
    }

    SocketFile pingSocket(Cred cred, int statusFlags) {
        return sockets.track(new PingSocket(sockets, this, pingIds, cred, statusFlags));
    }

    void input(Ipv4Packet ip, boolean broadcast) {
        ByteBuffer payload = ip.payload();
        Icmpv4Packet m = new Icmpv4Packet(payload);
        try {
            m.check();
        } catch (WireException e) {
            counters.inc("icmp.drops." + e.reason());
            return;
        }
        counters.inc("icmp.in_messages");
        switch (m.type()) {
            case Icmpv4Packet.TYPE_ECHO_REQUEST -> {
                counters.inc("icmp.in_echo_requests");
                if (!broadcast) {
                    echoReply(ip, payload);
                }
            }
            case Icmpv4Packet.TYPE_ECHO_REPLY -> {
                counters.inc("icmp.in_echo_replies");
                DatagramSocket s = pingIds.lookup(ip.src(), 0, ip.dst(), m.echoId());
                if (s == null || !s.enqueue(ip.src(), 0, payload)) {
                    counters.inc("icmp.drops.echo_reply_unclaimed");
                }
            }
            case Icmpv4Packet.TYPE_DEST_UNREACHABLE, Icmpv4Packet.TYPE_TIME_EXCEEDED, Icmpv4Packet.TYPE_PARAMETER_PROBLEM -> {
                counters.inc("icmp.in_errors");
                notifyTransport(m);
            }
            default -> counters.inc("icmp.in_other");
        }
    }

    private void echoReply(Ipv4Packet request, ByteBuffer message) {
        int n = message.remaining();
        ByteBuffer reply = ByteBuffer.allocate(n);
        reply.put(0, message, message.position(), n);
        reply.put(0, (byte) Icmpv4Packet.TYPE_ECHO_REPLY);
        Icmpv4Packet.fillChecksum(reply, 0, n);
        try {
            ip.output(request.dst(), request.src(), Ipv4Packet.PROTO_ICMP, reply);
            counters.inc("icmp.out_echo_replies");
        } catch (ErrnoException e) {
            counters.inc("icmp.drops.reply_failed");
        }
    }

    /** An error quotes our datagram: find who sent it and tell them (RFC 1122 3.2.2.1). */
    private void notifyTransport(Icmpv4Packet m) {
        ByteBuffer q = m.data();
        if (q.remaining() < Ipv4Packet.HEADER_LEN) {
            counters.inc("icmp.drops.short_quote");
            return;
        }
        Ipv4Packet inner = new Ipv4Packet(q);
        int hl = inner.headerLength();
        if (inner.version() != 4 || hl < Ipv4Packet.HEADER_LEN || q.remaining() < hl + 8) {
            counters.inc("icmp.drops.short_quote");
            return;
        }
        Transport t = protocols.transport(inner.protocol());
        if (t != null) {
            t.icmpError(m.type(), m.code(), inner.src(), inner.dst(), q.slice(hl, q.remaining() - hl));
        }
    }

    /**
     * Sends an error about {@code offending} (a whole, checked datagram received here) to its
     * source, unless RFC 1122 3.2.2 forbids it or the rate limit is reached.
     */
    void error(int type, int code, int rest, ByteBuffer offending) {
        Ipv4Packet p = new Ipv4Packet(offending);
        int src = p.src();
        if (src == 0 || src == Ipv4Address.BROADCAST || Ipv4Address.isMulticast(src) || sockets.isBroadcast(src)
                || Ipv4Address.isMulticast(p.dst()) || p.fragmentOffset() != 0) {
            counters.inc("icmp.errors_suppressed");
            return;
        }
        if (p.protocol() == Ipv4Packet.PROTO_ICMP) {
            int hl = p.headerLength();
            ByteBuffer pl = offending.slice(offending.position() + hl, Math.max(0, offending.remaining() - hl));
            if (!pl.hasRemaining() || new Icmpv4Packet(pl).isError() || pl.remaining() < Icmpv4Packet.HEADER_LEN) {
                counters.inc("icmp.errors_suppressed");
                return;
            }
        }
        if (!takeToken()) {
            counters.inc("icmp.rate_limited");
            return;
        }
        int q = Math.min(offending.remaining(), MAX_ERROR_DATAGRAM - Ipv4Packet.HEADER_LEN - Icmpv4Packet.HEADER_LEN);
        ByteBuffer msg = ByteBuffer.allocate(Icmpv4Packet.HEADER_LEN + q);
        msg.put(Icmpv4Packet.HEADER_LEN, offending, offending.position(), q);
        Icmpv4Packet.emit(msg, 0, type, code, rest, q);
        try {
            int from = sockets.isLocal(p.dst()) && !Ipv4Address.isLoopback(p.dst()) ? p.dst() : ip.sourceFor(src);
            ip.output(from, src, Ipv4Packet.PROTO_ICMP, msg);
            counters.inc("icmp.out_errors");
        } catch (ErrnoException e) {
            counters.inc("icmp.drops.error_unroutable");
        }
    }

    private synchronized boolean takeToken() {
        long now = ip.clock().nanos();
        if (lastRefill != Long.MIN_VALUE) {
            tokens = Math.min(ratePerSecond, tokens + (now - lastRefill) * (double) ratePerSecond / 1e9);
        }
        lastRefill = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Sends the echo request of a ping socket with identifier {@code id}. */
    void echoRequest(int src, int dst, int id, ByteBuffer data) throws ErrnoException {
        int n = data.remaining();
        ByteBuffer msg = ByteBuffer.allocate(n);
        msg.put(0, data, data.position(), n);
        msg.put(4, (byte) (id >>> 8));
        msg.put(5, (byte) id);
        Icmpv4Packet.fillChecksum(msg, 0, n);
        ip.output(src, dst, Ipv4Packet.PROTO_ICMP, msg);
        counters.inc("icmp.out_echo_requests");
    }

    /** The errno a socket sees for an ICMP error (as Linux's icmp_err_convert maps them). */
    static Errno errnoFor(int type, int code) {
        if (type == Icmpv4Packet.TYPE_DEST_UNREACHABLE) {
            return switch (code) {
                case Icmpv4Packet.CODE_NET_UNREACHABLE -> Errno.ENETUNREACH;
                case Icmpv4Packet.CODE_HOST_UNREACHABLE -> Errno.EHOSTUNREACH;
                case Icmpv4Packet.CODE_PROTOCOL_UNREACHABLE -> Errno.ENOPROTOOPT;
                case Icmpv4Packet.CODE_PORT_UNREACHABLE -> Errno.ECONNREFUSED;
                case Icmpv4Packet.CODE_FRAG_NEEDED -> Errno.EMSGSIZE;
                default -> Errno.EHOSTUNREACH;
            };
        }
        if (type == Icmpv4Packet.TYPE_TIME_EXCEEDED) {
            return Errno.EHOSTUNREACH;
        }
        return null;
    }
}
