package io.jrump.net.channels;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.net.dev.EthernetBus;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code socket()} views of kernel channels and the per-kernel socket factories, between two
 * kernels on a bus (10.0.0.1 client, 10.0.0.2 server): what a program written against
 * {@code java.net.Socket} sees.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SocketViewsTest {
    private RumpKernel a;
    private RumpKernel b;
    private ExecutorService pool;

    @BeforeEach
    void boot() throws Exception {
        EthernetBus bus = new EthernetBus();
        a = Rump.builder().component("net").boot();
        b = Rump.builder().component("net").boot();
        a.netconfig().ifcreate("shm0", bus.port());
        b.netconfig().ifcreate("shm0", bus.port());
        a.netconfig().ipv4Address("shm0", "10.0.0.1/24");
        b.netconfig().ipv4Address("shm0", "10.0.0.2/24");
        pool = Executors.newCachedThreadPool();
    }

    @AfterEach
    void close() throws Exception {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        a.close();
        b.close();
    }

    @Test
    void factoriesCarryStreamsBothWaysWithEqualDigests() throws Exception {
        ServerSocketFactory ssf = KernelChannels.serverSocketFactory(b);
        SocketFactory sf = KernelChannels.socketFactory(a);
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        try (ServerSocket server = ssf.createServerSocket(7000, 8, InetAddress.getByName("10.0.0.2"))) {
            assertEquals(new InetSocketAddress("10.0.0.2", 7000), server.getLocalSocketAddress());
            assertTrue(server.isBound());
            Future<byte[]> echoed = pool.submit(() -> {
                try (Socket s = server.accept()) {
                    assertEquals(InetAddress.getByName("10.0.0.1"), s.getInetAddress());
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    byte[] buf = new byte[5000];
                    for (int n; (n = in.read(buf)) > 0; ) {
                        md.update(buf, 0, n);
                        out.write(buf, 0, n);
                    }
                    assertTrue(s.isConnected());
                    s.shutdownOutput();
                    assertTrue(s.isOutputShutdown());
                    return md.digest();
                }
            });
            try (Socket s = sf.createSocket("10.0.0.2", 7000)) {
                assertTrue(s.isConnected());
                assertEquals(7000, s.getPort());
                assertEquals(InetAddress.getByName("10.0.0.1"), s.getLocalAddress());
                assertTrue(s.getLocalPort() > 0);
                s.setTcpNoDelay(true);
                assertTrue(s.getTcpNoDelay());
                s.setKeepAlive(true);
                assertTrue(s.getKeepAlive());
                s.setSoLinger(true, 3);
                assertEquals(3, s.getSoLinger());
                assertTrue(s.getSendBufferSize() > 0);
                Future<byte[]> back = pool.submit(() -> {
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    byte[] buf = new byte[7000];
                    InputStream in = s.getInputStream();
                    for (int n; (n = in.read(buf)) > 0; ) {
                        md.update(buf, 0, n);
                    }
                    return md.digest();
                });
                s.getOutputStream().write(data);
                s.shutdownOutput();
                byte[] want = MessageDigest.getInstance("SHA-256").digest(data);
                assertArrayEquals(want, echoed.get(60, TimeUnit.SECONDS));
                assertArrayEquals(want, back.get(60, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void soTimeoutBoundsReadsAndAccepts() throws Exception {
        try (ServerSocket server = KernelChannels.serverSocketFactory(b).createServerSocket(7001)) {
            server.setSoTimeout(100);
            assertEquals(100, server.getSoTimeout());
            assertThrows(SocketTimeoutException.class, server::accept);
            try (Socket c = KernelChannels.socketFactory(a).createSocket("10.0.0.2", 7001);
                 Socket s = server.accept()) {
                c.setSoTimeout(100);
                SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> c.getInputStream().read());
                assertEquals("Read timed out", e.getMessage());
                assertFalse(c.isClosed(), "a read timeout leaves the socket usable, as on the JDK");
                s.getOutputStream().write(42);
                assertEquals(42, c.getInputStream().read());
                s.close();
                assertEquals(-1, c.getInputStream().read());
            }
        }
    }

    @Test
    void connectTimeoutAndRefusal() throws Exception {
        SocketFactory sf = KernelChannels.socketFactory(a);
        Socket quiet = sf.createSocket();
        // nobody on the bus answers ARP for 10.0.0.99: the handshake never starts
        SocketTimeoutException t = assertThrows(SocketTimeoutException.class,
                () -> quiet.connect(new InetSocketAddress("10.0.0.99", 80), 200));
        assertEquals("Connect timed out", t.getMessage());
        assertTrue(quiet.isClosed(), "the JDK closes a socket whose connect timed out");
        ConnectException refused = assertThrows(ConnectException.class, () -> sf.createSocket("10.0.0.2", 9));
        assertEquals("Connection refused", refused.getMessage());
    }

    @Test
    void channelViewsAnswerFromTheChannel() throws Exception {
        ServerSocketChannel ssc = KernelChannels.provider(b).openServerSocketChannel();
        ServerSocket view = ssc.socket();
        assertSame(view, ssc.socket());
        assertSame(ssc, view.getChannel());
        assertFalse(view.isBound());
        view.setReuseAddress(true);
        assertTrue(view.getReuseAddress());
        view.bind(new InetSocketAddress("10.0.0.2", 7002));
        assertTrue(view.isBound());
        assertEquals(7002, view.getLocalPort());

        SocketChannel sc = KernelChannels.provider(a).openSocketChannel();
        Socket s = sc.socket();
        assertSame(s, sc.socket());
        assertFalse(s.isConnected());
        assertNull(s.getRemoteSocketAddress());
        s.connect(new InetSocketAddress("10.0.0.2", 7002), 5000);
        assertTrue(s.isConnected());
        assertEquals(new InetSocketAddress("10.0.0.2", 7002), s.getRemoteSocketAddress());
        try (Socket accepted = view.accept()) {
            sc.configureBlocking(false);
            assertThrows(IllegalBlockingModeException.class, () -> s.getInputStream().read(new byte[1]));
            sc.configureBlocking(true);
            InputStream in = s.getInputStream();
            s.shutdownInput();
            assertTrue(s.isInputShutdown());
            assertEquals(-1, in.read());
            assertThrows(java.net.SocketException.class, s::getInputStream, "as the JDK: no new stream after shutdownInput");
            assertFalse(accepted.isInputShutdown());
        }
        s.close();
        assertTrue(s.isClosed());
        assertFalse(sc.isOpen());
        view.close();
        assertFalse(ssc.isOpen());
    }

    /**
     * The {@code DatagramSocket} view of a datagram channel: the view and the channel share
     * binding, association and options; packets carry their sender; {@code SO_TIMEOUT} bounds a
     * receive; a non-blocking channel refuses the view's send and receive, as the JDK's does.
     */
    @Test
    void datagramSocketViewSendsReceivesAndTimesOut() throws Exception {
        DatagramChannel serverCh = KernelChannels.provider(b).openDatagramChannel();
        DatagramSocket server = serverCh.socket();
        assertSame(server, serverCh.socket());
        assertSame(serverCh, server.getChannel());
        assertFalse(server.isBound());
        assertEquals(0, server.getLocalPort());
        server.bind(new InetSocketAddress("10.0.0.2", 7003));
        assertTrue(server.isBound());
        assertEquals(new InetSocketAddress("10.0.0.2", 7003), serverCh.getLocalAddress(), "bound through the view, seen by the channel");

        DatagramSocket client = KernelChannels.provider(a).openDatagramChannel().socket();
        byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
        client.send(new DatagramPacket(hello, hello.length, new InetSocketAddress("10.0.0.2", 7003)));
        assertTrue(client.isBound(), "a send binds the view to an ephemeral port");

        byte[] buf = new byte[100];
        DatagramPacket in = new DatagramPacket(buf, 10, 50);
        server.setSoTimeout(10_000);
        server.receive(in);
        assertEquals("hello", new String(in.getData(), in.getOffset(), in.getLength(), StandardCharsets.US_ASCII));
        assertEquals(10, in.getOffset());
        assertEquals(new InetSocketAddress("10.0.0.1", client.getLocalPort()), in.getSocketAddress(), "the sender");

        server.connect(in.getSocketAddress());
        assertTrue(server.isConnected());
        assertEquals(client.getLocalPort(), server.getPort());
        byte[] back = "back".getBytes(StandardCharsets.US_ASCII);
        server.send(new DatagramPacket(back, back.length));
        assertThrows(IllegalArgumentException.class,
                () -> server.send(new DatagramPacket(back, back.length, new InetSocketAddress("10.0.0.1", 9))),
                "a connected view sends only to its peer");
        DatagramPacket reply = new DatagramPacket(new byte[100], 100);
        client.setSoTimeout(10_000);
        client.receive(reply);
        assertEquals("back", new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII));

        client.setSoTimeout(200);
        assertEquals(200, client.getSoTimeout());
        assertThrows(SocketTimeoutException.class, () -> client.receive(new DatagramPacket(new byte[10], 10)), "nothing sent: the timeout");

        client.setReceiveBufferSize(65536);
        assertEquals(client.getReceiveBufferSize(), client.getChannel().getOption(StandardSocketOptions.SO_RCVBUF));
        client.setBroadcast(true);
        assertTrue(client.getChannel().getOption(StandardSocketOptions.SO_BROADCAST), "an option set through the view is the channel's");
        assertThrows(java.net.SocketException.class, () -> client.setTrafficClass(0x10), "no type-of-service in the kernel's UDP");

        client.getChannel().configureBlocking(false);
        assertThrows(IllegalBlockingModeException.class, () -> client.receive(new DatagramPacket(new byte[10], 10)));
        assertThrows(IllegalBlockingModeException.class, () -> client.send(new DatagramPacket(hello, hello.length, in.getSocketAddress())));

        server.disconnect();
        assertFalse(server.isConnected());
        assertEquals(-1, server.getPort());
        server.close();
        assertTrue(server.isClosed());
        assertFalse(serverCh.isOpen());
        assertEquals(-1, server.getLocalPort());
        assertThrows(java.net.SocketException.class, () -> server.receive(new DatagramPacket(new byte[10], 10)));
        client.close();
    }
}
