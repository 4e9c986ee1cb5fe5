package io.jrump.net.channels;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One suite of channel and selector behaviour, run against the JDK's own provider on Linux
 * loopback ({@link JdkLoopbackConformanceTest}), the oracle, and against the jrump provider on
 * the in-memory bus ({@link KernelBusConformanceTest}): readiness after connect, accept, the
 * peer's FIN and RST; {@code finishConnect} on a refused connection; -1 after FIN; partial
 * writes; {@code OP_WRITE} after a full send buffer; closing a registered channel; a wake-up
 * before select. Both must pass the same assertions; where the two differ by design, the test
 * says why and what each does.
 *
 * <p>Waits go through {@code select} with a generous time-out and never assert how long they
 * took: the bus and loopback deliver at different speeds, and only the outcome is the contract.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class ChannelConformance {
    /** Long enough for any segment to cross the bus or loopback; a select returns as soon as it is ready. */
    private static final long WAIT_MILLIS = 10_000;

    private final List<AutoCloseable> opened = new ArrayList<>();

    /** The provider of the connecting side. */
    abstract SelectorProvider client();

    /** The provider of the listening side. */
    abstract SelectorProvider server();

    /** The address the listening side binds and the client connects to. */
    abstract InetAddress serverAddress();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T keep(T c) {
        opened.add(c);
        return c;
    }

    private ServerSocketChannel listening() throws IOException {
        return keep(server().openServerSocketChannel().bind(new InetSocketAddress(serverAddress(), 0)));
    }

    private static int port(ServerSocketChannel s) throws IOException {
        return ((InetSocketAddress) s.getLocalAddress()).getPort();
    }

    /** A connected pair, both ends blocking: [client, accepted]. */
    private SocketChannel[] pair() throws IOException {
        ServerSocketChannel s = listening();
        SocketChannel c = keep(client().openSocketChannel());
        assertTrue(c.connect(new InetSocketAddress(serverAddress(), port(s))));
        SocketChannel a = keep(s.accept());
        return new SocketChannel[] {c, a};
    }

    /** Selects until {@code key} is ready for one of {@code ops}, or the wait is over; the key's ready set. */
    private static int awaitReady(Selector sel, SelectionKey key, int ops) throws IOException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (System.nanoTime() < end) {
            sel.select(WAIT_MILLIS);
            if (sel.selectedKeys().remove(key) && (key.readyOps() & ops) != 0) {
                return key.readyOps();
            }
        }
        return 0;
    }

    @Test
    void aNonBlockingConnectSelectsOpConnectThenTheChannelIsWritableNotReadable() throws Exception {
        ServerSocketChannel s = listening();
        Selector sel = keep(client().openSelector());
        SocketChannel c = keep(client().openSocketChannel());
        c.configureBlocking(false);
        SelectionKey k = c.register(sel, SelectionKey.OP_CONNECT);
        if (!c.connect(new InetSocketAddress(serverAddress(), port(s)))) {
            assertEquals(SelectionKey.OP_CONNECT, awaitReady(sel, k, SelectionKey.OP_CONNECT));
            assertTrue(c.finishConnect());
        }
        assertTrue(c.isConnected());
        k.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        assertEquals(SelectionKey.OP_WRITE, awaitReady(sel, k, SelectionKey.OP_WRITE), "writable, nothing to read");
    }

    @Test
    void aListeningChannelIsAcceptableOnceAConnectionArrivesAndNotAfterItIsTaken() throws Exception {
        ServerSocketChannel s = listening();
        s.configureBlocking(false);
        Selector sel = keep(server().openSelector());
        SelectionKey k = s.register(sel, SelectionKey.OP_ACCEPT);
        assertEquals(0, sel.selectNow(), "nobody has connected");
        assertNull(s.accept());
        SocketChannel c = keep(client().openSocketChannel());
        c.connect(new InetSocketAddress(serverAddress(), port(s)));
        assertEquals(SelectionKey.OP_ACCEPT, awaitReady(sel, k, SelectionKey.OP_ACCEPT));
        SocketChannel a = keep(s.accept());
        assertNotNull(a);
        a.configureBlocking(false);
        SelectionKey ak = a.register(sel, SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        assertEquals(SelectionKey.OP_WRITE, awaitReady(sel, ak, SelectionKey.OP_WRITE), "accepted: writable, nothing to read");
        ak.cancel();
        sel.selectNow();
        a.configureBlocking(true);
        assertTrue(a.isBlocking(), "an accepted channel starts blocking");
        assertEquals(0, sel.selectNow(), "the only connection was taken");
        assertNull(s.accept());
    }

    @Test
    void thePeersFinMakesTheChannelReadableAndReadGivesMinusOneForEver() throws Exception {
        SocketChannel[] p = pair();
        Selector sel = keep(server().openSelector());
        p[1].configureBlocking(false);
        SelectionKey k = p[1].register(sel, SelectionKey.OP_READ);
        assertEquals(0, sel.selectNow());
        p[0].write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        p[0].shutdownOutput();
        assertEquals(SelectionKey.OP_READ, awaitReady(sel, k, SelectionKey.OP_READ));
        ByteBuffer b = ByteBuffer.allocate(10);
        while (b.position() < 3) {
            assertTrue(p[1].read(b) >= 0);
        }
        int r;
        while ((r = p[1].read(b)) == 0) {
            awaitReady(sel, k, SelectionKey.OP_READ);
        }
        assertEquals(-1, r, "FIN after the data");
        assertEquals(-1, p[1].read(b), "and again");
        assertEquals(SelectionKey.OP_READ, awaitReady(sel, k, SelectionKey.OP_READ), "end of stream stays readable");

        // half-close: the other direction still works
        k.cancel();
        sel.selectNow(); // deregisters: only then may the channel block again
        p[1].configureBlocking(true);
        p[1].write(ByteBuffer.wrap(new byte[] {9}));
        ByteBuffer back = ByteBuffer.allocate(1);
        assertEquals(1, p[0].read(back));
    }

    @Test
    void thePeersResetMakesTheChannelReadableAndReadThrowsConnectionReset() throws Exception {
        SocketChannel[] p = pair();
        Selector sel = keep(server().openSelector());
        p[1].configureBlocking(false);
        SelectionKey k = p[1].register(sel, SelectionKey.OP_READ);
        p[0].setOption(StandardSocketOptions.SO_LINGER, 0); // close with RST
        p[0].close();
        assertEquals(SelectionKey.OP_READ, awaitReady(sel, k, SelectionKey.OP_READ));
        SocketException e = assertThrows(SocketException.class, () -> p[1].read(ByteBuffer.allocate(10)));
        assertEquals("Connection reset", e.getMessage());
        assertEquals("Connection reset", assertThrows(SocketException.class, () -> p[1].read(ByteBuffer.allocate(10))).getMessage(),
                "a reset stays reported (the JDK's channel remembers it; the kernel, as Linux, tells it once)");
        assertEquals("Broken pipe", assertThrows(IOException.class, () -> p[1].write(ByteBuffer.allocate(10))).getMessage());
    }

    @Test
    void finishConnectOnARefusedConnectionThrowsConnectExceptionAndClosesTheChannel() throws Exception {
        ServerSocketChannel gone = listening();
        InetSocketAddress refused = new InetSocketAddress(serverAddress(), port(gone));
        gone.close();
        Selector sel = keep(client().openSelector());
        SocketChannel c = keep(client().openSocketChannel());
        c.configureBlocking(false);
        SelectionKey k = c.register(sel, SelectionKey.OP_CONNECT);
        // Linux loopback may refuse within connect() itself; the bus answers later. Either way
        // the refusal is a ConnectException "Connection refused" and the channel is closed.
        ConnectException e = assertThrows(ConnectException.class, () -> {
            if (!c.connect(refused)) {
                assertEquals(SelectionKey.OP_CONNECT, awaitReady(sel, k, SelectionKey.OP_CONNECT));
                c.finishConnect();
            }
        });
        assertEquals("Connection refused", e.getMessage());
        assertFalse(c.isOpen());
        assertFalse(k.isValid());
    }

    @Test
    void aNonBlockingWriteLargerThanTheBuffersIsPartialThenZero() throws Exception {
        SocketChannel[] p = pair();
        p[0].configureBlocking(false);
        ByteBuffer big = ByteBuffer.allocate(32 << 20);
        int first = p[0].write(big);
        assertTrue(first > 0 && first < big.capacity(), "a partial write: " + first);
        int n;
        int zeros = 0;
        for (int i = 0; i < 10_000 && zeros == 0; i++) {
            n = p[0].write(big);
            if (n == 0) {
                zeros++;
            }
        }
        assertEquals(1, zeros, "the send buffer fills: a write then takes nothing");
        assertTrue(big.hasRemaining());
    }

    @Test
    void opWriteIsNotReadyWhileTheSendBufferIsFullAndReadyOnceThePeerReads() throws Exception {
        SocketChannel[] p = pair();
        p[0].configureBlocking(false);
        Selector sel = keep(client().openSelector());
        SelectionKey k = p[0].register(sel, SelectionKey.OP_WRITE);
        assertEquals(SelectionKey.OP_WRITE, awaitReady(sel, k, SelectionKey.OP_WRITE));
        long written = fillUntilStuck(p[0]);
        assertTrue(written > 0);
        assertEquals(0, sel.selectNow(), "no room in the send buffer: not writable");
        assertFalse(sel.selectedKeys().contains(k));

        p[1].configureBlocking(false);
        ByteBuffer sink = ByteBuffer.allocate(1 << 20);
        long read = 0;
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        boolean writable = false;
        while (!writable && System.nanoTime() < end) {
            read += Math.max(0, p[1].read(sink.clear()));
            writable = sel.select(10) > 0 && k.isWritable();
        }
        assertTrue(writable, "writable again after the peer read " + read + " bytes");
    }

    /**
     * Writes until the send buffer and the peer's window are full: a write takes nothing several
     * times running (bytes in flight may still free room once after the first zero, on both stacks).
     */
    private static long fillUntilStuck(SocketChannel c) throws Exception {
        ByteBuffer chunk = ByteBuffer.allocate(64 << 10);
        long total = 0;
        for (int zeros = 0; zeros < 5; ) {
            int n = c.write(chunk.clear());
            total += n;
            if (n == 0) {
                zeros++;
                Thread.sleep(20);
            } else {
                zeros = 0;
            }
        }
        return total;
    }

    @Test
    void closingARegisteredChannelCancelsItsKeyDeregistersAtTheNextSelectAndThePeerSeesTheEnd() throws Exception {
        SocketChannel[] p = pair();
        Selector sel = keep(client().openSelector());
        p[0].configureBlocking(false);
        SelectionKey k = p[0].register(sel, SelectionKey.OP_READ);
        assertTrue(p[0].isRegistered());
        p[0].close();
        assertFalse(k.isValid(), "closing cancels the key at once");
        assertTrue(sel.keys().contains(k), "until the next select, the key is still in the key set");
        sel.selectNow();
        assertFalse(sel.keys().contains(k));
        assertFalse(p[0].isRegistered());
        assertEquals(-1, p[1].read(ByteBuffer.allocate(1)), "the peer reads the end of the stream");
    }

    @Test
    void aWakeupBeforeSelectEndsTheNextSelectAtOnceAndOnlyThatOne() throws Exception {
        Selector sel = keep(server().openSelector());
        ServerSocketChannel idle = listening();
        idle.configureBlocking(false);
        idle.register(sel, SelectionKey.OP_ACCEPT);
        sel.wakeup();
        sel.wakeup(); // wake-ups before a select count once
        assertEquals(0, sel.select(), "returns at once: nothing else could end it");
        CompletableFuture<Integer> next = CompletableFuture.supplyAsync(() -> {
            try {
                return sel.select();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, r -> new Thread(r).start());
        Thread.sleep(200); // a wake-up left over would end it within this; holds however fast the stack
        assertFalse(next.isDone(), "the wake-up was used up by the first select");
        sel.wakeup();
        assertEquals(0, next.get(WAIT_MILLIS, TimeUnit.MILLISECONDS));
    }
}
