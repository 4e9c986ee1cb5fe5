package io.jrump.netinet;

import static io.jrump.api.SocketConstants.*;
import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetConfig;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.net.dev.EthernetBus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A router between two buses: host A (10.0.1.2) - router R (10.0.1.1 | 10.0.2.1) - host C
 * (10.0.2.2), hosts with default routes through R.
 */
class RoutingTest {
    private RumpKernel a;
    private RumpKernel r;
    private RumpKernel c;

    @BeforeEach
    void boot() throws Exception {
        EthernetBus left = new EthernetBus();
        EthernetBus right = new EthernetBus();
        a = Rump.builder().component("net").boot();
        r = Rump.builder().component("net").boot();
        c = Rump.builder().component("net").boot();
        a.netconfig().ifcreate("shm0", left.port());
        a.netconfig().ipv4Address("shm0", "10.0.1.2/24");
        a.netconfig().ipv4Gateway("10.0.1.1");
        r.netconfig().ifcreate("shm0", left.port());
        r.netconfig().ifcreate("shm1", right.port());
        r.netconfig().ipv4Address("shm0", "10.0.1.1/24");
        r.netconfig().ipv4Address("shm1", "10.0.2.1/24");
        c.netconfig().ifcreate("shm0", right.port());
        c.netconfig().ipv4Address("shm0", "10.0.2.2/24");
        c.netconfig().ipv4Gateway("10.0.2.1");
    }

    @AfterEach
    void close() {
        a.close();
        r.close();
        c.close();
    }

    @Test
    void forwardingIsOffByDefault() throws Exception {
        assertEquals(0, Ping.ping(a.sys(), "10.0.2.2", 1, 300).size());
        assertEquals(1, r.netconfig().counters().get("ip.drops.not_forwarding"));
        assertEquals(0, c.netconfig().counters().getOrDefault("icmp.in_echo_requests", 0L));
    }

    @Test
    void forwardingOnCarriesPingAndUdp() throws Exception {
        r.netconfig().forwarding(true);
        assertEquals(2, Ping.ping(a.sys(), "10.0.2.2", 2, 2000).size());
        assertEquals(4, r.netconfig().counters().get("ip.forwarded"), "two requests, two replies");
        int srv = c.sys().socket(AF_INET, SOCK_DGRAM, 0);
        c.sys().bind(srv, new InetSocketAddress(InetAddress.getByName("10.0.2.2"), 4000));
        int cli = a.sys().socket(AF_INET, SOCK_DGRAM, 0);
        a.sys().sendto(cli, ByteBuffer.wrap(new byte[5000]), 0, new InetSocketAddress(InetAddress.getByName("10.0.2.2"), 4000));
        ByteBuffer got = ByteBuffer.allocate(6000);
        InetSocketAddress from = c.sys().recvfrom(srv, got, 0);
        assertEquals(5000, got.position());
        assertEquals(InetAddress.getByName("10.0.1.2"), from.getAddress());
        r.netconfig().forwarding(false);
        assertEquals(0, Ping.ping(a.sys(), "10.0.2.2", 1, 300).size());
    }

    @Test
    void forwardingRefragmentsForASmallerMtu() throws Exception {
        r.netconfig().forwarding(true);
        r.netconfig().mtu("shm1", 600);
        int srv = c.sys().socket(AF_INET, SOCK_DGRAM, 0);
        c.sys().bind(srv, new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 4001));
        int cli = a.sys().socket(AF_INET, SOCK_DGRAM, 0);
        byte[] data = new byte[4000];
        new java.util.Random(7).nextBytes(data);
        a.sys().sendto(cli, ByteBuffer.wrap(data), 0, new InetSocketAddress(InetAddress.getByName("10.0.2.2"), 4001));
        ByteBuffer got = ByteBuffer.allocate(6000);
        c.sys().recvfrom(srv, got, 0);
        assertArrayEquals(data, java.util.Arrays.copyOf(got.array(), got.position()));
        assertTrue(r.netconfig().counters().get("ip.out_fragments") > 3, "fragments of fragments");
    }

    @Test
    void routingLoopEndsInTimeExceeded() throws Exception {
        // R sends 10.0.9.0/24 to C, C (forwarding) sends everything back to R: a loop.
        r.netconfig().forwarding(true);
        c.netconfig().forwarding(true);
        r.netconfig().ipv4Route("10.0.9.0/24", "10.0.2.2", null);
        int s = a.sys().socket(AF_INET, SOCK_DGRAM, 0);
        a.sys().setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, 2000);
        a.sys().connect(s, new InetSocketAddress(InetAddress.getByName("10.0.9.9"), 53));
        a.sys().send(s, ByteBuffer.wrap(new byte[] {1, 2, 3}), 0);
        ErrnoException e = assertThrows(ErrnoException.class, () -> a.sys().recv(s, ByteBuffer.allocate(10), 0));
        assertEquals(Errno.EHOSTUNREACH, e.errno());
        long drops = r.netconfig().counters().getOrDefault("ip.drops.ttl_exceeded", 0L)
                + c.netconfig().counters().getOrDefault("ip.drops.ttl_exceeded", 0L);
        assertEquals(1, drops);
        assertEquals(1, a.netconfig().counters().get("icmp.in_errors"));
        long hops = r.netconfig().counters().get("ip.forwarded") + c.netconfig().counters().get("ip.forwarded");
        assertTrue(hops >= 60, "the datagram went round until its TTL ran out: " + hops);
    }

    @Test
    void longestPrefixWins() throws Exception {
        // A route for one host through a gateway that does not exist beats the default route.
        NetConfig nc = a.netconfig();
        nc.ipv4Route("10.0.2.2/32", "10.0.1.77", null);
        r.netconfig().forwarding(true);
        assertEquals(0, Ping.ping(a.sys(), "10.0.2.2", 1, 300).size());
        assertEquals(1, a.netconfig().counters().get("arp.requests_sent"), "asked for 10.0.1.77 only");
        assertEquals(0, r.netconfig().counters().getOrDefault("ip.forwarded", 0L));
        assertEquals(1, Ping.ping(a.sys(), "10.0.2.1", 1, 2000).size(), "the /24 of R's other side still goes by default");
    }
}
