package io.jrump.net;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.NetDevice.Offload;
import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.net.wire.PartialChecksum;
import io.jrump.net.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Software GSO and GRO at the interface: a TCP segment over the MTU leaves a device without
 * segmentation offload as the frames TCP would have built one MSS at a time (compared byte for
 * byte with segments built independently here), and a burst of such frames arriving on a
 * device with RX_CHECKSUM is merged back into the segment that was cut.
 */
class SoftwareGsoTest {
    /** The stub wire's own MAC: the receiving tests hand the frames to an interface with it. */
    private static final long PEER = 0x020000000001L;
    private static final int SRC = 0x0a000001;
    private static final int DST = 0x0a000002;
    private static final int ID = 0x1234;
    private static final int SEQ = 0x7ffffa00; // the pieces' sequence numbers wrap past 2^31
    private static final int MSS = 1448;
    private static final int CWR = 0x80;

    /** Options of a data segment: NOP, NOP, timestamps (RFC 7323). */
    private static final byte[] OPTIONS = {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9};

    @Test
    void piecesAreTheSegmentsTcpWouldHaveBuiltOneByOne() throws Exception {
        byte[] data = data(3 * MSS + 100);
        int flags = TcpSegment.ACK | TcpSegment.PSH | TcpSegment.FIN | CWR;
        List<ByteBuffer> frames = cut(data, flags, Set.of());
        assertEquals(4, frames.size());
        for (int i = 0; i < 4; i++) {
            int off = i * MSS;
            int n = Math.min(MSS, data.length - off);
            int f = TcpSegment.ACK | (i == 0 ? CWR : 0) | (i == 3 ? TcpSegment.PSH | TcpSegment.FIN : 0);
            ByteBuffer expected = frame(ID + i, SEQ + off, f, data, off, n, false);
            assertEquals(expected, frames.get(i), "piece " + i);
        }
    }

    @Test
    void aDeviceWithChecksumOffloadGetsPiecesWithThePartialMark() throws Exception {
        byte[] data = data(2 * MSS);
        List<ByteBuffer> frames = cut(data, TcpSegment.ACK, Set.of(Offload.TX_CHECKSUM));
        assertEquals(2, frames.size());
        for (int i = 0; i < 2; i++) {
            assertEquals(frame(ID + i, SEQ + i * MSS, TcpSegment.ACK, data, i * MSS, MSS, true), frames.get(i), "piece " + i);
        }
    }

    @Test
    void aSegmentWithoutTheSegmentSizeOrWithinTheMtuIsNotCut() throws Exception {
        StubWire wire = new StubWire(Set.of());
        NetIf ifp = new NetIf("eth0", wire, false);
        ifp.setUp(true);
        ifp.output(PEER, EthernetFrame.ETHERTYPE_IPV4, datagram(data(1000), TcpSegment.ACK), false, MSS);
        assertEquals(1, wire.frames.size());
        assertEquals(14 + 20 + 32 + 1000, wire.frames.get(0).remaining());
    }

    @Test
    void aBurstOfPiecesIsMergedBackIntoTheSegmentThatWasCut() throws Exception {
        byte[] data = data(5 * MSS + 7);
        int flags = TcpSegment.ACK | TcpSegment.PSH;
        List<ByteBuffer> frames = cut(data, flags, Set.of(Offload.TX_CHECKSUM));
        Receiving rx = new Receiving(Set.of(Offload.RX_CHECKSUM));
        for (int i = 0; i < frames.size(); i++) {
            rx.wire.receiver.receive(frames.get(i).asReadOnlyBuffer(), i < frames.size() - 1);
        }
        assertEquals(1, rx.datagrams.size());
        ByteBuffer original = datagram(data, flags);
        PartialChecksum.mark(original, Ipv4Packet.HEADER_LEN, original.remaining() - Ipv4Packet.HEADER_LEN, Ipv4Packet.PROTO_TCP);
        assertEquals(original, rx.datagrams.get(0), "the merged segment is the original, checksum left partial");
        assertDoesNotThrow(() -> new Ipv4Packet(rx.datagrams.get(0)).check(), "a valid IPv4 header");
        assertEquals(6L, rx.ifp.counters().get("rx_packets"));
        assertEquals(1L, rx.ifp.counters().get("rx_merged"));
    }

    @Test
    void whatDoesNotContinueTheHeldSegmentEndsTheMerge() throws Exception {
        byte[] data = data(4 * MSS);
        List<ByteBuffer> frames = cut(data, TcpSegment.ACK, Set.of(Offload.TX_CHECKSUM));
        Receiving rx = new Receiving(Set.of(Offload.RX_CHECKSUM));
        // pieces 0, 1, 3, 2: the gap ends the first merge, and 3 and 2 do not continue each other
        int[] order = {0, 1, 3, 2};
        for (int i = 0; i < order.length; i++) {
            rx.wire.receiver.receive(frames.get(order[i]), i < order.length - 1);
        }
        assertEquals(List.of(2 * MSS, MSS, MSS), payloads(rx.datagrams));
        // a PSH ends a merge: the next piece starts a new one
        rx.datagrams.clear();
        List<ByteBuffer> pushed = cut(data, TcpSegment.ACK | TcpSegment.PSH, Set.of(Offload.TX_CHECKSUM));
        List<ByteBuffer> next = cut(data, TcpSegment.ACK, Set.of(Offload.TX_CHECKSUM), SEQ + data.length);
        List<ByteBuffer> burst = new ArrayList<>(pushed);
        burst.addAll(next);
        for (int i = 0; i < burst.size(); i++) {
            rx.wire.receiver.receive(burst.get(i), i < burst.size() - 1);
        }
        assertEquals(List.of(4 * MSS, 4 * MSS), payloads(rx.datagrams));
    }

    @Test
    void framesWithComputedChecksumsOrWithoutTheBurstHintAreNotMerged() throws Exception {
        byte[] data = data(3 * MSS);
        Receiving rx = new Receiving(Set.of(Offload.RX_CHECKSUM));
        List<ByteBuffer> whole = cut(data, TcpSegment.ACK, Set.of()); // computed checksums: may be damaged
        for (int i = 0; i < whole.size(); i++) {
            rx.wire.receiver.receive(whole.get(i), i < whole.size() - 1);
        }
        assertEquals(List.of(MSS, MSS, MSS), payloads(rx.datagrams));
        rx.datagrams.clear();
        for (ByteBuffer f : cut(data, TcpSegment.ACK, Set.of(Offload.TX_CHECKSUM))) {
            rx.wire.receiver.receive(f);
        }
        assertEquals(List.of(MSS, MSS, MSS), payloads(rx.datagrams));
        Receiving noOffload = new Receiving(Set.of());
        List<ByteBuffer> partial = cut(data, TcpSegment.ACK, Set.of(Offload.TX_CHECKSUM));
        for (int i = 0; i < partial.size(); i++) {
            noOffload.wire.receiver.receive(partial.get(i), i < partial.size() - 1);
        }
        assertEquals(List.of(MSS, MSS, MSS), payloads(noOffload.datagrams), "a device whose frames may have left memory");
    }

    // ---- helpers ----

    /** An interface on a stub wire whose IPv4 handler keeps copies of what it gets. */
    private static final class Receiving {
        final StubWire wire;
        final NetIf ifp;
        final List<ByteBuffer> datagrams = new ArrayList<>();

        Receiving(Set<Offload> offloads) {
            wire = new StubWire(offloads);
            ifp = new NetIf("eth0", wire, false);
            ifp.handlers((i, src, dst, payload) -> {
                ByteBuffer c = ByteBuffer.allocate(payload.remaining());
                c.put(0, payload, payload.position(), payload.remaining());
                datagrams.add(c);
            }, null);
            ifp.attach();
            ifp.setUp(true);
        }
    }

    private static List<Integer> payloads(List<ByteBuffer> datagrams) {
        List<Integer> n = new ArrayList<>();
        for (ByteBuffer d : datagrams) {
            n.add(d.remaining() - Ipv4Packet.HEADER_LEN - TcpSegment.HEADER_LENGTH - OPTIONS.length);
        }
        return n;
    }

    private static byte[] data(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static List<ByteBuffer> cut(byte[] data, int flags, Set<Offload> offloads) throws Exception {
        return cut(data, flags, offloads, SEQ);
    }

    /** The frames an interface to a device with {@code offloads} sends for one segment of {@code data}, copied. */
    private static List<ByteBuffer> cut(byte[] data, int flags, Set<Offload> offloads, int seq) throws Exception {
        StubWire wire = new StubWire(offloads);
        NetIf ifp = new NetIf("eth0", wire, false);
        ifp.setUp(true);
        List<ByteBuffer> frames = new ArrayList<>();
        ifp.output(PEER, EthernetFrame.ETHERTYPE_IPV4, datagram(data, flags, seq), false, MSS);
        for (ByteBuffer f : wire.frames) {
            ByteBuffer c = ByteBuffer.allocate(f.remaining());
            c.put(0, f, f.position(), f.remaining());
            frames.add(c); // the interface reuses its frame memory once the device returns
        }
        return frames;
    }

    private static ByteBuffer datagram(byte[] data, int flags) {
        return datagram(data, flags, SEQ);
    }

    /** The IPv4 datagram of one segment of {@code data} as TCP hands it down, checksum not yet filled. */
    private static ByteBuffer datagram(byte[] data, int flags, int seq) {
        int thl = TcpSegment.HEADER_LENGTH + OPTIONS.length;
        ByteBuffer d = ByteBuffer.allocate(Ipv4Packet.HEADER_LEN + thl + data.length);
        Ipv4Packet.emitHeader(d, 0, 0, d.capacity(), ID, 0, 0, Ipv4Packet.DEFAULT_TTL, Ipv4Packet.PROTO_TCP, SRC, DST);
        tcpHeader(d, Ipv4Packet.HEADER_LEN, seq, flags);
        d.put(Ipv4Packet.HEADER_LEN + thl, data);
        return d.clear();
    }

    private static void tcpHeader(ByteBuffer b, int at, int seq, int flags) {
        TcpSegment s = new TcpSegment(b.duplicate().position(at));
        s.setSrcPort(40000).setDstPort(5001).setSeq(seq).setAck(0x55667788)
                .setHeaderLength(TcpSegment.HEADER_LENGTH + OPTIONS.length).setFlags(flags).setWindow(512);
        b.put(at + TcpSegment.HEADER_LENGTH, OPTIONS);
    }

    /** The frame of one segment built on its own, as TCP and IPv4 send it without GSO. */
    private static ByteBuffer frame(int id, int seq, int flags, byte[] data, int off, int n, boolean partial) {
        int thl = TcpSegment.HEADER_LENGTH + OPTIONS.length;
        ByteBuffer f = ByteBuffer.allocate(EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN + thl + n);
        EthernetFrame.emitHeader(f, 0, PEER, 0x020000000001L, EthernetFrame.ETHERTYPE_IPV4);
        int ip = EthernetFrame.HEADER_LEN;
        Ipv4Packet.emitHeader(f, ip, 0, Ipv4Packet.HEADER_LEN + thl + n, id, 0, 0, Ipv4Packet.DEFAULT_TTL, Ipv4Packet.PROTO_TCP, SRC, DST);
        int tcp = ip + Ipv4Packet.HEADER_LEN;
        tcpHeader(f, tcp, seq, flags);
        f.put(tcp + thl, data, off, n);
        if (partial) {
            PartialChecksum.mark(f, tcp, thl + n, Ipv4Packet.PROTO_TCP);
        } else {
            PartialChecksum.fill(f, tcp, thl + n, SRC, DST, Ipv4Packet.PROTO_TCP);
        }
        return f.clear();
    }
}
