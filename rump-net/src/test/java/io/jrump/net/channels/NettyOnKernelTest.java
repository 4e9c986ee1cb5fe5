package io.jrump.net.channels;

import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Netty's NIO transport, unmodified, over kernel channels: event loops select with the kernel's
 * {@code poll}, and every channel is opened by the kernel's {@code SelectorProvider}. An echo
 * server and its clients and an HTTP/1.1 server and client, each pair in two kernels on a bus.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class NettyOnKernelTest {
    private static final int CONNECTIONS = 40;
    private static final int MESSAGES_PER_CONNECTION = 250; // 10,000 in all
    /**
     * How long a whole exchange may take. It takes seconds; the bound is generous for a machine
     * loaded many times over, stays below the class's time-out so a failure reports where each
     * connection stood, and nothing waits for a time to pass: every wait ends on an event.
     */
    private static final long EXCHANGE_SECONDS = 150;
    /** How long one step (a connect, a close, one response) may take. */
    private static final long STEP_SECONDS = 60;

    /** Waits for {@code f} at most {@link #STEP_SECONDS}; fails naming {@code what} if it did not end or failed. */
    private static <F extends io.netty.util.concurrent.Future<?>> F step(F f, String what) throws InterruptedException {
        assertTrue(f.await(STEP_SECONDS, TimeUnit.SECONDS), what + ": not done after " + STEP_SECONDS + " s");
        assertTrue(f.isSuccess(), () -> what + ": " + f.cause());
        return f;
    }

    @Test
    void echoOfTenThousandMessagesInManyConnectionsKeepsTheirDigests() throws Exception {
        try (NettyWorld w = NettyWorld.kernels()) {
            AtomicInteger serverMessages = new AtomicInteger();
            java.util.concurrent.atomic.AtomicIntegerArray echoedCounts = new java.util.concurrent.atomic.AtomicIntegerArray(CONNECTIONS);
            Channel server = step(w.server().childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(1 << 20, 0, 4, 0, 0), new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            serverMessages.incrementAndGet();
                            ctx.write(msg); // the frame as it came, length field and all
                        }

                        @Override
                        public void channelReadComplete(ChannelHandlerContext ctx) {
                            ctx.flush();
                        }
                    });
                }
            }).bind(w.serverAt(7100)), "bind").channel();

            List<CompletableFuture<byte[]>> echoed = new ArrayList<>();
            List<byte[]> sent = new ArrayList<>();
            for (int c = 0; c < CONNECTIONS; c++) {
                Random r = new Random(c);
                MessageDigest sentDigest = MessageDigest.getInstance("SHA-256");
                List<byte[]> messages = new ArrayList<>();
                for (int m = 0; m < MESSAGES_PER_CONNECTION; m++) {
                    byte[] body = new byte[1 + r.nextInt(m % 25 == 0 ? 20_000 : 300)];
                    r.nextBytes(body);
                    messages.add(body);
                    sentDigest.update(body);
                }
                sent.add(sentDigest.digest());
                CompletableFuture<byte[]> done = new CompletableFuture<>();
                echoed.add(done);
                int index = c;
                Channel ch = step(w.client().handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) throws Exception {
                        MessageDigest got = MessageDigest.getInstance("SHA-256");
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(1 << 20, 0, 4, 0, 4), new LengthFieldPrepender(4),
                                new SimpleChannelInboundHandler<ByteBuf>() {
                                    private int count;

                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                        got.update(msg.nioBuffer());
                                        echoedCounts.incrementAndGet(index);
                                        if (++count == MESSAGES_PER_CONNECTION) {
                                            done.complete(got.digest());
                                            ctx.close();
                                        }
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        done.completeExceptionally(cause);
                                        ctx.close();
                                    }
                                });
                    }
                }).connect(w.serverAt(7100)), "connect " + c).channel();
                for (byte[] body : messages) {
                    ch.write(Unpooled.wrappedBuffer(body));
                }
                ch.flush();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(EXCHANGE_SECONDS);
            for (int c = 0; c < CONNECTIONS; c++) {
                byte[] digest;
                try {
                    digest = echoed.get(c).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    StringBuilder where = new StringBuilder();
                    for (int i = 0; i < CONNECTIONS; i++) {
                        if (echoedCounts.get(i) < MESSAGES_PER_CONNECTION) {
                            where.append(" #").append(i).append(": ").append(echoedCounts.get(i));
                        }
                    }
                    throw new AssertionError("echo not complete after " + EXCHANGE_SECONDS + " s; the server framed "
                            + serverMessages.get() + " of " + CONNECTIONS * MESSAGES_PER_CONNECTION + " messages; echoes back per unfinished connection:" + where);
                }
                assertArrayEquals(sent.get(c), digest, "connection " + c);
            }
            assertEquals(CONNECTIONS * MESSAGES_PER_CONNECTION, serverMessages.get());
            step(server.close(), "server close");
        }
    }

    @Test
    void httpServerAndClientInTwoKernels() throws Exception {
        try (NettyWorld w = NettyWorld.kernels()) {
            AtomicInteger served = new AtomicInteger();
            Channel server = step(w.server().childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 16), new SimpleChannelInboundHandler<FullHttpRequest>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                            byte[] body = ("hello " + req.uri() + " from " + ctx.channel().localAddress()).getBytes(StandardCharsets.UTF_8);
                            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
                            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain").setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                            served.incrementAndGet();
                            boolean keepAlive = HttpUtil.isKeepAlive(req);
                            if (!keepAlive) {
                                resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                            }
                            var f = ctx.writeAndFlush(resp);
                            if (!keepAlive) {
                                f.addListener(ChannelFutureListener.CLOSE);
                            }
                        }
                    });
                }
            }).bind(w.serverAt(8080)), "bind").channel();

            int keepAliveRequests = 200;
            int newConnections = 50;
            BlockingQueue<FullHttpResponse> responses = new ArrayBlockingQueue<>(keepAliveRequests + newConnections);
            io.netty.bootstrap.Bootstrap client = w.client().handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16), new SimpleChannelInboundHandler<FullHttpResponse>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse resp) {
                            responses.add(resp.retainedDuplicate());
                        }
                    });
                }
            });
            Channel kept = step(client.connect(w.serverAt(8080)), "connect").channel();
            for (int i = 0; i < keepAliveRequests; i++) {
                kept.writeAndFlush(request("/k" + i, true));
                FullHttpResponse resp = responses.poll(STEP_SECONDS, TimeUnit.SECONDS);
                assertNotNull(resp, "response " + i);
                assertEquals(HttpResponseStatus.OK, resp.status());
                assertEquals("hello /k" + i + " from /10.0.0.2:8080", resp.content().toString(StandardCharsets.UTF_8));
                resp.release();
            }
            step(kept.close(), "close");
            for (int i = 0; i < newConnections; i++) {
                Channel ch = step(client.connect(w.serverAt(8080)), "connect " + i).channel();
                ch.writeAndFlush(request("/n" + i, false));
                FullHttpResponse resp = responses.poll(STEP_SECONDS, TimeUnit.SECONDS);
                assertNotNull(resp, "response on connection " + i);
                assertEquals("hello /n" + i + " from /10.0.0.2:8080", resp.content().toString(StandardCharsets.UTF_8));
                resp.release();
                assertTrue(ch.closeFuture().await(STEP_SECONDS, TimeUnit.SECONDS), "the server closes after Connection: close");
            }
            assertEquals(keepAliveRequests + newConnections, served.get());
            step(server.close(), "server close");
        }
    }

    static FullHttpRequest request(String uri, boolean keepAlive) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri, Unpooled.EMPTY_BUFFER);
        req.headers().set(HttpHeaderNames.HOST, "10.0.0.2");
        HttpUtil.setKeepAlive(req, keepAlive);
        return req;
    }

    @Test
    void channelOptionsReachTheKernelSocket() throws Exception {
        try (NettyWorld w = NettyWorld.kernels()) {
            Channel server = w.server().childHandler(new ChannelInboundHandlerAdapter()).bind(w.serverAt(7101)).sync().channel();
            Channel ch = w.client().handler(new ChannelInboundHandlerAdapter())
                    .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.SO_KEEPALIVE, true)
                    .connect(w.serverAt(7101)).sync().channel();
            assertTrue(ch.config().getOption(ChannelOption.TCP_NODELAY));
            assertTrue(ch.config().getOption(ChannelOption.SO_KEEPALIVE));
            assertEquals(new InetSocketAddress("10.0.0.2", 7101), ch.remoteAddress());
            assertEquals("/10.0.0.1", ((InetSocketAddress) ch.localAddress()).getAddress().toString());
            ch.close().sync();
            server.close().sync();
        }
    }
}
