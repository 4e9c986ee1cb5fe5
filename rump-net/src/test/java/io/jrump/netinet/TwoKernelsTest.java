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
}
