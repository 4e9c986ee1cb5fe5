package io.jrump.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** The peer: the host's TCP/IP over Linux loopback (127.0.0.1), through blocking NIO channels in this JVM. */
final class JdkStreamNet implements StreamNet {
    static final String NAME = "JDK SocketChannel over Linux loopback";

    @Override
    public Listener listen() throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), BACKLOG);
        InetSocketAddress address = (InetSocketAddress) server.getLocalAddress();
        return new Listener() {
            @Override
            public Conn accept() throws IOException {
                return new Channel(server.accept());
            }

            @Override
            public Conn connect() throws IOException {
                return new Channel(SocketChannel.open(address));
            }

            @Override
            public void close() throws IOException {
                server.close();
            }
        };
    }

    @Override
    public ByteBuffer buffer(int size) {
        return ByteBuffer.allocateDirect(size);
    }

    @Override
    public void close() {
    }

    private record Channel(SocketChannel channel) implements Conn {
        @Override
        public int read(ByteBuffer dst) throws IOException {
            return channel.read(dst);
        }

        @Override
        public void writeFully(ByteBuffer src) throws IOException {
            while (src.hasRemaining()) {
                channel.write(src);
            }
        }

        @Override
        public void shutdownOutput() throws IOException {
            channel.shutdownOutput();
        }

        @Override
        public void noDelay() throws IOException {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
