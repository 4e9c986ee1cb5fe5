package io.jrump.netinet;

import io.jrump.api.ErrnoException;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.net.wire.PartialChecksum;
import io.jrump.net.wire.TcpSegment;
import java.nio.ByteBuffer;

/**
 * Cuts a TCP segment that arrived whole over a device with segmentation offload into segments
 * that fit an outgoing MTU, for a router forwarding it to a device without that offload
 * (Linux's software GSO). Each piece is a valid segment on its own: the IPv4 header with its
 * own identification, the TCP header and options repeated with the sequence number advanced,
 * FIN and PSH only on the last piece, CWR only on the first, and a whole checksum, since the
 * outgoing device may compute nothing. Fragmenting instead would make the loss of any fragment
 * lose the whole 64 KiB.
 */
final class SoftwareSegmentation {
    /** TCP's CWR flag (RFC 3168 section 23.2): kept on the first piece only. */
    private static final int CWR = 0x80;
    /** Offset of the flags byte in the TCP header (RFC 9293 3.1). */
    private static final int FLAGS_BYTE = 13;

    /** Where the pieces go. */
    @FunctionalInterface
    interface Sink {
        void send(ByteBuffer datagram) throws ErrnoException;
    }

    private SoftwareSegmentation() {
    }

    /**
     * Whether {@code p} is a TCP segment that can be cut to {@code mtu}: unfragmented, with a
     * TCP header that leaves room for payload in each piece.
     */
    static boolean applies(Ipv4Packet p, int mtu) {
        if (p.protocol() != Ipv4Packet.PROTO_TCP || p.isFragment()) {
            return false;
        }
        ByteBuffer t = p.payload();
        if (t.remaining() < TcpSegment.HEADER_LENGTH) {
            return false;
        }
        int thl = new TcpSegment(t).headerLength();
        return thl >= TcpSegment.HEADER_LENGTH && thl <= t.remaining() && p.headerLength() + thl < mtu;
    }

    /** How many pieces {@link #split} makes of {@code p} for {@code mtu}: the identifications it uses. */
    static int pieces(Ipv4Packet p, int mtu) {
        ByteBuffer t = p.payload();
        int thl = new TcpSegment(t).headerLength();
        int payload = t.remaining() - thl;
        int chunk = mtu - Ipv4Packet.HEADER_LEN - thl;
        return Math.max(1, (payload + chunk - 1) / chunk);
    }

    /**
     * Sends the pieces of {@code p} (checked by {@link #applies}) with TTL {@code ttl}, each at
     * most {@code mtu} bytes, identifications from {@code firstId} on; returns how many were sent.
     */
    static int split(Ipv4Packet p, int ttl, int mtu, int firstId, Sink out) throws ErrnoException {
        ByteBuffer t = p.payload();
        int base = t.position();
        TcpSegment seg = new TcpSegment(t);
        int thl = seg.headerLength();
        int payload = t.remaining() - thl;
        int chunk = mtu - Ipv4Packet.HEADER_LEN - thl;
        int flags = t.get(base + FLAGS_BYTE) & 0xff; // all eight bits: ECE and CWR too
        int pieces = 0;
        for (int off = 0; off < payload || pieces == 0; off += chunk) {
            int n = Math.min(chunk, payload - off);
            boolean last = off + n >= payload;
            int len = Ipv4Packet.HEADER_LEN + thl + n;
            ByteBuffer d = ByteBuffer.allocate(len);
            Ipv4Packet.emitHeader(d, 0, p.tos(), len, (firstId + pieces) & 0xffff, 0, 0, ttl, Ipv4Packet.PROTO_TCP, p.src(), p.dst());
            d.put(Ipv4Packet.HEADER_LEN, t, base, thl);
            d.put(Ipv4Packet.HEADER_LEN + thl, t, base + thl + off, n);
            int f = flags;
            if (!last) {
                f &= ~(TcpSegment.FIN | TcpSegment.PSH);
            }
            if (pieces > 0) {
                f &= ~CWR;
            }
            new TcpSegment(d.duplicate().position(Ipv4Packet.HEADER_LEN)).setSeq(seg.seq() + off);
            d.put(Ipv4Packet.HEADER_LEN + FLAGS_BYTE, (byte) f);
            PartialChecksum.fill(d, Ipv4Packet.HEADER_LEN, thl + n, p.src(), p.dst(), Ipv4Packet.PROTO_TCP);
            out.send(d);
            pieces++;
        }
        return pieces;
    }
}
