package io.jrump.net.channels;

import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How Netty sees connections end, run once on two kernels on a bus and once on the JDK's own
 * provider over Linux loopback (the oracle): every test records the events as a list of strings
 * and expects the same list in both worlds.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NettyBehaviourTest {
    private static final int PORT = 7200;

    static NettyWorld world(String name) throws Exception {
        return name.equals("jdk") ? NettyWorld.jdk() : NettyWorld.kernels();
    }

    /** Records what a handler sees, one string per event, in order. */
    private static class Recorder extends ChannelInboundHandlerAdapter {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();
        private final StringBuilder data = new StringBuilder();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            events.add("active");
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            data.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ChannelInputShutdownEvent.INSTANCE) {
                events.add("data " + data);
                data.setLength(0);
                events.add("input shut");
                onInputShut(ctx);
            } else if (evt == ChannelInputShutdownReadComplete.INSTANCE) {
                events.add("input shut read complete");
            } else if (evt instanceof IdleStateEvent idle) {
                events.add("idle " + idle.state());
                ctx.close();
            }
        }

        void onInputShut(ChannelHandlerContext ctx) {
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (data.length() > 0) {
                events.add("data " + data);
                data.setLength(0);
            }
            events.add("inactive");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            events.add("exception " + cause.getClass().getSimpleName());
            ctx.close();
        }

        List<String> take(int n) throws InterruptedException {
            String[] got = new String[n];
            for (int i = 0; i < n; i++) {
                got[i] = events.poll(10, TimeUnit.SECONDS);
            }
            return java.util.Arrays.asList(got); // a missing event shows as null
        }
    }

    /**
     * With half-closure allowed on both sides, the client's {@code shutdownOutput} reaches the server
     * as an input shutdown, the server still answers and closes, and the client reads the answer
     * before its own input ends.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jdk", "jrump"})
    void halfCloseLetsTheServerAnswerAfterTheClientsFin(String where) throws Exception {
        try (NettyWorld w = world(where)) {
            Recorder serverSide = new Recorder() {
                @Override
                void onInputShut(ChannelHandlerContext ctx) {
                    ctx.writeAndFlush(Unpooled.copiedBuffer("answer", StandardCharsets.US_ASCII)).addListener(f -> ctx.close());
                }
            };
            Channel server = w.server().childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(serverSide).bind(w.serverAt(PORT)).sync().channel();
            Recorder clientSide = new Recorder();
            SocketChannel ch = (SocketChannel) w.client().option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .handler(clientSide).connect(w.serverAt(PORT)).sync().channel();
            ch.writeAndFlush(Unpooled.copiedBuffer("question", StandardCharsets.US_ASCII)).sync();
            ch.shutdownOutput().sync();
            assertTrue(ch.isOutputShutdown());
            assertEquals(List.of("active", "data question", "input shut", "inactive"), serverSide.take(4), where);
            assertEquals(List.of("active", "data answer", "input shut", "input shut read complete"), clientSide.take(4), where);
            assertTrue(ch.isInputShutdown());
            ch.close().sync();
            assertEquals("inactive", clientSide.events.poll(30, TimeUnit.SECONDS), where);
            server.close().sync();
        }
    }

    /** Without half-closure (Netty's default), the peer's FIN closes the channel. */
    @ParameterizedTest
    @ValueSource(strings = {"jdk", "jrump"})
    void peerCloseEndsTheChannelWithoutHalfClosure(String where) throws Exception {
        try (NettyWorld w = world(where)) {
            Channel server = w.server().childHandler(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelActive(ChannelHandlerContext ctx) {
                    ctx.writeAndFlush(Unpooled.copiedBuffer("bye", StandardCharsets.US_ASCII)).addListener(f -> ctx.close());
                }
            }).bind(w.serverAt(PORT)).sync().channel();
            Recorder clientSide = new Recorder();
            w.client().handler(clientSide).connect(w.serverAt(PORT)).sync();
            assertEquals(List.of("active", "data bye", "inactive"), clientSide.take(3), where);
            server.close().sync();
        }
    }

    /** A connect to a port nobody listens on fails with {@link ConnectException} "Connection refused". */
    @ParameterizedTest
    @ValueSource(strings = {"jdk", "jrump"})
    void refusedConnectFailsTheFuture(String where) throws Exception {
        try (NettyWorld w = world(where)) {
            ChannelFuture f = w.client().handler(new ChannelInboundHandlerAdapter()).connect(w.serverAt(PORT + 1)).await();
            assertFalse(f.isSuccess(), where);
            Throwable cause = f.cause();
            assertInstanceOf(ConnectException.class, cause, where);
            assertTrue(cause.getMessage().startsWith("Connection refused"), where + ": " + cause.getMessage());
            assertFalse(f.channel().isOpen(), where);
        }
    }

    /** An {@link IdleStateHandler} on the server sees a silent client and closes it; the client sees the close. */
    @ParameterizedTest
    @ValueSource(strings = {"jdk", "jrump"})
    void idleTimeoutClosesASilentConnection(String where) throws Exception {
        try (NettyWorld w = world(where)) {
            Recorder serverSide = new Recorder();
            AtomicInteger connections = new AtomicInteger();
            Channel server = w.server().childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    connections.incrementAndGet();
                    ch.pipeline().addLast(new IdleStateHandler(200, 0, 0, TimeUnit.MILLISECONDS), serverSide);
                }
            }).bind(w.serverAt(PORT)).sync().channel();
            Recorder clientSide = new Recorder();
            w.client().handler(clientSide).connect(w.serverAt(PORT)).sync();
            assertEquals(List.of("active", "idle READER_IDLE", "inactive"), serverSide.take(3), where);
            assertEquals(List.of("active", "inactive"), clientSide.take(2), where);
            assertEquals(1, connections.get());
            server.close().sync();
        }
    }
}
