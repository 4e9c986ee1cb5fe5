package io.jrump.net.channels;

import static io.jrump.net.channels.BusKernels.at;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** NIO channels and selectors of two kernels (10.0.0.1 client side, 10.0.0.2 server side) on one in-memory bus. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KernelChannelsTest {
    private final BusKernels bus = new BusKernels();
    private final SelectorProvider pa = bus.pa;
    private final SelectorProvider pb = bus.pb;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void close() throws Exception {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        bus.close();
    }

    private static byte[] data(int n, long seed) {
        byte[] d = new byte[n];
        new Random(seed).nextBytes(d);
        return d;
    }

    /** Echoes one connection in blocking mode until the peer's FIN, then closes. */
    private Future<Long> echoOnce(ServerSocketChannel server) {
        return pool.submit(() -> {
            long total = 0;
            try (SocketChannel c = server.accept()) {
                ByteBuffer buf = ByteBuffer.allocate(4096);
                while (c.read(buf.clear()) >= 0) {
                    buf.flip();
                    total += buf.remaining();
                    while (buf.hasRemaining()) {
                        c.write(buf);
                    }
                }
            }
            return total;
        });
    }

    @Test
    void blockingEchoWithScatterGatherAndHalfClose() throws Exception {
        ServerSocketChannel server = pb.openServerSocketChannel().bind(null);
        InetSocketAddress bound = (InetSocketAddress) server.getLocalAddress();
        assertNotEquals(0, bound.getPort(), "bind(null) takes an ephemeral port");
        Future<Long> echoed = echoOnce(server);

        byte[] sent = data(200_000, 1);
        try (SocketChannel c = pa.openSocketChannel()) {
            assertTrue(c.connect(at("10.0.0.2", bound.getPort())));
            assertTrue(c.isConnected());
            assertEquals(at("10.0.0.2", bound.getPort()), c.getRemoteAddress());
            assertEquals(InetAddress.getByName("10.0.0.1"), ((InetSocketAddress) c.getLocalAddress()).getAddress());
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            assertTrue(c.getOption(StandardSocketOptions.TCP_NODELAY));

            Future<byte[]> reader = pool.submit(() -> {
                ByteBuffer all = ByteBuffer.allocate(sent.length);
                ByteBuffer[] parts = {ByteBuffer.allocate(1000), ByteBuffer.allocateDirect(3000)};
                while (true) {
                    long n = c.read(parts);
                    if (n < 0) {
                        break;
                    }
                    for (ByteBuffer p : parts) {
                        all.put(p.flip());
                        p.clear();
                    }
                }
                return Arrays.copyOf(all.array(), all.position());
            });
            ByteBuffer first = ByteBuffer.wrap(sent, 0, 70_000);
            ByteBuffer second = ByteBuffer.wrap(sent, 70_000, sent.length - 70_000);
            ByteBuffer[] out = {first, second};
            long written = 0;
            while (written < sent.length) {
                written += c.write(out);
            }
            c.shutdownOutput();
            assertArrayEquals(sent, reader.get(60, TimeUnit.SECONDS), "echo equals what was sent, then -1 after the FIN");
        }
        assertEquals(sent.length, echoed.get(60, TimeUnit.SECONDS));
        server.close();
    }

    @Test
    void selectorEchoServerServesSeveralClientsOnOneThread() throws Exception {
        Selector sel = pb.openSelector();
        ServerSocketChannel server = pb.openServerSocketChannel().bind(at("10.0.0.2", 7007));
        server.configureBlocking(false);
        assertNull(server.accept(), "nothing to accept yet");
        server.register(sel, SelectionKey.OP_ACCEPT);
        AtomicBoolean stop = new AtomicBoolean();
        Future<Integer> loop = pool.submit(() -> {
            int accepted = 0;
            while (!stop.get()) {
                sel.select(1000);
                Iterator<SelectionKey> it = sel.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (k.isAcceptable()) {
                        SocketChannel c = server.accept();
                        if (c != null) {
                            accepted++;
                            c.configureBlocking(false);
                            c.register(sel, SelectionKey.OP_READ, ByteBuffer.allocate(8192));
                        }
                    } else if (k.isReadable()) {
                        SocketChannel c = (SocketChannel) k.channel();
                        ByteBuffer buf = (ByteBuffer) k.attachment();
                        int n = c.read(buf.clear());
                        if (n < 0) {
                            c.close();
                            continue;
                        }
                        buf.flip();
                        while (buf.hasRemaining()) {
                            c.write(buf); // small echoes fit the send buffer
                        }
                    }
                }
            }
            sel.close();
            server.close();
            return accepted;
        });

        int clients = 6;
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            long seed = i;
            results.add(pool.submit(() -> {
                try (SocketChannel c = pa.openSocketChannel()) {
                    c.connect(at("10.0.0.2", 7007));
                    for (int m = 0; m < 20; m++) {
                        byte[] msg = data(100 + m, seed * 100 + m);
                        c.write(ByteBuffer.wrap(msg));
                        ByteBuffer back = ByteBuffer.allocate(msg.length);
                        while (back.hasRemaining()) {
                            if (c.read(back) < 0) {
                                return false;
                            }
                        }
                        if (!Arrays.equals(msg, back.array())) {
                            return false;
                        }
                    }
                    return true;
                }
            }));
        }
        for (Future<Boolean> r : results) {
            assertTrue(r.get(60, TimeUnit.SECONDS));
        }
        stop.set(true);
        sel.wakeup();
        assertEquals(clients, loop.get(30, TimeUnit.SECONDS));
    }

    @Test
    void nonBlockingConnectSelectsOpConnect() throws Exception {
        ServerSocketChannel server = pb.openServerSocketChannel().bind(null);
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        Future<Long> echoed = echoOnce(server);
        try (Selector sel = pa.openSelector(); SocketChannel c = pa.openSocketChannel()) {
            c.configureBlocking(false);
            boolean now = c.connect(at("10.0.0.2", port));
            if (!now) {
                assertTrue(c.isConnectionPending());
                SelectionKey k = c.register(sel, SelectionKey.OP_CONNECT);
                while (!c.finishConnect()) {
                    sel.select(1000);
                    sel.selectedKeys().clear();
                }
                assertTrue(k.isValid());
                k.interestOps(SelectionKey.OP_READ);
            }
            assertTrue(c.isConnected());
            assertEquals(0, c.read(ByteBuffer.allocate(10)), "non-blocking read with nothing there gives 0");
            c.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            ByteBuffer back = ByteBuffer.allocate(3);
            while (back.hasRemaining()) {
                sel.select(1000);
                sel.selectedKeys().clear();
                assertTrue(c.read(back) >= 0);
            }
            assertArrayEquals(new byte[] {1, 2, 3}, back.array());
        }
        assertEquals(3, echoed.get(30, TimeUnit.SECONDS));
        server.close();
    }

    @Test
    void wakeupFromAnotherThread() throws Exception {
        Selector sel = pa.openSelector();
        ServerSocketChannel idle = pa.openServerSocketChannel().bind(null);
        idle.configureBlocking(false);
        idle.register(sel, SelectionKey.OP_ACCEPT);

        sel.wakeup();
        assertEquals(0, sel.select(), "a wake-up before select ends the next select at once");

        Future<Integer> blocked = pool.submit(() -> sel.select());
        Thread.sleep(200); // let the select start; the assertion below holds either way
        assertFalse(blocked.isDone(), "select waits while nothing is ready");
        sel.wakeup();
        assertEquals(0, blocked.get(30, TimeUnit.SECONDS));
        sel.close();
        assertFalse(sel.isOpen());
        idle.close();
    }

    @Test
    void refusedConnectIsConnectException() throws Exception {
        SocketChannel c = pa.openSocketChannel();
        ConnectException e = assertThrows(ConnectException.class, () -> c.connect(at("10.0.0.2", 9)));
        assertEquals("Connection refused", e.getMessage());
        assertFalse(c.isOpen(), "a failed connect closes the channel, as the JDK's does");

        SocketChannel n = pa.openSocketChannel();
        n.configureBlocking(false);
        // The refusal may come back before connect returns (the bus is fast) or later through finishConnect.
        assertThrows(ConnectException.class, () -> {
            if (!n.connect(at("10.0.0.2", 9))) {
                try (Selector sel = pa.openSelector()) {
                    n.register(sel, SelectionKey.OP_CONNECT);
                    for (int i = 0; i < 100 && !n.finishConnect(); i++) {
                        sel.select(1000);
                    }
                }
            }
        });
        assertFalse(n.isOpen());
    }

    @Test
    void bindInUseIsBindException() throws Exception {
        ServerSocketChannel first = pb.openServerSocketChannel().bind(at("0.0.0.0", 8080));
        ServerSocketChannel second = pb.openServerSocketChannel();
        assertThrows(BindException.class, () -> second.bind(at("0.0.0.0", 8080)));
        first.close();
        second.close();
    }

    @Test
    void closedChannelsAndClosedKernels() throws Exception {
        ServerSocketChannel server = pb.openServerSocketChannel().bind(null);
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        SocketChannel c = pa.openSocketChannel();
        c.connect(at("10.0.0.2", port));
        SocketChannel accepted = server.accept();
        assertEquals(InetAddress.getByName("10.0.0.1"), ((InetSocketAddress) accepted.getRemoteAddress()).getAddress());
        c.close();
        assertThrows(ClosedChannelException.class, () -> c.read(ByteBuffer.allocate(1)));
        assertThrows(ClosedChannelException.class, () -> c.write(ByteBuffer.allocate(1)));
        assertEquals(-1, accepted.read(ByteBuffer.allocate(1)), "the peer's close reads as end of stream");

        bus.b.close();
        IOException e = assertThrows(IOException.class, () -> accepted.write(ByteBuffer.allocate(1)));
        assertInstanceOf(ClosedChannelException.class, e, "a channel of a closed kernel is closed");
        assertThrows(ClosedChannelException.class, () -> pb.openSocketChannel());
    }

    @Test
    void closeAndInterruptEndABlockedRead() throws Exception {
        ServerSocketChannel server = pb.openServerSocketChannel().bind(null);
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        SocketChannel c1 = pa.openSocketChannel();
        c1.connect(at("10.0.0.2", port));
        SocketChannel c2 = pa.openSocketChannel();
        c2.connect(at("10.0.0.2", port));
        Future<Object> closed = pool.submit(() -> {
            try {
                return c1.read(ByteBuffer.allocate(10));
            } catch (IOException e) {
                return e;
            }
        });
        Thread.sleep(200); // let the read block; the result below is the same if it had not yet
        c1.close();
        assertInstanceOf(java.nio.channels.AsynchronousCloseException.class, closed.get(30, TimeUnit.SECONDS));

        java.util.concurrent.atomic.AtomicReference<Thread> reader = new java.util.concurrent.atomic.AtomicReference<>();
        Future<Object> interrupted = pool.submit(() -> {
            reader.set(Thread.currentThread());
            try {
                return c2.read(ByteBuffer.allocate(10));
            } catch (IOException e) {
                return e;
            }
        });
        while (reader.get() == null) {
            Thread.onSpinWait();
        }
        Thread.sleep(200);
        reader.get().interrupt();
        assertInstanceOf(java.nio.channels.ClosedByInterruptException.class, interrupted.get(30, TimeUnit.SECONDS));
        assertFalse(c2.isOpen());
        server.close();
    }
}
