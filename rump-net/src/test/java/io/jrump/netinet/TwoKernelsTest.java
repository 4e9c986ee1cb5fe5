package io.jrump.netinet;

import static io.jrump.api.SocketConstants.*;
import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.net.dev.EthernetBus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two kernels booted through the public API on one real-time bus. */
class TwoKernelsTest {
    private RumpKernel a;
    private RumpKernel b;

    @BeforeEach
    void boot() throws Exception {
        EthernetBus bus = new EthernetBus();
        a = Rump.builder().component("net").boot();
        b = Rump.builder().component("net").boot();
        a.netconfig().ifcreate("shm0", bus.port());
        b.netconfig().ifcreate("shm0", bus.port());
        a.netconfig().ipv4Address("shm0", "10.0.0.1/24");
        b.netconfig().ipv4Address("shm0", "10.0.0.2/24");
    }

    @AfterEach
    void close() {
        a.close();
        b.close();
    }

    static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    @Test
    void pingBothWays() throws Exception {
        List<Ping.Reply> ab = Ping.ping(a.sys(), "10.0.0.2", 3, 2000);
        List<Ping.Reply> ba = Ping.ping(b.sys(), "10.0.0.1", 3, 2000);
        assertEquals(3, ab.size());
        assertEquals(3, ba.size());
        assertEquals(InetAddress.getByName("10.0.0.2"), ab.get(0).from());
        assertEquals(3, b.netconfig().counters().get("icmp.in_echo_requests"));
    }

    @Test
    void udpEcho() throws Exception {
        Syscalls sa = a.sys();
        Syscalls sb = b.sys();
        int server = sb.socket(AF_INET, SOCK_DGRAM, 0);
        sb.bind(server, at("0.0.0.0", 7));
        int client = sa.socket(AF_INET, SOCK_DGRAM, 0);
        sa.setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, 2000);
        sa.sendto(client, ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)), 0, at("10.0.0.2", 7));
        ByteBuffer buf = ByteBuffer.allocate(100);
        InetSocketAddress from = sb.recvfrom(server, buf, 0);
        assertEquals(InetAddress.getByName("10.0.0.1"), from.getAddress());
        buf.flip();
        sb.sendto(server, buf, 0, from);
        ByteBuffer back = ByteBuffer.allocate(100);
        InetSocketAddress echoFrom = sa.recvfrom(client, back, 0);
        assertEquals(at("10.0.0.2", 7), echoFrom);
        assertEquals("hello", new String(back.array(), 0, back.position(), StandardCharsets.US_ASCII));
    }

    @Test
    void connectedUdpToClosedPortIsRefused() throws Exception {
        Syscalls sa = a.sys();
        int s = sa.socket(AF_INET, SOCK_DGRAM, 0);
        sa.setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, 2000);
        sa.connect(s, at("10.0.0.2", 9999));
        sa.send(s, ByteBuffer.wrap(new byte[] {1}), 0);
        ErrnoException e = assertThrows(ErrnoException.class, () -> sa.recv(s, ByteBuffer.allocate(10), 0));
        assertEquals(Errno.ECONNREFUSED, e.errno());
        assertEquals(1, b.netconfig().counters().get("udp.no_port"));
    }

    @Test
    void largeDatagramIsFragmentedAndReassembled() throws Exception {
        Syscalls sa = a.sys();
        Syscalls sb = b.sys();
        int server = sb.socket(AF_INET, SOCK_DGRAM, 0);
        sb.bind(server, at("10.0.0.2", 5000));
        int client = sa.socket(AF_INET, SOCK_DGRAM, 0);
        byte[] data = new byte[30_000];
        new java.util.Random(1).nextBytes(data);
        assertEquals(30_000, sa.sendto(client, ByteBuffer.wrap(data), 0, at("10.0.0.2", 5000)));
        ByteBuffer got = ByteBuffer.allocate(65536);
        sb.recvfrom(server, got, 0);
        assertEquals(30_000, got.position());
        assertArrayEquals(data, java.util.Arrays.copyOf(got.array(), 30_000));
        // 30,008 UDP bytes in 1,480-byte pieces
        assertEquals(21, a.netconfig().counters().get("ip.out_fragments"));
        assertEquals(1, b.netconfig().counters().get("ip.reassembled"));
        assertEquals(21, b.netconfig().counters().get("ip.fragments_received"));
    }

    @Test
    void smallerMtuMakesMoreFragments() throws Exception {
        a.netconfig().mtu("shm0", 576);
        int server = b.sys().socket(AF_INET, SOCK_DGRAM, 0);
        b.sys().bind(server, at("0.0.0.0", 5001));
        int client = a.sys().socket(AF_INET, SOCK_DGRAM, 0);
        a.sys().sendto(client, ByteBuffer.allocate(3000), 0, at("10.0.0.2", 5001));
        ByteBuffer got = ByteBuffer.allocate(4000);
        b.sys().recvfrom(server, got, 0);
        assertEquals(3000, got.position());
        // (576 - 20) rounded down to 8 = 552 data bytes per fragment: 3008 / 552 -> 6
        assertEquals(6, a.netconfig().counters().get("ip.out_fragments"));
        assertEquals(576, a.netconfig().interfaces().stream().filter(i -> i.name().equals("shm0")).findFirst().orElseThrow().mtu());
    }

    @Test
    void interfacesAndLoopback() throws Exception {
        var ifs = a.netconfig().interfaces();
        assertEquals("lo0", ifs.get(0).name());
        assertEquals(List.of("127.0.0.1/8"), ifs.get(0).ipv4Addresses());
        assertEquals(List.of("10.0.0.1/24"), ifs.get(1).ipv4Addresses());
        assertTrue(ifs.get(1).up());
        assertEquals(1, Ping.ping(a.sys(), "127.0.0.1", 1, 1000).size());
        assertEquals(1, Ping.ping(a.sys(), "10.0.0.1", 1, 1000).size(), "own address answers through lo0");
        assertTrue(ifs.get(1).counters().get("tx_packets") > 0);
    }

    @Test
    void downInterfaceHasNoRoute() throws Exception {
        a.netconfig().down("shm0");
        int s = a.sys().socket(AF_INET, SOCK_DGRAM, 0);
        ErrnoException e = assertThrows(ErrnoException.class, () -> a.sys().sendto(s, ByteBuffer.allocate(1), 0, at("10.0.0.2", 1)));
        assertEquals(Errno.ENETUNREACH, e.errno());
        a.netconfig().up("shm0");
        a.sys().sendto(s, ByteBuffer.allocate(1), 0, at("10.0.0.2", 1));
    }

    @Test
    void configurationErrors() throws Exception {
        var nc = a.netconfig();
        assertEquals(Errno.EEXIST, assertThrows(ErrnoException.class, () -> nc.ifcreate("shm0", new EthernetBus().port())).errno());
        assertEquals(Errno.ENXIO, assertThrows(ErrnoException.class, () -> nc.up("nope0")).errno());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> nc.ipv4Address("shm0", "10.0.0.300/24")).errno());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> nc.ipv4Address("shm0", "10.0.0.5")).errno());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> nc.ipv4Address("shm0", "10.0.0.255/24")).errno());
        assertEquals(Errno.EEXIST, assertThrows(ErrnoException.class, () -> nc.ipv4Address("shm0", "10.0.0.1/24")).errno());
        assertEquals(Errno.ENETUNREACH, assertThrows(ErrnoException.class, () -> nc.ipv4Gateway("192.168.9.1")).errno());
        assertEquals(Errno.EPERM, assertThrows(ErrnoException.class, () -> nc.ifdestroy("lo0")).errno());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> nc.mtu("shm0", 20)).errno());
        assertEquals(Errno.EADDRNOTAVAIL, assertThrows(ErrnoException.class, () -> nc.removeIpv4Address("shm0", "10.0.0.9/24")).errno());
        nc.removeIpv4Address("shm0", "10.0.0.1/24");
        int s = a.sys().socket(AF_INET, SOCK_DGRAM, 0);
        assertEquals(Errno.ENETUNREACH, assertThrows(ErrnoException.class, () -> a.sys().sendto(s, ByteBuffer.allocate(1), 0, at("10.0.0.2", 9))).errno());
        nc.ifdestroy("shm0");
        assertEquals(1, nc.interfaces().size());
    }
}
