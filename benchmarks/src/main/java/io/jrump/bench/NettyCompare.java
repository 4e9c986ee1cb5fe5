package io.jrump.bench;

import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.measure.Samples;
import io.jrump.measure.Units;
import io.jrump.net.channels.KernelChannels;
import io.jrump.net.dev.EthernetBus;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Netty's NIO transport over jrump against Netty over the JDK (issue 15, "Performance"): the
 * same Netty server and client code, once with both ends in two kernels on an in-memory bus
 * (channels and selectors from {@link KernelChannels#provider}), once on the JDK's default
 * {@link SelectorProvider} over Linux loopback, alternating which goes first, in one JVM.
 *
 * <p>Echo: each connection keeps one message in flight, the client sending the next when the
 * whole echo is back; the figure is messages per second over all connections. HTTP: each
 * connection sends a GET and waits for its response (keep-alive). Every figure runs for a fixed
 * time after its connections are up; each side has one event-loop thread, as the machine has
 * two cores.
 *
 * <pre>
 * benchmarks/compare --netty [--quick]
 * </pre>
 */
final class NettyCompare {
    private static final int PORT = 7300;
    private static final String JDK = "Netty over the JDK's provider, Linux loopback";

    private NettyCompare() {
    }

    static String run(int rounds, long millis, PrintStream log) throws Exception {
        Figures figures = new Figures();
        log.println("Netty over jrump against Netty over the JDK, " + rounds + " rounds of " + millis + " ms per figure");
        List<Case> cases = List.of(new Case("echo1.c1", 1, 1, false), new Case("echo1.c64", 1, 64, false),
                new Case("echo16k.c1", 16 * 1024, 1, false), new Case("echo16k.c64", 16 * 1024, 64, false),
                new Case("http.c1", 0, 1, true), new Case("http.c16", 0, 16, true));
        for (int round = 0; round <= rounds; round++) {
            boolean keep = round > 0; // round 0 warms up
            boolean jdkFirst = round % 2 == 0;
            log.println(keep ? "round " + round + "/" + rounds + (jdkFirst ? " (peer first)" : "") : "warm-up round (not recorded)");
            for (Case c : cases) {
                for (int i = 0; i < 2; i++) {
                    boolean jdk = jdkFirst ^ (i == 1);
                    double v;
                    try (World w = jdk ? World.jdk() : World.kernels()) {
                        v = c.http ? httpPerSecond(w, c.connections, millis) : echoPerSecond(w, c.size, c.connections, millis);
                    }
                    String key = c.key + (jdk ? ".jdk" : ".jrump");
                    log.println("  " + key + ": " + Units.digits(v) + "/s");
                    if (keep) {
                        figures.record(key, v);
                    }
                }
            }
        }
        StringBuilder sb = new StringBuilder(Row.HEADER).append('\n');
        for (Case c : cases) {
            String what = c.http ? "Netty HTTP/1.1 GET, keep-alive, " + c.connections + " connection" + (c.connections == 1 ? "" : "s")
                    : "Netty echo, " + (c.size == 1 ? "1-byte" : "16 KiB") + " messages, " + c.connections + " connection" + (c.connections == 1 ? "" : "s");
            Samples rump = figures.samples(c.key + ".jrump");
            Samples peer = figures.samples(c.key + ".jdk");
            sb.append(new Row(what + ", two kernels on the bus", NettyCompare::perSecond, rump, JDK, peer,
                    Target.atLeastTimesPeer(0.8, "≥ 0.8x peer")).markdown()).append('\n');
        }
        sb.append('\n').append("- ").append(rounds).append(" rounds of ").append(millis)
                .append(" ms per figure after a warm-up round; jrump and the JDK alternate which runs first; kernels and event loops are made fresh for each figure. ")
                .append("Ratio = jrump median / peer median; higher is better.\n")
                .append("- One Netty event-loop thread for the server and one for the clients, on both sides; TCP_NODELAY on. ")
                .append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ").append(Runtime.version()).append('.');
        return sb.toString();
    }

    static String perSecond(double count) {
        return Units.count(Math.round(count)) + "/s";
    }

    private record Case(String key, int size, int connections, boolean http) {
    }

    /** Both ends of a figure: kernels on a bus, or the JDK's provider on loopback. */
    static final class World implements AutoCloseable {
        final SelectorProvider server;
        final SelectorProvider client;
        final InetAddress serverIp;
        final EventLoopGroup serverGroup;
        final EventLoopGroup clientGroup;
        private final AutoCloseable resources;

        private World(SelectorProvider server, SelectorProvider client, InetAddress serverIp, AutoCloseable resources) {
            this.server = server;
            this.client = client;
            this.serverIp = serverIp;
            this.resources = resources;
            this.serverGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory(server));
            this.clientGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory(client));
        }

        static World kernels() throws Exception {
            EthernetBus bus = new EthernetBus();
            RumpKernel a = Rump.builder().component("net").boot();
            RumpKernel b = Rump.builder().component("net").boot();
            a.netconfig().ifcreate("eth0", bus.port());
            a.netconfig().ipv4Address("eth0", "10.0.0.1/24");
            b.netconfig().ifcreate("eth0", bus.port());
            b.netconfig().ipv4Address("eth0", "10.0.0.2/24");
            return new World(KernelChannels.provider(b), KernelChannels.provider(a), InetAddress.getByName("10.0.0.2"), () -> {
                a.close();
                b.close();
            });
        }

        static World jdk() {
            SelectorProvider p = SelectorProvider.provider();
            return new World(p, p, InetAddress.getLoopbackAddress(), () -> {
            });
        }

        Channel serve(ChannelHandler childHandler) throws InterruptedException {
            return new ServerBootstrap().group(serverGroup).channelFactory(() -> new NioServerSocketChannel(server))
                    .childOption(ChannelOption.TCP_NODELAY, true).childHandler(childHandler)
                    .bind(new InetSocketAddress(serverIp, PORT)).sync().channel();
        }

        Bootstrap client(ChannelHandler handler) {
            return new Bootstrap().group(clientGroup).channelFactory(() -> new NioSocketChannel(client))
                    .option(ChannelOption.TCP_NODELAY, true).handler(handler).remoteAddress(serverIp, PORT);
        }

        @Override
        public void close() throws Exception {
            clientGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
            serverGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
            resources.close();
        }
    }

    @ChannelHandler.Sharable
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    static double echoPerSecond(World w, int size, int connections, long millis) throws Exception {
        Channel server = w.serve(new Echo());
        LongAdder done = new LongAdder();
        AtomicBoolean counting = new AtomicBoolean();
        AtomicBoolean running = new AtomicBoolean(true);
        ByteBuf message = Unpooled.unreleasableBuffer(Unpooled.directBuffer(size).writeZero(size));
        Bootstrap b = w.client(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    private long received;

                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        ctx.writeAndFlush(message.duplicate());
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf buf = (ByteBuf) msg;
                        received += buf.readableBytes();
                        buf.release();
                        while (received >= size) {
                            received -= size;
                            if (counting.get()) {
                                done.increment();
                            }
                            if (running.get()) {
                                ctx.writeAndFlush(message.duplicate());
                            }
                        }
                    }
                });
            }
        });
        return drive(b, server, connections, done, counting, running, millis);
    }

    static double httpPerSecond(World w, int connections, long millis) throws Exception {
        byte[] body = "hello from netty\n".getBytes(StandardCharsets.US_ASCII);
        Channel server = w.serve(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192), new SimpleChannelInboundHandler<FullHttpRequest>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
                        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length).set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
                        ctx.writeAndFlush(resp);
                    }
                });
            }
        });
        LongAdder done = new LongAdder();
        AtomicBoolean counting = new AtomicBoolean();
        AtomicBoolean running = new AtomicBoolean(true);
        Bootstrap b = w.client(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192), new SimpleChannelInboundHandler<FullHttpResponse>() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        ctx.writeAndFlush(request());
                    }

                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse resp) {
                        if (counting.get() && resp.status().code() == 200 && resp.content().readableBytes() == body.length) {
                            done.increment();
                        }
                        if (running.get()) {
                            ctx.writeAndFlush(request());
                        }
                    }
                });
            }
        });
        return drive(b, server, connections, done, counting, running, millis);
    }

    private static FullHttpRequest request() {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.EMPTY_BUFFER);
        req.headers().set(HttpHeaderNames.HOST, "bench");
        return req;
    }

    /**
     * Opens {@code connections} clients (each starts its load when active), counts completions
     * over the {@link #window}, then stops the load and closes the clients and the server.
     */
    private static double drive(Bootstrap b, Channel server, int connections, LongAdder done, AtomicBoolean counting,
            AtomicBoolean running, long millis) throws InterruptedException {
        List<Channel> chans = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            chans.add(b.connect().sync().channel());
        }
        double rate = window(done, counting, millis);
        running.set(false);
        for (Channel c : chans) {
            c.close().sync();
        }
        server.close().sync();
        return rate;
    }

    /** Lets the load run a fifth of the time unrecorded, then counts for {@code millis}; completions per second. */
    private static double window(LongAdder done, AtomicBoolean counting, long millis) throws InterruptedException {
        Thread.sleep(Math.max(50, millis / 5));
        counting.set(true);
        long t0 = System.nanoTime();
        Thread.sleep(millis);
        counting.set(false);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return done.sum() / seconds;
    }
}
