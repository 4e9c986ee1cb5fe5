package io.jrump.net.channels;

import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.net.dev.EthernetBus;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.TimeUnit;

/**
 * Where a Netty test runs: a server side and a client side, each a {@link SelectorProvider} with
 * its event loops and an address. {@link #kernels()} puts them in two kernels on an in-memory
 * bus (10.0.0.2 server, 10.0.0.1 client); {@link #jdk()} on the JDK's default provider over
 * Linux loopback, the oracle for how Netty behaves.
 */
final class NettyWorld implements AutoCloseable {
    final String name;
    final SelectorProvider serverProvider;
    final SelectorProvider clientProvider;
    final InetAddress serverIp;
    final EventLoopGroup serverGroup;
    final EventLoopGroup clientGroup;
    private final AutoCloseable resources;

    private NettyWorld(String name, SelectorProvider server, SelectorProvider client, InetAddress serverIp, AutoCloseable resources) {
        this.name = name;
        this.serverProvider = server;
        this.clientProvider = client;
        this.serverIp = serverIp;
        this.resources = resources;
        this.serverGroup = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory(server));
        this.clientGroup = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory(client));
    }

    static NettyWorld kernels() throws Exception {
        EthernetBus bus = new EthernetBus();
        RumpKernel a = Rump.builder().component("net").boot();
        RumpKernel b = Rump.builder().component("net").boot();
        a.netconfig().ifcreate("shm0", bus.port());
        b.netconfig().ifcreate("shm0", bus.port());
        a.netconfig().ipv4Address("shm0", "10.0.0.1/24");
        b.netconfig().ipv4Address("shm0", "10.0.0.2/24");
        return new NettyWorld("jrump", KernelChannels.provider(b), KernelChannels.provider(a), InetAddress.getByName("10.0.0.2"), () -> {
            a.close();
            b.close();
        });
    }

    static NettyWorld jdk() throws Exception {
        SelectorProvider p = SelectorProvider.provider();
        return new NettyWorld("jdk", p, p, InetAddress.getLoopbackAddress(), () -> {
        });
    }

    /** A server bootstrap whose channels the server side's provider opens. */
    ServerBootstrap server() {
        return new ServerBootstrap().group(serverGroup).channelFactory(() -> new NioServerSocketChannel(serverProvider));
    }

    /** A client bootstrap whose channels the client side's provider opens. */
    Bootstrap client() {
        return new Bootstrap().group(clientGroup).channelFactory(() -> new NioSocketChannel(clientProvider));
    }

    InetSocketAddress serverAt(int port) {
        return new InetSocketAddress(serverIp, port);
    }

    @Override
    public void close() throws Exception {
        clientGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        serverGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        resources.close();
    }

    @Override
    public String toString() {
        return name;
    }
}
