package io.jrump.net.channels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.net.dev.EthernetBus;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A gathering write on a TCP channel is one send, as {@code writev} is: the buffers leave as one
 * segment, not one segment per buffer (with TCP_NODELAY each send is pushed at once, and a peer
 * reading the message woke once per buffer: Netty writes a message as the buffers it read it into).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatheringWriteTest {
    /** Frames at least this long carry a buffer of {@link #PART} bytes (Ethernet, IPv4 and TCP headers less than 100). */
    private static final int PART = 1000;

    /** The bus port of one kernel, counting the frames it sends that are long enough to carry a buffer. */
    private static final class Counting implements NetDevice {
        final NetDevice port;
        final AtomicInteger dataFrames = new AtomicInteger();

        Counting(NetDevice port) {
            this.port = port;
        }

        @Override
        public byte[] macAddress() {
            return port.macAddress();
        }

        @Override
        public int mtu() {
            return port.mtu();
        }

        @Override
        public void transmit(ByteBuffer frame) throws ErrnoException {
            if (frame.remaining() >= PART) {
                dataFrames.incrementAndGet();
            }
            port.transmit(frame);
        }

        @Override
        public void receiver(Receiver receiver) {
            port.receiver(receiver);
        }

        @Override
        public boolean isLinkUp() {
            return port.isLinkUp();
        }

        @Override
        public Set<Offload> offloads() {
            return port.offloads();
        }

        @Override
        public void close() {
            port.close();
        }
    }

    @Test
    void threeBuffersLeaveAsOneSegment() throws Exception {
        EthernetBus bus = new EthernetBus();
        Counting wire = new Counting(bus.port());
        try (RumpKernel a = Rump.builder().component("net").boot(); RumpKernel b = Rump.builder().component("net").boot()) {
            a.netconfig().ifcreate("shm0", wire);
            a.netconfig().ipv4Address("shm0", "10.0.0.1/24");
            b.netconfig().ifcreate("shm0", bus.port());
            b.netconfig().ipv4Address("shm0", "10.0.0.2/24");
            try (ServerSocketChannel server = KernelChannels.provider(b).openServerSocketChannel()
                    .bind(new InetSocketAddress("10.0.0.2", 7400));
                    SocketChannel client = KernelChannels.provider(a).openSocketChannel()) {
                client.connect(new InetSocketAddress("10.0.0.2", 7400));
                client.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                try (SocketChannel accepted = server.accept()) {
                    ByteBuffer[] parts = new ByteBuffer[3];
                    for (int i = 0; i < parts.length; i++) {
                        byte[] part = new byte[PART];
                        Arrays.fill(part, (byte) ('a' + i));
                        parts[i] = ByteBuffer.wrap(part);
                    }
                    int before = wire.dataFrames.get();
                    assertEquals(3 * PART, client.write(parts));
                    assertEquals(1, wire.dataFrames.get() - before, "frames carrying the three buffers");

                    ByteBuffer got = ByteBuffer.allocate(3 * PART);
                    while (got.hasRemaining()) {
                        accepted.read(got);
                    }
                    for (int i = 0; i < got.capacity(); i++) {
                        assertEquals('a' + i / PART, got.get(i), "byte " + i + ": the buffers in their order");
                    }
                }
            }
        }
    }
}
