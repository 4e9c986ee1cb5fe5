package io.jrump.netinet;

import static io.jrump.api.SocketConstants.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.net.dev.EthernetBus;
import io.jrump.net.dev.Simulation;
import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Ipv4Address;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.net.wire.UdpDatagram;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Martian addresses (Linux's {@code ip_route_input_slow} and {@code fib_validate_source}): a
 * kernel at 10.0.0.1/24 on a simulated bus gets hand-built UDP datagrams from a raw port, to a
 * socket bound to 0.0.0.0:9. A datagram from an impossible source (one of the kernel's own
 * addresses, a broadcast, a multicast, 0/8, 127/8) or to an impossible destination (0/8, 127/8)
 * never reaches the socket and is counted as {@code ip.drops.martian_source} or
 * {@code ip.drops.martian_destination}; the same datagram from a neighbour is delivered, and a
 * DHCP-style 0.0.0.0 to 255.255.255.255 still gets through, as on Linux.
 */
class MartianTest {
    static final int OURS = Ipv4Address.parse("10.0.0.1");
    static final int NEIGHBOUR = Ipv4Address.parse("10.0.0.2");
    static final int PORT = 9;
    static final String SOURCE = "ip.drops.martian_source";
    static final String DESTINATION = "ip.drops.martian_destination";

    Simulation sim;
    RumpKernel kernel;
    NetDevice raw;
    long kernelMac;
    int sock;

    @BeforeEach
    void boot() throws Exception {
        sim = new Simulation(8);
        EthernetBus bus = EthernetBus.simulated(sim);
        kernel = Rump.builder().component("net").boot();
        kernel.netconfig().ifcreate("shm0", bus.port());
        kernel.netconfig().ipv4Address("shm0", "10.0.0.1/24");
        kernelMac = EthernetFrame.mac(kernel.netconfig().interfaces().stream().filter(i -> i.name().equals("shm0")).findFirst().orElseThrow().mac());
        raw = bus.port();
        raw.receiver(f -> { });
        Syscalls s = kernel.sys();
        sock = s.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        s.setsockopt(sock, SOL_SOCKET, SO_BROADCAST, 1);
        s.bind(sock, new InetSocketAddress(Ipv4Address.toInetAddress(0), PORT));
        sim.runUntilIdle();
    }

    @AfterEach
    void close() {
        kernel.close();
    }

    /** An Ethernet/IPv4/UDP frame with "hi" in it, checksums filled in. */
    static ByteBuffer udp(long dstMac, long srcMac, int src, int dst, int dport) {
        byte[] data = {'h', 'i'};
        int ipLen = Ipv4Packet.HEADER_LEN + UdpDatagram.HEADER_LEN + data.length;
        int at = EthernetFrame.HEADER_LEN;
        ByteBuffer f = ByteBuffer.allocate(Math.max(EthernetFrame.MIN_FRAME_LEN, at + ipLen));
        EthernetFrame.emitHeader(f, 0, dstMac, srcMac, EthernetFrame.ETHERTYPE_IPV4);
        Ipv4Packet.emitHeader(f, at, 0, ipLen, 1, 0, 0, Ipv4Packet.DEFAULT_TTL, Ipv4Packet.PROTO_UDP, src, dst);
        int udpAt = at + Ipv4Packet.HEADER_LEN;
        f.put(udpAt + UdpDatagram.HEADER_LEN, data);
        UdpDatagram.emit(f, udpAt, src, 4000, dst, dport, data.length);
        return f.clear();
    }

    private long counter(String name) throws ErrnoException {
        return kernel.netconfig().counters().getOrDefault(name, 0L);
    }

    /** Sends {@code src -> dst} to the kernel's MAC (or broadcast); returns who the socket got it from, or null. */
    private InetSocketAddress send(int src, int dst, long dstMac) throws Exception {
        raw.transmit(udp(dstMac, EthernetFrame.mac(raw.macAddress()), src, dst, PORT));
        sim.runFor(1_000_000);
        try {
            return kernel.sys().recvfrom(sock, ByteBuffer.allocate(16), 0);
        } catch (ErrnoException e) {
            assertEquals(Errno.EAGAIN, e.errno(), "recvfrom");
            return null;
        }
    }

    /** The datagram from {@code src} to {@code dst} is dropped and counted under {@code counter}. */
    private void assertMartian(int src, int dst, long dstMac, String counter) throws Exception {
        long before = counter(counter);
        assertNull(send(src, dst, dstMac), Ipv4Address.format(src) + " -> " + Ipv4Address.format(dst) + " must not be delivered");
        assertEquals(before + 1, counter(counter), counter + " after " + Ipv4Address.format(src) + " -> " + Ipv4Address.format(dst));
        // and the same to us from a neighbour is delivered: only the martian address made the difference
        assertNotNull(send(NEIGHBOUR, OURS, kernelMac), "a neighbour's datagram is delivered");
    }

    @Test
    void aNeighboursDatagramIsDelivered() throws Exception {
        InetSocketAddress from = send(NEIGHBOUR, OURS, kernelMac);
        assertNotNull(from);
        assertEquals(NEIGHBOUR, Ipv4Address.of(from.getAddress()));
        assertEquals(0, counter(SOURCE) + counter(DESTINATION));
    }

    @Test
    void ownAddressAsSourceIsMartian() throws Exception {
        assertMartian(OURS, OURS, kernelMac, SOURCE);
    }

    @Test
    void ownAddressAsSourceToABroadcastIsMartian() throws Exception {
        assertMartian(OURS, Ipv4Address.BROADCAST, EthernetFrame.BROADCAST, SOURCE);
    }

    @Test
    void limitedBroadcastAsSourceIsMartian() throws Exception {
        assertMartian(Ipv4Address.BROADCAST, OURS, kernelMac, SOURCE);
    }

    @Test
    void subnetBroadcastAsSourceIsMartian() throws Exception {
        assertMartian(Ipv4Address.parse("10.0.0.255"), OURS, kernelMac, SOURCE);
    }

    @Test
    void multicastSourceIsMartian() throws Exception {
        assertMartian(Ipv4Address.parse("224.0.0.1"), OURS, kernelMac, SOURCE);
        assertMartian(Ipv4Address.parse("239.255.255.250"), OURS, kernelMac, SOURCE);
    }

    @Test
    void loopbackSourceOnEthernetIsMartian() throws Exception {
        assertMartian(Ipv4Address.LOOPBACK, OURS, kernelMac, SOURCE);
        assertMartian(Ipv4Address.parse("127.5.6.7"), OURS, kernelMac, SOURCE);
    }

    @Test
    void zeroSourceToUnicastIsMartian() throws Exception {
        assertMartian(0, OURS, kernelMac, SOURCE);
        assertMartian(Ipv4Address.parse("0.1.2.3"), OURS, kernelMac, SOURCE);
    }

    @Test
    void zeroSourceToLimitedBroadcastIsDeliveredAsDhcpNeedsIt() throws Exception {
        InetSocketAddress from = send(0, Ipv4Address.BROADCAST, EthernetFrame.BROADCAST);
        assertNotNull(from, "0.0.0.0 -> 255.255.255.255 is how a DHCP client speaks before it has an address");
        assertEquals(0, counter(SOURCE));
    }

    @Test
    void loopbackDestinationOnEthernetIsMartian() throws Exception {
        assertMartian(NEIGHBOUR, Ipv4Address.LOOPBACK, kernelMac, DESTINATION);
    }

    @Test
    void zeroDestinationIsMartian() throws Exception {
        assertMartian(NEIGHBOUR, 0, kernelMac, DESTINATION);
        assertMartian(NEIGHBOUR, Ipv4Address.parse("0.0.0.9"), kernelMac, DESTINATION);
    }

    @Test
    void ownAddressAsSourceOnLoopbackIsOrdinaryLocalTraffic() throws Exception {
        // the kernel talking to itself goes through lo0 with its own address on both ends
        Syscalls s = kernel.sys();
        int c = s.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        s.sendto(c, ByteBuffer.wrap(new byte[] {1}), 0, new InetSocketAddress(Ipv4Address.toInetAddress(OURS), PORT));
        sim.runFor(1_000_000);
        InetSocketAddress from = s.recvfrom(sock, ByteBuffer.allocate(16), 0);
        assertEquals(OURS, Ipv4Address.of(from.getAddress()));
        assertEquals(0, counter(SOURCE));
        s.close(c);
    }
}
