package io.jrump.net.channels;

import static io.jrump.net.channels.BusKernels.at;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Datagram channels between two kernels on a bus (10.0.0.1, 10.0.0.2) and pipes of one kernel. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DatagramAndPipeChannelsTest {
    private final BusKernels bus = new BusKernels();
    private final SelectorProvider pa = bus.pa;
    private final SelectorProvider pb = bus.pb;

    @AfterEach
    void close() {
        bus.close();
    }

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(ByteBuffer b) {
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    @Test
    void sendAndReceiveBetweenKernels() throws Exception {
        try (DatagramChannel server = pb.openDatagramChannel().bind(at("10.0.0.2", 5353));
                DatagramChannel client = pa.openDatagramChannel()) {
            assertNull(client.getLocalAddress(), "not bound yet");
            assertEquals(5, client.send(text("hello"), at("10.0.0.2", 5353)));
            InetSocketAddress local = (InetSocketAddress) client.getLocalAddress();
            assertNotEquals(0, local.getPort(), "send binds an ephemeral port");

            ByteBuffer got = ByteBuffer.allocate(100);
            InetSocketAddress from = (InetSocketAddress) server.receive(got);
            assertEquals("hello", text(got));
            assertEquals(at("10.0.0.1", local.getPort()), from);

            server.send(text("a datagram longer than the buffer"), from);
            ByteBuffer small = ByteBuffer.allocate(4);
            assertEquals(at("10.0.0.2", 5353), client.receive(small));
            assertEquals("a da", text(small), "a datagram is cut to the buffer, the rest dropped");

            client.configureBlocking(false);
            assertNull(client.receive(ByteBuffer.allocate(10)), "non-blocking receive with nothing queued");
        }
    }

    @Test
    void connectedReadWriteScatterGatherAndDisconnect() throws Exception {
        try (DatagramChannel server = pb.openDatagramChannel().bind(null);
                DatagramChannel client = pa.openDatagramChannel()) {
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            assertThrows(NotYetConnectedException.class, () -> client.read(ByteBuffer.allocate(1)));
            client.connect(at("10.0.0.2", port));
            assertTrue(client.isConnected());
            assertEquals(at("10.0.0.2", port), client.getRemoteAddress());
            assertEquals(6, client.write(new ByteBuffer[] {text("one"), text("two")}), "a gathering write is one datagram");
            ByteBuffer got = ByteBuffer.allocate(10);
            SocketAddressHolder h = new SocketAddressHolder(server.receive(got));
            assertEquals("onetwo", text(got));
            assertThrows(AlreadyConnectedException.class, () -> client.send(text("x"), at("10.0.0.2", port + 1)));

            server.send(text("abcdef"), h.address);
            ByteBuffer x = ByteBuffer.allocate(2);
            ByteBuffer y = ByteBuffer.allocate(10);
            assertEquals(6, client.read(new ByteBuffer[] {x, y}), "a scattering read takes one datagram");
            assertEquals("ab", text(x));
            assertEquals("cdef", text(y));

            client.disconnect();
            assertFalse(client.isConnected());
            assertThrows(NotYetConnectedException.class, () -> client.write(text("x")));
        }
    }

    private record SocketAddressHolder(java.net.SocketAddress address) {
    }

    @Test
    void aConnectedChannelHearsThePortUnreachable() throws Exception {
        try (DatagramChannel client = pa.openDatagramChannel()) {
            client.connect(at("10.0.0.2", 9));
            client.write(text("anyone?"));
            assertThrows(PortUnreachableException.class, () -> client.read(ByteBuffer.allocate(10)));
        }
    }

    @Test
    void optionsTheStackHas() throws Exception {
        try (DatagramChannel c = pa.openDatagramChannel(StandardProtocolFamily.INET)) {
            c.setOption(StandardSocketOptions.SO_RCVBUF, 65536);
            assertEquals(65536, c.getOption(StandardSocketOptions.SO_RCVBUF));
            c.setOption(StandardSocketOptions.SO_SNDBUF, 32768);
            assertEquals(32768, c.getOption(StandardSocketOptions.SO_SNDBUF));
            c.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            assertTrue(c.getOption(StandardSocketOptions.SO_REUSEADDR));
            assertFalse(c.getOption(StandardSocketOptions.SO_BROADCAST));
            c.setOption(StandardSocketOptions.SO_BROADCAST, true);
            assertTrue(c.getOption(StandardSocketOptions.SO_BROADCAST));
            assertThrows(UnsupportedOperationException.class, () -> c.getOption(StandardSocketOptions.TCP_NODELAY));
        }
        assertThrows(UnsupportedOperationException.class, () -> pa.openDatagramChannel(StandardProtocolFamily.INET6));
    }

    @Test
    void datagramsAreSelectable() throws Exception {
        try (Selector sel = pb.openSelector();
                DatagramChannel server = pb.openDatagramChannel().bind(null);
                DatagramChannel client = pa.openDatagramChannel()) {
            server.configureBlocking(false);
            SelectionKey k = server.register(sel, SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            assertEquals(1, sel.selectNow());
            assertEquals(SelectionKey.OP_WRITE, k.readyOps(), "writable, nothing to read");
            sel.selectedKeys().clear();
            k.interestOps(SelectionKey.OP_READ);
            assertEquals(0, sel.selectNow());
            client.send(text("ping"), at("10.0.0.2", ((InetSocketAddress) server.getLocalAddress()).getPort()));
            assertEquals(1, sel.select(10_000));
            assertTrue(k.isReadable());
            assertNotNull(server.receive(ByteBuffer.allocate(8)));
        }
    }

    @Test
    void pipeCarriesBytesAndEndsWithMinusOne() throws Exception {
        Pipe p = pa.openPipe();
        assertEquals(7, p.sink().write(new ByteBuffer[] {text("abc"), text("defg")}));
        ByteBuffer x = ByteBuffer.allocate(2);
        ByteBuffer y = ByteBuffer.allocate(10);
        assertEquals(7, p.source().read(new ByteBuffer[] {x, y}));
        assertEquals("ab", text(x));
        assertEquals("cdefg", text(y));
        p.source().configureBlocking(false);
        assertEquals(0, p.source().read(ByteBuffer.allocate(4)), "non-blocking, empty");
        p.sink().close();
        assertEquals(-1, p.source().read(ByteBuffer.allocate(4)));
        p.source().close();
        assertThrows(ClosedChannelException.class, () -> p.source().read(ByteBuffer.allocate(4)));
    }

    @Test
    void pipeEndsAreSelectableAndAFullPipeIsNotWritable() throws Exception {
        Pipe p = pa.openPipe();
        try (Selector sel = pa.openSelector()) {
            p.source().configureBlocking(false);
            p.sink().configureBlocking(false);
            SelectionKey r = p.source().register(sel, SelectionKey.OP_READ);
            SelectionKey w = p.sink().register(sel, SelectionKey.OP_WRITE);
            assertEquals(1, sel.selectNow());
            assertTrue(sel.selectedKeys().contains(w));
            sel.selectedKeys().clear();
            long written = 0;
            int n;
            while ((n = p.sink().write(ByteBuffer.allocate(4096))) > 0) {
                written += n;
            }
            assertTrue(written >= 4096, "the pipe took bytes until full: " + written);
            assertEquals(1, sel.selectNow());
            assertEquals(KeySet.of(r), sel.selectedKeys(), "full: readable, not writable");
            sel.selectedKeys().clear();
            p.source().read(ByteBuffer.allocate(65536));
            assertEquals(1, sel.selectNow());
            assertEquals(KeySet.of(w), sel.selectedKeys());
        }
        p.source().close();
        p.sink().configureBlocking(true);
        IOException e = assertThrows(IOException.class, () -> p.sink().write(text("x")));
        assertEquals("Broken pipe", e.getMessage());
    }

    private static final class KeySet {
        static java.util.Set<SelectionKey> of(SelectionKey k) {
            return java.util.Set.of(k);
        }
    }
}
