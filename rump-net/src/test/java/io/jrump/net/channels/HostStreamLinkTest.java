package io.jrump.net.channels;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two kernels of one JVM on the two ends of a host stream link: TCP between them, and the link's bad input. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostStreamLinkTest {
    @Test
    void kernelsTalkOverTheLink() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (HostStreamLink l = HostStreamLink.listen(new InetSocketAddress("127.0.0.1", port));
             RumpKernel a = Rump.builder().component("net").boot();
             RumpKernel b = Rump.builder().component("net").boot()) {
            // the listening end is configured before its cable is plugged in, as at a JVM's start
            b.netconfig().ifcreate("eth0", l);
            b.netconfig().ipv4Address("eth0", "10.0.0.2/24");
            HostStreamLink c = HostStreamLink.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            a.netconfig().ifcreate("eth0", c);
            a.netconfig().ipv4Address("eth0", "10.0.0.1/24");
            try (ServerSocket server = KernelChannels.serverSocketFactory(b).createServerSocket(80);
                 Socket s = KernelChannels.socketFactory(a).createSocket("10.0.0.2", 80);
                 Socket t = server.accept()) {
                s.getOutputStream().write(new byte[100_000]);
                s.shutdownOutput();
                InputStream in = t.getInputStream();
                long n = 0;
                for (int k; (k = in.read(new byte[9000])) > 0; ) {
                    n += k;
                }
                assertEquals(100_000, n);
            }
            // a non-blocking connect whose handshake completes later, on the link's thread
            try (ServerSocket server = KernelChannels.serverSocketFactory(b).createServerSocket(81);
                 java.nio.channels.Selector sel = KernelChannels.provider(a).openSelector()) {
                java.nio.channels.SocketChannel ch = (java.nio.channels.SocketChannel) sel.provider().openSocketChannel().configureBlocking(false);
                boolean now = ch.connect(new InetSocketAddress("10.0.0.2", 81));
                ch.register(sel, java.nio.channels.SelectionKey.OP_CONNECT);
                int n = sel.select(10_000);
                assertTrue(now || n == 1, "OP_CONNECT selected");
                assertTrue(ch.finishConnect());
                ch.close();
            }
        }
    }
}
