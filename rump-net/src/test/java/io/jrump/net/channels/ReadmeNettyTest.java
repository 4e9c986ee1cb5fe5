package io.jrump.net.channels;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.net.dev.EthernetBus;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.Socket;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's Netty example, word for word between the markers, and a check that it serves. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadmeNettyTest {
    /** The README's echo handler. */
    @io.netty.channel.ChannelHandler.Sharable
    static class EchoHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }
    }

    @Test
    void nettyServerOnAKernel() throws Exception {
        // README begin
        EthernetBus bus = EthernetBus.named("lan");                       // or .tap("eth0", "tap0") in the builder
        RumpKernel kernel = Rump.builder().component("net").boot();
        kernel.netconfig().ifcreate("eth0", bus.port());
        kernel.netconfig().ipv4Address("eth0", "10.0.0.2/24");

        SelectorProvider provider = KernelChannels.provider(kernel);      // channels and selectors in the kernel
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory(provider));
        Channel server = new ServerBootstrap().group(group)
                .channelFactory(() -> new NioServerSocketChannel(provider))
                .childHandler(new EchoHandler())
                .bind(7).sync().channel();                                // 10.0.0.2:7 on the bus
        // README end

        try (RumpKernel client = Rump.builder().component("net").boot()) {
            client.netconfig().ifcreate("eth0", EthernetBus.named("lan").port());
            client.netconfig().ipv4Address("eth0", "10.0.0.1/24");
            try (Socket s = KernelChannels.socketFactory(client).createSocket("10.0.0.2", 7)) {
                s.getOutputStream().write("ping".getBytes());
                assertArrayEquals("ping".getBytes(), s.getInputStream().readNBytes(4));
            }
        } finally {
            server.close().sync();
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            kernel.close();
        }
    }
}
