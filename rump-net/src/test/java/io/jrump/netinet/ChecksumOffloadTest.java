package io.jrump.netinet;

import static io.jrump.api.SocketConstants.*;
import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.net.dev.EthernetBus;
import io.jrump.net.dev.LinkEmulator;
import io.jrump.net.dev.LoopbackDevice;
import io.jrump.net.dev.PcapWriter;
import io.jrump.dev.net.Checksum;
import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Ipv4Address;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.net.wire.PartialChecksum;
import io.jrump.testing.Peers;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checksum offload through {@link NetDevice#offloads()}: in-memory devices let TCP and UDP
 * checksums go uncomputed, and everything that takes frames out of memory (a device without
 * offload behind a router, a pcap file, a corrupting link) still sees or catches real ones.
 */
class ChecksumOffloadTest {

    /** Both checksum offloads; segmentation offload is withheld so segments stay MSS-sized (see SegmentationOffloadTest). */
    private static final Set<NetDevice.Offload> ALL = Set.of(NetDevice.Offload.TX_CHECKSUM, NetDevice.Offload.RX_CHECKSUM);
    private static final Set<NetDevice.Offload> RX_ONLY = Set.of(NetDevice.Offload.RX_CHECKSUM);

    /**
     * A device between the stack and another device that records what is sent and offers at
     * most {@code offered} of the inner device's offloads. Withholding RX_CHECKSUM is honest only
     * where no peer sends partial checksums (a bus on which nobody offers TX_CHECKSUM).
     */
    private static final class Recorder implements NetDevice {
        final NetDevice inner;
        final Set<Offload> offered;
        final List<ByteBuffer> sent = new CopyOnWriteArrayList<>();

        Recorder(NetDevice inner, Set<Offload> offered) {
            this.inner = inner;
            this.offered = offered;
        }

        @Override
        public byte[] macAddress() {
            return inner.macAddress();
        }

        @Override
        public int mtu() {
            return inner.mtu();
        }

        @Override
        public void transmit(ByteBuffer frame) throws ErrnoException {
            ByteBuffer c = ByteBuffer.allocate(frame.remaining());
            c.put(0, frame, frame.position(), frame.remaining());
            sent.add(c);
            inner.transmit(frame);
        }

        @Override
        public void receiver(Receiver receiver) {
            inner.receiver(receiver);
        }

        @Override
        public boolean isLinkUp() {
            return inner.isLinkUp();
        }

        @Override
        public Set<Offload> offloads() {
            java.util.EnumSet<Offload> o = java.util.EnumSet.noneOf(Offload.class);
            o.addAll(inner.offloads());
            o.retainAll(offered);
            return o;
        }

        @Override
        public void close() {
            inner.close();
        }

        /** Recorded IPv4 datagrams of {@code protocol} (unfragmented or first fragments), as views at the IP header. */
        List<Ipv4Packet> datagrams(int protocol) {
            List<Ipv4Packet> out = new ArrayList<>();
            for (ByteBuffer f : sent) {
                if (f.remaining() > EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN && new EthernetFrame(f).etherType() == EthernetFrame.ETHERTYPE_IPV4) {
                    Ipv4Packet p = new Ipv4Packet(new EthernetFrame(f).payload());
                    if (p.protocol() == protocol && p.fragmentOffset() == 0) {
                        out.add(new Ipv4Packet(p.datagram()));
                    }
                }
            }
            return out;
        }
    }

    /** The transport checksum field of an unfragmented datagram. */
    private static int transportChecksum(Ipv4Packet p) {
        ByteBuffer t = p.payload();
        return t.getShort(t.position() + PartialChecksum.fieldOffset(p.protocol())) & 0xffff;
    }

    /** Whether the transport checksum of an unfragmented datagram verifies. */
    private static boolean transportChecksumVerifies(Ipv4Packet p) {
        ByteBuffer t = p.payload();
        return Checksum.finish(Checksum.add(Checksum.pseudoHeader(p.src(), p.dst(), p.protocol(), t.remaining()), t, t.position(), t.remaining())) == 0;
    }

    static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    /** One UDP datagram of {@code data} from {@code sa} to {@code dst}:4000 on {@code sb}; returns what arrived. */
    private static byte[] udp(Syscalls sa, Syscalls sb, String dst, byte[] data) throws Exception {
        int srv = sb.socket(AF_INET, SOCK_DGRAM, 0);
        sb.bind(srv, at("0.0.0.0", 4000));
        sb.setsockopt(srv, SOL_SOCKET, SO_RCVTIMEO, 5000);
        int cli = sa.socket(AF_INET, SOCK_DGRAM, 0);
        sa.sendto(cli, ByteBuffer.wrap(data), 0, at(dst, 4000));
        ByteBuffer got = ByteBuffer.allocate(data.length + 100);
        sb.recvfrom(srv, got, 0);
        sa.close(cli);
        sb.close(srv);
        return java.util.Arrays.copyOf(got.array(), got.position());
    }

    static RumpKernel kernel(String name, NetDevice dev, String addr) throws Exception {
        RumpKernel k = Rump.builder().component("net").boot();
        k.netconfig().ifcreate(name, dev);
        k.netconfig().ipv4Address(name, addr);
        return k;
    }

    private static long count(RumpKernel k, String counter) throws Exception {
        return k.netconfig().counters().getOrDefault(counter, 0L);
    }

    @Test
    void memoryDevicesOfferChecksumOffloadAndWrappersAnswerForThemselves() throws Exception {
        Set<NetDevice.Offload> both = Set.of(NetDevice.Offload.TX_CHECKSUM, NetDevice.Offload.RX_CHECKSUM);
        Set<NetDevice.Offload> memory = Set.of(NetDevice.Offload.values());
        EthernetBus bus = new EthernetBus();
        NetDevice port = bus.port();
        assertEquals(memory, port.offloads());
        try (LoopbackDevice lo = new LoopbackDevice()) {
            assertEquals(memory, lo.offloads());
        }
        assertEquals(memory, new PcapWriter(bus.port(), java.io.OutputStream.nullOutputStream()).offloads(), "the file gets filled-in copies");
        LinkEmulator lossy = new LinkEmulator(bus.port(), 1, LinkEmulator.Impairments.none().withLoss(0.5));
        assertEquals(both, lossy.offloads(), "loss changes no byte, but applies to MTU-sized frames");
        lossy.impairments(LinkEmulator.Impairments.none().withCorrupt(0.01));
        assertEquals(Set.of(NetDevice.Offload.RX_CHECKSUM), lossy.offloads(), "a corrupting link needs real checksums on what it sends");
        assertEquals(Set.of(), new Recorder(port, Set.of()).offloads());
    }

    @Test
    void onTheBusChecksumsAreLeftPartialAndDataArrivesIntact() throws Exception {
        EthernetBus bus = new EthernetBus();
        Recorder rec = new Recorder(bus.port(), ALL);
        RumpKernel a = kernel("shm0", rec, "10.0.0.1/24");
        RumpKernel b = kernel("shm0", bus.port(), "10.0.0.2/24");
        try {
            byte[][] d = TcpTransfer.digests(a.sys(), b.sys(), "10.0.0.2", 4 << 20);
            assertArrayEquals(d[0], d[1]);
            byte[] msg = new byte[1000];
            new Random(5).nextBytes(msg);
            assertArrayEquals(msg, udp(a.sys(), b.sys(), "10.0.0.2", msg));
            byte[] big = new byte[3000];
            new Random(9).nextBytes(big);
            assertArrayEquals(big, udp(a.sys(), b.sys(), "10.0.0.2", big));

            List<Ipv4Packet> tcp = rec.datagrams(Ipv4Packet.PROTO_TCP);
            assertTrue(tcp.size() > 2000, "4 MiB in segments: " + tcp.size());
            for (Ipv4Packet p : tcp) {
                assertEquals(0, transportChecksum(p), "TCP checksum left to the device");
                assertEquals(0, Checksum.of(p.datagram(), 0, p.headerLength()), "the IPv4 header checksum is always computed");
            }
            List<Ipv4Packet> u = rec.datagrams(Ipv4Packet.PROTO_UDP);
            assertEquals(2, u.size());
            assertEquals(0, transportChecksum(u.get(0)), "UDP checksum left to the device");
            assertTrue(u.get(1).moreFragments());
            assertEquals(expectedUdpChecksum(u.get(1), big), transportChecksum(u.get(1)), "computed before fragmenting");
            assertEquals(0, count(b, "tcp.drops.bad_checksum"));
            assertEquals(0, count(b, "udp.drops.bad_checksum"));
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void withoutTxOffloadTheStackComputesEveryChecksum() throws Exception {
        EthernetBus bus = new EthernetBus();
        Recorder rec = new Recorder(bus.port(), RX_ONLY);
        RumpKernel a = kernel("shm0", rec, "10.0.0.1/24");
        RumpKernel b = kernel("shm0", bus.port(), "10.0.0.2/24");
        try {
            byte[][] d = TcpTransfer.digests(a.sys(), b.sys(), "10.0.0.2", 1 << 20);
            assertArrayEquals(d[0], d[1]);
            byte[] msg = new byte[3000]; // fragmented: the checksum is computed before fragmenting
            new Random(6).nextBytes(msg);
            assertArrayEquals(msg, udp(a.sys(), b.sys(), "10.0.0.2", msg));
            List<Ipv4Packet> tcp = rec.datagrams(Ipv4Packet.PROTO_TCP);
            assertTrue(tcp.size() > 500);
            for (Ipv4Packet p : tcp) {
                assertTrue(transportChecksumVerifies(p), "TCP checksum computed");
            }
            List<Ipv4Packet> u = rec.datagrams(Ipv4Packet.PROTO_UDP);
            assertEquals(1, u.size());
            assertNotEquals(0, transportChecksum(u.get(0)), "UDP checksum computed");
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void pcapOfAnOffloadedExchangeHoldsCorrectChecksums(@TempDir Path dir) throws Exception {
        EthernetBus bus = new EthernetBus();
        Path file = dir.resolve("offload.pcap");
        Recorder rec = new Recorder(bus.port(), ALL);
        PcapWriter pcap = new PcapWriter(rec, file);
        RumpKernel a = kernel("shm0", pcap, "10.0.0.1/24");
        RumpKernel b = kernel("shm0", bus.port(), "10.0.0.2/24");
        try {
            byte[][] d = TcpTransfer.digests(a.sys(), b.sys(), "10.0.0.2", 256 << 10);
            assertArrayEquals(d[0], d[1]);
            byte[][] back = TcpTransfer.digests(b.sys(), a.sys(), "10.0.0.1", 64 << 10); // received segments are captured too
            assertArrayEquals(back[0], back[1]);
            byte[] msg = new byte[500];
            assertArrayEquals(msg, udp(a.sys(), b.sys(), "10.0.0.2", msg));
            assertArrayEquals(msg, udp(b.sys(), a.sys(), "10.0.0.1", msg));
        } finally {
            a.close();
            b.close();
        }
        assertNull(pcap.error());
        assertTrue(rec.datagrams(Ipv4Packet.PROTO_TCP).stream().allMatch(p -> transportChecksum(p) == 0), "the exchange was offloaded");
        Peers.require("tshark", "tshark");
        String[] checks = {"-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"};
        String expert = tshark(file, checks, "-z", "expert", "-q");
        assertFalse(expert.contains("Bad checksum"), expert);
        assertFalse(expert.toLowerCase().contains("incorrect"), expert);
        assertFalse(expert.contains("Errors ("), expert);
        long good = tshark(file, checks, "-Y", "tcp.checksum.status == 1 || udp.checksum.status == 1").lines().count();
        String notGood = tshark(file, checks, "-Y", "(tcp && tcp.checksum.status != 1) || (udp && udp.checksum.status != 1)");
        assertTrue(good > 100, "checksums verified by tshark: " + good);
        assertEquals("", notGood.strip(), "every TCP and UDP checksum in the file is good");
    }

    @Test
    void corruptedFramesAreDroppedByChecksum() throws Exception {
        EthernetBus bus = new EthernetBus();
        var im = LinkEmulator.Impairments.none().withCorrupt(0.05);
        LinkEmulator ea = new LinkEmulator(bus.port(), 11, im);
        LinkEmulator eb = new LinkEmulator(bus.port(), 12, im);
        RumpKernel a = kernel("shm0", ea, "10.0.0.1/24");
        RumpKernel b = kernel("shm0", eb, "10.0.0.2/24");
        try {
            byte[][] d = TcpTransfer.digests(a.sys(), b.sys(), "10.0.0.2", 2 << 20);
            assertArrayEquals(d[0], d[1], "no corrupted byte delivered");
            assertTrue(ea.stats().contains("corrupted=") && !ea.stats().contains("corrupted=0 "), ea.stats());
            long caught = count(b, "tcp.drops.bad_checksum");
            assertTrue(caught > 0, "corrupted segments dropped by the TCP checksum: " + b.netconfig().counters());
        } finally {
            a.close();
            b.close();
        }
    }

    /** A: 10.0.1.2 on an offloading bus; R forwards to C: 10.0.2.2 behind devices without offload. */
    @Test
    void forwardingToADeviceWithoutOffloadFillsChecksums() throws Exception {
        EthernetBus left = new EthernetBus(9000);
        EthernetBus right = new EthernetBus();
        Recorder out = new Recorder(right.port(), Set.of());
        RumpKernel a = kernel("shm0", left.port(), "10.0.1.2/24");
        RumpKernel r = kernel("shm0", left.port(), "10.0.1.1/24");
        RumpKernel c = kernel("shm0", new Recorder(right.port(), Set.of()), "10.0.2.2/24");
        try {
            a.netconfig().ipv4Gateway("10.0.1.1");
            c.netconfig().ipv4Gateway("10.0.2.1");
            r.netconfig().ifcreate("shm1", out);
            r.netconfig().ipv4Address("shm1", "10.0.2.1/24");
            r.netconfig().forwarding(true);
            byte[][] d = TcpTransfer.digests(a.sys(), c.sys(), "10.0.2.2", 1 << 20);
            assertArrayEquals(d[0], d[1]);
            byte[] small = new byte[700];
            new Random(7).nextBytes(small);
            assertArrayEquals(small, udp(a.sys(), c.sys(), "10.0.2.2", small));
            byte[] big = new byte[5000]; // whole on the jumbo bus, fragmented by R for the right one
            new Random(8).nextBytes(big);
            assertArrayEquals(big, udp(a.sys(), c.sys(), "10.0.2.2", big));

            List<Ipv4Packet> tcp = out.datagrams(Ipv4Packet.PROTO_TCP);
            assertTrue(tcp.stream().filter(p -> p.src() == Ipv4Address.parse("10.0.1.2")).count() > 500);
            for (Ipv4Packet p : tcp) {
                assertTrue(transportChecksumVerifies(p), "every TCP checksum leaving through shm1 is whole");
            }
            List<Ipv4Packet> u = out.datagrams(Ipv4Packet.PROTO_UDP);
            assertEquals(2, u.size());
            assertTrue(transportChecksumVerifies(u.get(0)), "UDP checksum filled by the router");
            assertTrue(u.get(1).moreFragments());
            assertEquals(expectedUdpChecksum(u.get(1), big), transportChecksum(u.get(1)), "filled before fragmenting");
            assertEquals(0, count(c, "tcp.drops.bad_checksum"), "C verifies everything and found nothing wrong");
            // A's TCP arrives as offloaded 64 KiB segments, which R cuts (with whole checksums) rather than forwards
            assertTrue(count(r, "ip.forward_checksums_filled") + count(r, "ip.forward_segmented") > 500, r.netconfig().counters().toString());
        } finally {
            a.close();
            r.close();
            c.close();
        }
    }

    /** The UDP checksum of the whole datagram whose first fragment is {@code first}, carrying {@code data}. */
    private static int expectedUdpChecksum(Ipv4Packet first, byte[] data) {
        ByteBuffer whole = ByteBuffer.allocate(8 + data.length);
        whole.put(0, first.payload(), first.payload().position(), 8);
        whole.put(8, data);
        PartialChecksum.fill(whole, 0, whole.capacity(), first.src(), first.dst(), Ipv4Packet.PROTO_UDP);
        return whole.getShort(6) & 0xffff;
    }

    static String tshark(Path file, String[] checks, String... more) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tshark", "-r", file.toString()));
        cmd.addAll(List.of(checks));
        cmd.addAll(List.of(more));
        return PeerTools.run(60, cmd.toArray(String[]::new));
    }
}
