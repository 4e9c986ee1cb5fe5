package io.jrump.net;

import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.net.wire.TcpSegment;
import java.nio.ByteBuffer;

/**
 * Software GRO at the bottom of an interface (Linux's {@code napi_gro_receive} with
 * {@code tcp4_gro_receive}): consecutive in-order TCP segments of one flow that arrive in one
 * burst ({@link io.jrump.api.NetDevice.Receiver#receive(ByteBuffer, boolean)}) are merged into
 * one segment before IPv4 and TCP see them, so TCP input, and the ACK it sends, run once per
 * burst instead of once per frame. The rules are Linux's: same addresses, ports, TOS, TTL and
 * DF; the next sequence number; the same acknowledgment, window and options (byte for byte, so
 * the timestamps too); no flag but ACK, and PSH ends a merge. Anything else, and the last
 * frame of the burst, ends the merge and the merged segment goes up.
 *
 * <p>Only frames that never left memory are merged: the device offers {@code RX_CHECKSUM} and
 * the segment carries the partial mark ({@link io.jrump.net.wire.PartialChecksum}), so the
 * merged segment carries it too and nobody computes a checksum for either. A frame with a
 * computed checksum (which may be damaged) goes up on its own and is verified as usual.
 * Merged segments are built in one buffer this class reuses: frames from a device whose
 * frames stay valid, which the layers above may keep, are never merged.
 *
 * <p>A device delivers one frame at a time (the {@code Receiver} contract), so the state here
 * needs no lock; a frame delivered while a merged segment is going up (a receiver answering
 * on the same thread) goes up on its own.
 */
final class ReceiveCoalescer {
    /** Offsets in the IPv4 header (RFC 791 3.1) and the TCP header (RFC 9293 3.1). */
    private static final int IP_TOTAL_LEN = 2;
    private static final int IP_FLAGS = 6;
    private static final int IP_TTL = 8;
    private static final int IP_PROTOCOL = 9;
    private static final int IP_SRC = 12;
    private static final int TCP_SEQ = 4;
    private static final int TCP_DATA_OFFSET = 12;
    private static final int TCP_FLAGS = 13;
    private static final int TCP_CHECKSUM = 16;
    /** Flags a merged frame may carry: ACK always, PSH on the one that ends the merge. */
    private static final int MERGEABLE = TcpSegment.ACK | TcpSegment.PSH;
    private static final int ETH = EthernetFrame.HEADER_LEN;
    private static final int IP = ETH;
    private static final int TCP = ETH + Ipv4Packet.HEADER_LEN;

    private final NetIf ifp;
    /** The merged frame being built: Ethernet, IPv4 and TCP headers of the first frame, then the payloads. */
    private byte[] held;
    private ByteBuffer heldBuf;
    /** Frames in {@link #held}: 0 when nothing is held. */
    private int frames;
    /** Bytes of the frames merged so far, for the interface's counters. */
    private long frameBytes;
    private int end;
    private int headerBytes;
    private int nextSeq;
    private boolean delivering;

    ReceiveCoalescer(NetIf ifp) {
        this.ifp = ifp;
    }

    /** A frame from the device; {@code more} when the next one of its burst follows at once. */
    void receive(ByteBuffer frame, boolean more) {
        if (frames == 0 && (!more || delivering)) {
            ifp.receive(frame, 1, frame.remaining(), false);
            return;
        }
        int thl = mergeable(frame);
        if (thl > 0 && frames > 0 && append(frame, thl)) {
            if (!more || (frame.get(frame.position() + TCP + TCP_FLAGS) & TcpSegment.PSH) != 0) {
                flush();
            }
            return;
        }
        flush();
        if (thl > 0 && more) {
            start(frame, thl);
        } else {
            ifp.receive(frame, 1, frame.remaining(), false);
        }
    }

    /**
     * The TCP header length of {@code frame} when it may be merged at all, else 0: a unicast
     * frame to this interface holding an unfragmented IPv4 datagram without options, filling the
     * frame exactly, of a TCP segment with payload, the partial checksum mark and no flag but
     * ACK and PSH, on an interface that is up and whose device offers {@code RX_CHECKSUM}.
     */
    private int mergeable(ByteBuffer frame) {
        int p = frame.position();
        int n = frame.remaining();
        if (n < TCP + TcpSegment.HEADER_LENGTH || delivering || !ifp.mayCoalesce()) {
            return 0;
        }
        if (new EthernetFrame(frame).dst() != ifp.mac() || (frame.getShort(p + 12) & 0xffff) != EthernetFrame.ETHERTYPE_IPV4
                || frame.get(p + IP) != 0x45 || (frame.get(p + IP + IP_PROTOCOL) & 0xff) != Ipv4Packet.PROTO_TCP
                || (frame.getShort(p + IP + IP_TOTAL_LEN) & 0xffff) != n - ETH
                || (frame.getShort(p + IP + IP_FLAGS) & (Ipv4Packet.FLAG_MF | 0x1fff)) != 0) {
            return 0;
        }
        int thl = ((frame.get(p + TCP + TCP_DATA_OFFSET) & 0xff) >>> 4) * 4;
        int flags = frame.get(p + TCP + TCP_FLAGS) & 0xff;
        if (thl < TcpSegment.HEADER_LENGTH || TCP + thl >= n || (flags & ~MERGEABLE) != 0 || (flags & TcpSegment.ACK) == 0
                || frame.getShort(p + TCP + TCP_CHECKSUM) != 0) {
            return 0;
        }
        return thl;
    }

    /** Holds a copy of {@code frame} as the start of a merged segment. */
    private void start(ByteBuffer frame, int thl) {
        if (held == null) {
            held = new byte[ETH + Ipv4Packet.MAX_LENGTH];
            heldBuf = ByteBuffer.wrap(held);
        }
        int n = frame.remaining();
        frame.get(frame.position(), held, 0, n);
        frames = 1;
        frameBytes = n;
        end = n;
        headerBytes = TCP + thl;
        nextSeq = heldBuf.getInt(TCP + TCP_SEQ) + (n - headerBytes);
    }

    /** Appends {@code frame}'s payload to the held segment when it continues it; false when it does not. */
    private boolean append(ByteBuffer frame, int thl) {
        int p = frame.position();
        int n = frame.remaining();
        int payload = n - TCP - thl;
        if (TCP + thl != headerBytes || end + payload > held.length || (heldBuf.get(TCP + TCP_FLAGS) & TcpSegment.PSH) != 0
                || frame.getInt(p + TCP + TCP_SEQ) != nextSeq) {
            return false;
        }
        // source MAC, TOS, DF, TTL, addresses, ports, ACK, window and options: all as held
        if (frame.getShort(p + 6) != heldBuf.getShort(6) || frame.getInt(p + 8) != heldBuf.getInt(8)
                || frame.get(p + IP + 1) != heldBuf.get(IP + 1)
                || (frame.getShort(p + IP + IP_FLAGS) ^ heldBuf.getShort(IP + IP_FLAGS)) != 0
                || frame.get(p + IP + IP_TTL) != heldBuf.get(IP + IP_TTL)
                || frame.getLong(p + IP + IP_SRC) != heldBuf.getLong(IP + IP_SRC)
                || frame.getInt(p + TCP) != heldBuf.getInt(TCP)
                || frame.getInt(p + TCP + 8) != heldBuf.getInt(TCP + 8)
                || frame.getShort(p + TCP + 14) != heldBuf.getShort(TCP + 14)) {
            return false;
        }
        for (int i = TcpSegment.HEADER_LENGTH; i < thl; i += 4) { // options: the header length is a multiple of 4
            if (frame.getInt(p + TCP + i) != heldBuf.getInt(TCP + i)) {
                return false;
            }
        }
        frame.get(p + TCP + thl, held, end, payload);
        end += payload;
        nextSeq += payload;
        frames++;
        frameBytes += n;
        heldBuf.put(TCP + TCP_FLAGS, (byte) (heldBuf.get(TCP + TCP_FLAGS) | frame.get(p + TCP + TCP_FLAGS)));
        return true;
    }

    /** Sends the held segment up, its IPv4 length and header checksum made to fit what was merged. */
    private void flush() {
        if (frames == 0) {
            return;
        }
        int count = frames;
        long bytes = frameBytes;
        frames = 0;
        if (count > 1) {
            int id = heldBuf.getShort(IP + 4) & 0xffff;
            int tos = heldBuf.get(IP + 1) & 0xff;
            int df = heldBuf.getShort(IP + IP_FLAGS) & Ipv4Packet.FLAG_DF;
            int ttl = heldBuf.get(IP + IP_TTL) & 0xff;
            Ipv4Packet.emitHeader(heldBuf, IP, tos, end - ETH, id, df, 0, ttl, Ipv4Packet.PROTO_TCP, heldBuf.getInt(IP + IP_SRC),
                    heldBuf.getInt(IP + IP_SRC + 4));
        }
        delivering = true;
        try {
            ifp.receive(ByteBuffer.wrap(held, 0, end), count, bytes, count > 1);
        } finally {
            delivering = false;
        }
    }
}
