package io.jrump.netinet;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.RumpKernel;
import io.jrump.net.dev.EthernetBus;
import io.jrump.net.dev.LinkEmulator;
import io.jrump.net.dev.PcapWriter;
import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.testing.Peers;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segmentation offload ({@code SEGMENTATION}): between memory devices TCP sends segments of up
 * to 64 KiB whatever the MTU and the receiver takes them whole; a link emulator, which models a
 * wire, keeps segments to the MTU; a router forwarding offloaded segments to a device without the
 * offload cuts them into valid MSS-sized segments instead of fragmenting them.
 */
class SegmentationOffloadTest {
    private static final int MTU = 1500;

    @Test
    void onTheBusTcpSendsSegmentsLargerThanTheMtuAndTsharkReadsThem(@TempDir Path dir) throws Exception {
        EthernetBus bus = new EthernetBus(MTU);
        Path file = dir.resolve("tso.pcap");
        PcapWriter pcap = new PcapWriter(bus.port(), file);
        RumpKernel a = ChecksumOffloadTest.kernel("shm0", pcap, "10.0.0.1/24");
        RumpKernel b = ChecksumOffloadTest.kernel("shm0", bus.port(), "10.0.0.2/24");
        try {
            byte[][] d = TcpTransfer.digests(a.sys(), b.sys(), "10.0.0.2", 8 << 20);
            assertArrayEquals(d[0], d[1]);
        } finally {
            a.close();
            b.close();
        }
        List<Integer> sizes = frameSizes(Files.readAllBytes(file));
        long large = sizes.stream().filter(n -> n > MTU + EthernetFrame.HEADER_LEN).count();
        int max = sizes.stream().mapToInt(Integer::intValue).max().orElse(0);
        assertTrue(large > 0, "offloaded segments over the MTU on the bus");
        assertTrue(max <= EthernetFrame.HEADER_LEN + Ipv4Packet.MAX_LENGTH, "no frame over one datagram: " + max);
        assertTrue(sizes.size() < (8 << 20) / 1448, "8 MiB took fewer frames than MSS-sized segments would: " + sizes.size());
        Peers.require("tshark", "tshark");
        String[] checks = {"-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"};
        String expert = ChecksumOffloadTest.tshark(file, checks, "-z", "expert", "-q");
        assertFalse(expert.contains("Malformed"), expert);
        assertFalse(expert.contains("Bad checksum"), expert);
        String notGood = ChecksumOffloadTest.tshark(file, checks, "-Y", "tcp && tcp.checksum.status != 1");
        assertEquals("", notGood.strip(), "every TCP checksum in the file is good");
    }

    @Test
    void aLinkEmulatorKeepsSegmentsToTheMtu() throws Exception {
        EthernetBus bus = new EthernetBus(MTU);
        ByteArrayOutputStream capture = new ByteArrayOutputStream();
        LinkEmulator wire = new LinkEmulator(bus.port(), 3, LinkEmulator.Impairments.none());
        PcapWriter pcap = new PcapWriter(wire, capture);
        RumpKernel a = ChecksumOffloadTest.kernel("shm0", pcap, "10.0.0.1/24");
        RumpKernel b = ChecksumOffloadTest.kernel("shm0", new LinkEmulator(bus.port(), 4, LinkEmulator.Impairments.none()), "10.0.0.2/24");
        try {
            byte[][] d = TcpTransfer.digests(a.sys(), b.sys(), "10.0.0.2", 2 << 20);
            assertArrayEquals(d[0], d[1]);
        } finally {
            a.close();
            b.close();
        }
        pcap.close();
        List<Integer> sizes = frameSizes(capture.toByteArray());
        assertTrue(sizes.size() > (2 << 20) / 1448, "MSS-sized segments: " + sizes.size());
        assertTrue(sizes.stream().allMatch(n -> n <= MTU + EthernetFrame.HEADER_LEN), "every frame within the MTU");
    }

    /**
     * Software GSO and GRO behind link emulators: the sender's interface cuts TCP's large
     * segments into MSS frames (the wire sees nothing over the MTU), and the receiver's
     * interface merges each burst again, so it takes far fewer segments into TCP than frames.
     */
    @Test
    void behindLinkEmulatorsSegmentsAreCutToTheMtuAndMergedAgainAtTheReceiver() throws Exception {
        EthernetBus bus = new EthernetBus(MTU);
        RumpKernel a = ChecksumOffloadTest.kernel("shm0", new LinkEmulator(bus.port(), 3, LinkEmulator.Impairments.none()), "10.0.0.1/24");
        RumpKernel b = ChecksumOffloadTest.kernel("shm0", new LinkEmulator(bus.port(), 4, LinkEmulator.Impairments.none()), "10.0.0.2/24");
        try {
            byte[][] d = TcpTransfer.digests(a.sys(), b.sys(), "10.0.0.2", 8 << 20);
            assertArrayEquals(d[0], d[1]);
            var txA = eth(a);
            var rxB = eth(b);
            assertTrue(txA.get("tx_packets") > (8 << 20) / 1448, "MSS-sized frames on the wire: " + txA);
            // b's interface drops (and counts) any frame over the MTU: its device offers no SEGMENTATION
            assertFalse(rxB.containsKey("drops.oversize"), "no frame over the MTU: " + rxB);
            assertTrue(rxB.get("rx_packets") > (8 << 20) / 1448, "MSS-sized frames received: " + rxB);
            assertTrue(rxB.getOrDefault("rx_merged", 0L) > 0, "bursts merged at the receiver: " + rxB);
            long tcpIn = b.netconfig().counters().getOrDefault("tcp.in.segs", 0L);
            assertTrue(tcpIn < rxB.get("rx_packets") / 4, "TCP input ran per burst, not per frame: " + tcpIn + " segments for " + rxB);
        } finally {
            a.close();
            b.close();
        }
    }

    private static java.util.Map<String, Long> eth(RumpKernel k) throws ErrnoException {
        return k.netconfig().interfaces().stream().filter(i -> i.name().equals("shm0")).findFirst().orElseThrow().counters();
    }

    /** A on an offloading bus, R forwards to C behind a link emulator (no offload): R cuts, never fragments. */
    @Test
    void aRouterCutsOffloadedSegmentsForADeviceWithoutTheOffload() throws Exception {
        EthernetBus left = new EthernetBus(MTU);
        EthernetBus right = new EthernetBus(MTU);
        RumpKernel a = ChecksumOffloadTest.kernel("shm0", left.port(), "10.0.1.2/24");
        RumpKernel r = ChecksumOffloadTest.kernel("shm0", left.port(), "10.0.1.1/24");
        RumpKernel c = ChecksumOffloadTest.kernel("shm0", new LinkEmulator(right.port(), 5, LinkEmulator.Impairments.none()), "10.0.2.2/24");
        try {
            a.netconfig().ipv4Gateway("10.0.1.1");
            c.netconfig().ipv4Gateway("10.0.2.1");
            r.netconfig().ifcreate("shm1", new LinkEmulator(right.port(), 6, LinkEmulator.Impairments.none()));
            r.netconfig().ipv4Address("shm1", "10.0.2.1/24");
            r.netconfig().forwarding(true);
            byte[][] d = TcpTransfer.digests(a.sys(), c.sys(), "10.0.2.2", 4 << 20);
            assertArrayEquals(d[0], d[1]);
            var counters = r.netconfig().counters();
            assertTrue(counters.getOrDefault("ip.forward_segmented", 0L) > 2800, counters.toString());
            assertEquals(0L, counters.getOrDefault("ip.fragmented", 0L), counters.toString());
            assertEquals(0L, c.netconfig().counters().getOrDefault("tcp.drops.bad_checksum", 0L));
        } finally {
            a.close();
            r.close();
            c.close();
        }
    }

    @Test
    void theBusCarriesOnlyTcpOverTheMtu() throws Exception {
        EthernetBus bus = new EthernetBus(MTU);
        NetDevice from = bus.port();
        NetDevice to = bus.port();
        List<Integer> got = new ArrayList<>();
        to.receiver(f -> got.add(f.remaining()));
        for (int proto : new int[] {Ipv4Packet.PROTO_UDP, Ipv4Packet.PROTO_TCP}) {
            ByteBuffer frame = ByteBuffer.allocate(EthernetFrame.HEADER_LEN + 3000);
            EthernetFrame.emitHeader(frame, 0, EthernetFrame.mac(to.macAddress()), EthernetFrame.mac(from.macAddress()), EthernetFrame.ETHERTYPE_IPV4);
            Ipv4Packet.emitHeader(frame, EthernetFrame.HEADER_LEN, 0, 3000, 1, 0, 0, 64, proto, 1, 2);
            if (proto == Ipv4Packet.PROTO_UDP) {
                ErrnoException e = assertThrows(ErrnoException.class, () -> from.transmit(frame));
                assertEquals(Errno.EMSGSIZE, e.errno());
            } else {
                from.transmit(frame);
            }
        }
        assertEquals(List.of(EthernetFrame.HEADER_LEN + 3000), got);
        ByteBuffer huge = ByteBuffer.allocate(EthernetFrame.HEADER_LEN + Ipv4Packet.MAX_LENGTH + 1);
        EthernetFrame.emitHeader(huge, 0, EthernetFrame.BROADCAST, EthernetFrame.mac(from.macAddress()), EthernetFrame.ETHERTYPE_IPV4);
        huge.put(EthernetFrame.HEADER_LEN + 9, (byte) Ipv4Packet.PROTO_TCP);
        assertEquals(Errno.EMSGSIZE, assertThrows(ErrnoException.class, () -> from.transmit(huge)).errno());
    }

    /** Captured lengths of the records of a pcap file (microsecond format, little-endian as PcapWriter writes). */
    private static List<Integer> frameSizes(byte[] pcap) {
        ByteBuffer b = ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN);
        List<Integer> sizes = new ArrayList<>();
        for (int at = 24; at + 16 <= pcap.length; ) {
            int incl = b.getInt(at + 8);
            sizes.add(b.getInt(at + 12));
            at += 16 + incl;
        }
        return sizes;
    }
}
