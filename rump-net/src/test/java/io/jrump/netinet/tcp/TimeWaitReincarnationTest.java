package io.jrump.netinet.tcp;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.net.channels.KernelChannels;
import io.jrump.net.dev.EthernetBus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server that closes first keeps each connection in TIME_WAIT; a client that picks the same
 * port again (its own side is closed) must still get through: the SYN of the new incarnation
 * carries a timestamp above the old one's (RFC 7323 7.1, offsets keyed by the 4-tuple), so the
 * server's TIME_WAIT takes it (RFC 6191). With a random offset per connection half of such
 * SYNs were dropped and the connect hung.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TimeWaitReincarnationTest {
    /** A socket bound to {@code port} once the client's previous connection on it has finished closing (LAST_ACK). */
    private static Socket bindWhenFree(RumpKernel k, int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Socket c = KernelChannels.socketFactory(k).createSocket();
            try {
                c.bind(new InetSocketAddress("10.0.0.1", port));
                return c;
            } catch (java.net.BindException e) {
                c.close();
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(10);
            }
        }
    }

    @Test
    void aClientPortReusedWhileTheServerIsInTimeWaitConnects() throws Exception {
        EthernetBus bus = new EthernetBus();
        try (RumpKernel a = Rump.builder().component("net").boot();
             RumpKernel b = Rump.builder().component("net").boot()) {
            a.netconfig().ifcreate("eth0", bus.port());
            a.netconfig().ipv4Address("eth0", "10.0.0.1/24");
            b.netconfig().ifcreate("eth0", bus.port());
            b.netconfig().ipv4Address("eth0", "10.0.0.2/24");
            try (ServerSocket server = KernelChannels.serverSocketFactory(b).createServerSocket(80, 50, InetAddress.getByName("10.0.0.2"))) {
                for (int round = 0; round < 24; round++) {
                    Socket c = bindWhenFree(a, 40000);
                    try {
                        c.connect(new InetSocketAddress("10.0.0.2", 80), 3000);
                    } catch (SocketTimeoutException e) {
                        fail("round " + round + ": the SYN reusing port 40000 was not taken by the server's TIME_WAIT");
                    }
                    try (Socket s = server.accept()) {
                        s.close(); // the server closes first and stays in TIME_WAIT
                    }
                    assertEquals(-1, c.getInputStream().read());
                    c.close();
                }
            }
        }
    }
}
