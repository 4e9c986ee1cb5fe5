package io.jrump.net.channels;

import static io.jrump.net.channels.BusKernels.at;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every blocking call of every kernel channel ends as the JDK documents: closed from another
 * thread with {@link AsynchronousCloseException}; interrupted with
 * {@link ClosedByInterruptException}, the channel closed and the interrupt status kept; and a
 * channel of a closed kernel throws {@link ClosedChannelException}, never an internal exception.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class InterruptAndCloseTest {
    private static BusKernels bus;
    private static SelectorProvider pa;
    private static SelectorProvider pb;

    @BeforeEach
    void boot() throws Exception {
        bus = new BusKernels();
        pa = bus.pa;
        pb = bus.pb;
    }

    @AfterEach
    void close() {
        bus.close();
    }

    /** A channel and a call on it that blocks until something ends it. */
    private record Blocked(Channel channel, BlockingCall call) {
    }

    @FunctionalInterface
    private interface BlockingCall {
        Object run() throws Exception;
    }

    @FunctionalInterface
    private interface Setup {
        Blocked make() throws Exception;
    }

    private static SocketChannel connected() throws Exception {
        ServerSocketChannel server = pb.openServerSocketChannel();
        server.setOption(StandardSocketOptions.SO_RCVBUF, 4096); // inherited: the peer's window shuts soon
        server.bind(null);
        SocketChannel c = pa.openSocketChannel();
        c.connect(at("10.0.0.2", ((InetSocketAddress) server.getLocalAddress()).getPort()));
        server.accept(); // accepted and never read
        return c;
    }

    static Stream<Arguments> blockingCalls() {
        return Stream.of(
                Arguments.of("socket read", (Setup) () -> {
                    SocketChannel c = connected();
                    return new Blocked(c, () -> c.read(ByteBuffer.allocate(10)));
                }),
                Arguments.of("socket write into a full send buffer", (Setup) () -> {
                    SocketChannel c = connected();
                    c.setOption(StandardSocketOptions.SO_SNDBUF, 4096);
                    // filled without blocking first, until the peer's window is shut too, so the
                    // blocked write has moved no byte when it ends
                    c.configureBlocking(false);
                    for (int zeros = 0; zeros < 5; ) {
                        zeros = c.write(ByteBuffer.allocate(65536)) == 0 ? zeros + 1 : 0;
                        Thread.sleep(20);
                    }
                    c.configureBlocking(true);
                    return new Blocked(c, () -> c.write(ByteBuffer.allocate(65536)));
                }),
                Arguments.of("socket connect to a silent address", (Setup) () -> {
                    SocketChannel c = pa.openSocketChannel();
                    return new Blocked(c, () -> c.connect(at("10.0.0.99", 80)));
                }),
                Arguments.of("server accept", (Setup) () -> {
                    ServerSocketChannel s = pb.openServerSocketChannel().bind(null);
                    return new Blocked(s, s::accept);
                }),
                Arguments.of("datagram receive", (Setup) () -> {
                    DatagramChannel d = pa.openDatagramChannel().bind(null);
                    return new Blocked(d, () -> d.receive(ByteBuffer.allocate(10)));
                }),
                Arguments.of("connected datagram read", (Setup) () -> {
                    DatagramChannel d = pa.openDatagramChannel();
                    d.connect(at("10.0.0.2", 5000));
                    return new Blocked(d, () -> d.read(ByteBuffer.allocate(10)));
                }),
                Arguments.of("pipe read", (Setup) () -> {
                    Pipe p = pa.openPipe();
                    return new Blocked(p.source(), () -> p.source().read(ByteBuffer.allocate(10)));
                }),
                Arguments.of("pipe write into a full pipe", (Setup) () -> {
                    Pipe p = pa.openPipe();
                    p.sink().configureBlocking(false);
                    while (p.sink().write(ByteBuffer.allocate(4096)) > 0) {
                        // fill it
                    }
                    p.sink().configureBlocking(true);
                    return new Blocked(p.sink(), () -> p.sink().write(ByteBuffer.allocate(4096)));
                }));
    }

    /** What the blocked thread saw: its exception and whether its interrupt status was set afterwards. */
    private record Outcome(Object result, boolean interrupted) {
    }

    private static CompletableFuture<Outcome> start(Blocked blocked, CompletableFuture<Thread> thread) {
        CompletableFuture<Outcome> out = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            thread.complete(Thread.currentThread());
            Object r;
            try {
                r = blocked.call().run();
            } catch (Throwable e) {
                r = e;
            }
            out.complete(new Outcome(r, Thread.currentThread().isInterrupted()));
        });
        t.setDaemon(true);
        t.start();
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("blockingCalls")
    void closeFromAnotherThreadIsAsynchronousClose(String name, Setup setup) throws Exception {
        Blocked blocked = setup.make();
        CompletableFuture<Outcome> out = start(blocked, new CompletableFuture<>());
        Thread.sleep(200); // let the call block; a close before it starts gives ClosedChannelException, checked below
        assertFalse(out.isDone(), name + " blocks");
        blocked.channel().close();
        Outcome o = out.get(30, TimeUnit.SECONDS);
        assertInstanceOf(AsynchronousCloseException.class, o.result(), name);
        assertFalse(o.result() instanceof ClosedByInterruptException, name);
        assertFalse(o.interrupted());
        assertThrows(ClosedChannelException.class, () -> blocked.call().run(), name + " after close");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("blockingCalls")
    void interruptClosesTheChannelAndKeepsTheStatus(String name, Setup setup) throws Exception {
        Blocked blocked = setup.make();
        CompletableFuture<Thread> thread = new CompletableFuture<>();
        CompletableFuture<Outcome> out = start(blocked, thread);
        Thread.sleep(200);
        assertFalse(out.isDone(), name + " blocks");
        thread.get().interrupt();
        Outcome o = out.get(30, TimeUnit.SECONDS);
        assertInstanceOf(ClosedByInterruptException.class, o.result(), name);
        assertTrue(o.interrupted(), "the interrupt status stays set");
        assertFalse(blocked.channel().isOpen(), "an interrupt closes the channel");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("blockingCalls")
    void aThreadInterruptedBeforeTheCallClosesTheChannel(String name, Setup setup) throws Exception {
        Blocked blocked = setup.make();
        CompletableFuture<Object> out = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            Thread.currentThread().interrupt();
            try {
                out.complete(blocked.call().run());
            } catch (Throwable e) {
                out.complete(e);
            }
        });
        t.start();
        assertInstanceOf(ClosedByInterruptException.class, out.get(30, TimeUnit.SECONDS), name);
        assertFalse(blocked.channel().isOpen());
    }

    @Test
    void anInterruptedSelectReturnsWithTheStatusKept() throws Exception {
        try (Selector sel = pa.openSelector()) {
            CompletableFuture<Thread> thread = new CompletableFuture<>();
            CompletableFuture<Object[]> out = CompletableFuture.supplyAsync(() -> {
                thread.complete(Thread.currentThread());
                try {
                    int n = sel.select();
                    return new Object[] {n, Thread.interrupted()};
                } catch (IOException e) {
                    return new Object[] {e, false};
                }
            }, r -> new Thread(r).start());
            Thread.sleep(200);
            thread.get().interrupt();
            Object[] r = out.get(30, TimeUnit.SECONDS);
            assertEquals(0, r[0]);
            assertEquals(true, r[1], "select returns with the interrupt status set");
            assertTrue(sel.isOpen(), "an interrupt does not close a selector");
        }
    }

    @Test
    void everyChannelOfAClosedKernelIsClosed() throws Exception {
        SocketChannel s = connected();
        ServerSocketChannel server = pa.openServerSocketChannel().bind(null);
        DatagramChannel d = pa.openDatagramChannel().bind(null);
        Pipe p = pa.openPipe();
        Selector sel = pa.openSelector();
        d.configureBlocking(false);
        d.register(sel, SelectionKey.OP_READ);
        bus.a.close();
        assertThrows(ClosedChannelException.class, () -> s.read(ByteBuffer.allocate(1)));
        assertThrows(ClosedChannelException.class, () -> s.write(ByteBuffer.allocate(1)));
        assertThrows(ClosedChannelException.class, () -> s.setOption(StandardSocketOptions.TCP_NODELAY, true));
        assertThrows(ClosedChannelException.class, () -> s.getOption(StandardSocketOptions.SO_RCVBUF));
        assertThrows(ClosedChannelException.class, () -> s.getLocalAddress());
        assertThrows(ClosedChannelException.class, () -> s.configureBlocking(false));
        assertThrows(ClosedChannelException.class, server::accept);
        assertThrows(ClosedChannelException.class, () -> d.receive(ByteBuffer.allocate(1)));
        assertThrows(ClosedChannelException.class, () -> d.send(ByteBuffer.allocate(1), at("10.0.0.2", 9)));
        assertThrows(ClosedChannelException.class, () -> p.source().read(ByteBuffer.allocate(1)));
        assertThrows(ClosedChannelException.class, () -> p.sink().write(ByteBuffer.allocate(1)));
        assertThrows(ClosedChannelException.class, () -> pa.openDatagramChannel());
        assertThrows(ClosedChannelException.class, () -> pa.openPipe());
        assertThrows(ClosedChannelException.class, () -> pa.openSelector());
        assertThrows(ClosedSelectorException.class, sel::selectNow);
        // closing them all the same is quiet
        s.close();
        server.close();
        d.close();
        p.source().close();
        p.sink().close();
        sel.close();
    }
}
