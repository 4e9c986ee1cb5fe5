package io.jrump.net;

import io.jrump.api.ErrnoException;
import io.jrump.api.FrameLease;
import io.jrump.api.LeasedArrays;
import io.jrump.api.NetDevice;
import io.jrump.net.link.FrameTaker;
import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.net.wire.PartialChecksum;
import io.jrump.net.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * Software segmentation offload at the bottom of an interface (Linux's GSO in
 * {@code dev_hard_start_xmit}): TCP builds one segment of up to 64 KiB where its device offers
 * no {@code SEGMENTATION}, and this class cuts it into Ethernet frames of the connection's MSS
 * just before the device, so TCP output, IP output and the interface run once per 64 KiB
 * instead of once per frame. Every frame is the segment TCP would have built for its bytes:
 * the IPv4 header with its own identification, length and checksum; the TCP header and
 * options repeated with the sequence number advanced; FIN and PSH on the last piece only,
 * CWR on the first only; the TCP checksum computed per piece, or left with the partial mark
 * for a device with {@code TX_CHECKSUM}.
 *
 * <p>The pieces of one segment are written into one array (a slab) and go to a device that
 * takes frames ({@link FrameTaker}) as one burst under the slab's {@link FrameLease}, so the
 * receiver may hold them and merge them again (software GRO, {@link ReceiveCoalescer}). Slabs
 * are kept and used again once the lease says nobody holds their frames ({@link LeasedArrays}),
 * so a bulk sender copies its data once per frame but allocates nothing per frame.
 */
final class SoftwareGso {
    /** TCP's CWR flag (RFC 3168 section 23.2): kept on the first piece only. */
    private static final int CWR = 0x80;
    /** Offsets in the IPv4 header (RFC 791 3.1) and in the TCP header (RFC 9293 3.1). */
    private static final int IP_TOS = 1;
    private static final int IP_FLAGS = 6;
    private static final int IP_TTL = 8;
    private static final int IP_SRC = 12;
    private static final int IP_DST = 16;
    private static final int TCP_SEQ = 4;
    private static final int TCP_DATA_OFFSET = 12;
    private static final int TCP_FLAGS = 13;
    /** Bound on slabs kept for reuse per interface, lent or not: a few segments in flight on a bus or held by a receiver. */
    private static final int MAX_SLABS = 8;
    /** A slab fits a 64 KiB segment cut to a 1,500-byte MTU: 45 frames of 1,514 bytes, rounded up. */
    private static final int SLAB_BYTES = 96 << 10;

    private final long mac;
    private final NetDevice device;
    private final FrameTaker taker;
    /** Frame memory for the pieces of segments: a larger segment (a tiny MSS) gets a slab that is not kept. */
    private final LeasedArrays slabs = new LeasedArrays(SLAB_BYTES, MAX_SLABS);

    /** The interface's transmit counters, counted here once per segment. */
    private final LongAdder txPackets;
    private final LongAdder txBytes;

    SoftwareGso(long mac, NetDevice device, FrameTaker taker, LongAdder txPackets, LongAdder txBytes) {
        this.mac = mac;
        this.device = device;
        this.taker = taker;
        this.txPackets = txPackets;
        this.txBytes = txBytes;
    }

    /**
     * Whether {@code datagram} (at its position) is a TCP segment that can be cut into pieces of
     * at most {@code mtu} bytes: an unfragmented IPv4 datagram without options whose headers
     * leave room for payload.
     */
    static boolean applies(ByteBuffer datagram, int mtu) {
        int ip = datagram.position();
        int n = datagram.remaining();
        if (n < Ipv4Packet.HEADER_LEN + TcpSegment.HEADER_LENGTH || datagram.get(ip) != 0x45
                || (datagram.get(ip + 9) & 0xff) != Ipv4Packet.PROTO_TCP
                || (datagram.getShort(ip + IP_FLAGS) & (Ipv4Packet.FLAG_MF | 0x1fff)) != 0
                || (datagram.getShort(ip + 2) & 0xffff) != n) {
            return false;
        }
        int thl = ((datagram.get(ip + Ipv4Packet.HEADER_LEN + TCP_DATA_OFFSET) & 0xff) >>> 4) * 4;
        return thl >= TcpSegment.HEADER_LENGTH && Ipv4Packet.HEADER_LEN + thl <= n && Ipv4Packet.HEADER_LEN + thl < mtu;
    }

    /**
     * Cuts the TCP datagram at {@code datagram}'s position (checked by {@link #applies}, its
     * identification the first of as many as it has pieces) into frames to {@code dstMac} with
     * at most {@code segmentSize} payload bytes and {@code mtu} bytes of IP each, and transmits
     * them. {@code partial}: the device completes TCP checksums ({@code TX_CHECKSUM}).
     */
    void transmit(long dstMac, ByteBuffer datagram, int segmentSize, int mtu, boolean partial) throws ErrnoException {
        ByteBuffer src = datagram;
        int ip = src.position();
        int tcp = ip + Ipv4Packet.HEADER_LEN;
        int thl = ((src.get(tcp + TCP_DATA_OFFSET) & 0xff) >>> 4) * 4;
        int headers = Ipv4Packet.HEADER_LEN + thl;
        int dataLen = src.remaining() - headers;
        int size = Math.max(1, Math.min(segmentSize, mtu - headers));
        int pieces = Math.max(1, (dataLen + size - 1) / size);
        int frameMax = Math.max(EthernetFrame.MIN_FRAME_LEN, EthernetFrame.HEADER_LEN + headers + size);
        LeasedArrays.Taken slab = slabs.take(pieces * frameMax);
        FrameLease lease = slab.lease(); // null for a slab that is not kept: nobody writes it again
        ByteBuffer b = ByteBuffer.wrap(slab.array());
        // the frames are read-only views from index 0, as a bus hands them to receivers: one object per frame
        ByteBuffer ro = b.asReadOnlyBuffer();
        ByteBuffer[] frames = new ByteBuffer[pieces];
        int tos = src.get(ip + IP_TOS) & 0xff;
        int ttl = src.get(ip + IP_TTL) & 0xff;
        int df = src.getShort(ip + IP_FLAGS) & Ipv4Packet.FLAG_DF;
        int id = src.getShort(ip + 4) & 0xffff;
        int saddr = src.getInt(ip + IP_SRC);
        int daddr = src.getInt(ip + IP_DST);
        int seq = src.getInt(tcp + TCP_SEQ);
        int flags = src.get(tcp + TCP_FLAGS) & 0xff; // all eight bits: ECE and CWR too
        long bytes = 0;
        try {
            int at = 0;
            for (int i = 0, off = 0; i < pieces; i++, off += size) {
                int n = Math.min(size, dataLen - off);
                int len = EthernetFrame.HEADER_LEN + headers + n;
                int padded = Math.max(EthernetFrame.MIN_FRAME_LEN, len);
                int ipAt = at + EthernetFrame.HEADER_LEN;
                int tcpAt = ipAt + Ipv4Packet.HEADER_LEN;
                EthernetFrame.emitHeader(b, at, dstMac, mac, EthernetFrame.ETHERTYPE_IPV4);
                Ipv4Packet.emitHeader(b, ipAt, tos, headers + n, (id + i) & 0xffff, df, 0, ttl, Ipv4Packet.PROTO_TCP, saddr, daddr);
                b.put(tcpAt, src, tcp, thl);
                b.put(tcpAt + thl, src, tcp + thl + off, n);
                if (padded > len) {
                    Arrays.fill(slab.array(), at + len, at + padded, (byte) 0);
                }
                int f = flags;
                if (i < pieces - 1) {
                    f &= ~(TcpSegment.FIN | TcpSegment.PSH);
                }
                if (i > 0) {
                    f &= ~CWR;
                }
                b.putInt(tcpAt + TCP_SEQ, seq + off);
                b.put(tcpAt + TCP_FLAGS, (byte) f);
                if (partial) {
                    PartialChecksum.mark(b, tcpAt, thl + n, Ipv4Packet.PROTO_TCP);
                } else {
                    PartialChecksum.fill(b, tcpAt, thl + n, saddr, daddr, Ipv4Packet.PROTO_TCP);
                }
                frames[i] = ro.slice(at, padded);
                bytes += padded;
                at += padded;
            }
            txPackets.add(pieces);
            txBytes.add(bytes);
            if (taker != null) {
                taker.transmitBurst(frames, pieces, lease);
            } else {
                for (ByteBuffer f : frames) {
                    device.transmit(f);
                }
            }
        } finally {
            slab.release();
        }
    }
}
