package io.jrump.net.channels;

import static io.jrump.net.channels.BusKernels.at;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * Every kernel channel, selector and socket view whose kernel closed under it (issue 15, "Bad
 * input"): each later call answers as the JDK does for a closed channel
 * ({@code ClosedChannelException}, {@code ClosedSelectorException} for a selector, an
 * {@code IOException} from a socket view's streams), a call blocked in the kernel when it closes
 * ends the same way, and closing afterwards is quiet. Never the kernel's own
 * {@code KernelClosedException} (unchecked) or another internal exception.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClosedKernelChannelsTest {
    private final BusKernels bus = new BusKernels();
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void close() throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        bus.close();
    }

    /** {@code call} throws a {@link ClosedChannelException} (a subclass counts), and nothing else. */
    private static void closedChannel(String what, Executable call) {
        Throwable t = assertThrows(Throwable.class, call, what);
        assertInstanceOf(ClosedChannelException.class, t, what + ": " + t);
    }

    @Test
    void everyCallOnEveryChannelOfAClosedKernel() throws Exception {
        ServerSocketChannel server = bus.pb.openServerSocketChannel().bind(null);
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        SocketChannel client = bus.pa.openSocketChannel();
        client.connect(at("10.0.0.2", port));
        SocketChannel accepted = server.accept();
        SocketChannel client2 = bus.pa.openSocketChannel();
        client2.connect(at("10.0.0.2", port));
        SocketChannel blocking = server.accept();
        SocketChannel unconnected = bus.pb.openSocketChannel();
        DatagramChannel udp = bus.pb.openDatagramChannel().bind(null);
        Pipe pipe = bus.pb.openPipe();
        Selector sel = bus.pb.openSelector();
        Socket view = blocking.socket();
        view.getInputStream();
        accepted.configureBlocking(false);
        SelectionKey key = accepted.register(sel, SelectionKey.OP_READ);
        sel.selectNow();

        bus.b.close();

        ByteBuffer one = ByteBuffer.allocate(1);
        closedChannel("read", () -> accepted.read(one));
        closedChannel("write", () -> accepted.write(ByteBuffer.allocate(1)));
        closedChannel("scattering read", () -> accepted.read(new ByteBuffer[] {one, ByteBuffer.allocate(1)}));
        closedChannel("gathering write", () -> accepted.write(new ByteBuffer[] {ByteBuffer.allocate(1), ByteBuffer.allocate(1)}));
        closedChannel("shutdownInput", accepted::shutdownInput);
        closedChannel("shutdownOutput", accepted::shutdownOutput);
        closedChannel("setOption", () -> accepted.setOption(StandardSocketOptions.TCP_NODELAY, true));
        closedChannel("getOption", () -> accepted.getOption(StandardSocketOptions.SO_RCVBUF));
        closedChannel("configureBlocking", () -> unconnected.configureBlocking(false));
        closedChannel("connect", () -> unconnected.connect(at("10.0.0.1", port)));
        closedChannel("bind", () -> unconnected.bind(null));
        closedChannel("accept", server::accept);
        closedChannel("datagram send", () -> udp.send(ByteBuffer.allocate(1), at("10.0.0.1", 9)));
        closedChannel("datagram receive", () -> udp.receive(ByteBuffer.allocate(1)));
        closedChannel("pipe write", () -> pipe.sink().write(ByteBuffer.allocate(1)));
        closedChannel("pipe read", () -> pipe.source().read(ByteBuffer.allocate(1)));
        closedChannel("open a socket channel", bus.pb::openSocketChannel);
        closedChannel("open a server socket channel", bus.pb::openServerSocketChannel);
        closedChannel("open a datagram channel", bus.pb::openDatagramChannel);
        closedChannel("open a pipe", bus.pb::openPipe);

        Throwable s = assertThrows(Throwable.class, sel::selectNow, "select");
        assertInstanceOf(ClosedSelectorException.class, s, "select on a closed kernel: " + s);
        Throwable o = assertThrows(Throwable.class, bus.pb::openSelector, "openSelector");
        assertInstanceOf(ClosedChannelException.class, o, "open a selector: " + o);
        assertInstanceOf(IOException.class, assertThrows(Throwable.class, () -> view.getInputStream().read()), "a socket view's stream");
        assertInstanceOf(IOException.class, assertThrows(Throwable.class, () -> view.getOutputStream().write(1)), "a socket view's stream");
        assertInstanceOf(IOException.class, assertThrows(Throwable.class,
                () -> udp.socket().receive(new DatagramPacket(new byte[1], 1))), "a datagram socket view");

        // closing what is left is quiet, as closing a closed channel is
        for (java.io.Closeable c : List.of(accepted, blocking, client, client2, unconnected, server, udp, pipe.sink(), pipe.source(), sel, view)) {
            assertDoesNotThrow(c::close, c.toString());
        }
        assertFalse(key.isValid(), "the selector's close cancelled its key");
    }

    @Test
    void callsBlockedInTheKernelEndWhenItCloses() throws Exception {
        ServerSocketChannel server = bus.pb.openServerSocketChannel().bind(null);
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        SocketChannel client = bus.pa.openSocketChannel();
        client.connect(at("10.0.0.2", port));
        SocketChannel accepted = server.accept();
        ServerSocketChannel idle = bus.pb.openServerSocketChannel().bind(null);
        Pipe pipe = bus.pb.openPipe();
        Pipe waited = bus.pb.openPipe();
        Selector sel = bus.pb.openSelector();
        waited.source().configureBlocking(false).register(sel, SelectionKey.OP_READ);
        DatagramChannel udp = bus.pb.openDatagramChannel().bind(null);

        List<Future<Throwable>> blocked = new ArrayList<>();
        List<Thread> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> names = List.of("read", "accept", "pipe read", "select", "datagram receive");
        List<Executable> calls = List.of(() -> accepted.read(ByteBuffer.allocate(1)), idle::accept,
                () -> pipe.source().read(ByteBuffer.allocate(1)), sel::select, () -> udp.receive(ByteBuffer.allocate(1)));
        for (Executable call : calls) {
            blocked.add(pool.submit(() -> {
                threads.add(Thread.currentThread());
                try {
                    call.execute();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            }));
        }
        Thread.sleep(300); // lets the calls block; had one not blocked yet, it meets the closed kernel, with the same answer
        bus.b.close();
        for (int i = 0; i < calls.size(); i++) {
            String what = names.get(i);
            Throwable t;
            try {
                t = blocked.get(i).get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                StringBuilder where = new StringBuilder();
                for (Thread th : threads) {
                    where.append('\n').append(th.getName()).append(':');
                    for (StackTraceElement el : th.getStackTrace()) {
                        where.append("\n    ").append(el);
                    }
                }
                throw new AssertionError(what + " still blocked 30 s after its kernel closed" + where);
            }
            if (what.equals("select")) {
                // the JDK's select on a selector closed meanwhile returns or throws ClosedSelectorException
                assertTrue(t == null || t instanceof ClosedSelectorException, what + ": " + t);
            } else {
                assertInstanceOf(ClosedChannelException.class, t, what + ": " + t);
            }
        }
    }
}
