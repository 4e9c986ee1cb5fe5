package io.jrump.xen.platform;

import static io.jrump.api.SocketConstants.AF_INET;
import static io.jrump.api.SocketConstants.SHUT_WR;
import static io.jrump.api.SocketConstants.SOCK_STREAM;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.NetDevice;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.net.dev.EthernetBus;
import io.jrump.xen.hv.emu.EmulatedXen;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code xen-emulated} platform's {@code vif0} through the public API: a kernel whose only
 * interface is netfront, its netback bridged to an in-memory bus port, talks TCP to a kernel
 * on the same bus. Both directions at once carry data whose SHA-256 is compared at the other
 * end; the bus kernel sends partial checksums and 64 KiB segments (its port offers both), so
 * the rx path takes GSO chains and csum_blank and the tx path sends csum_blank.
 */
class XenNetEndToEndTest {
    private static final int PORT = 5001;
    private static final int BYTES = 4 << 20;
    private static final int ETHERNET_HEADER = 14;

    @BeforeAll
    static void available() {
        Assumptions.assumeTrue(EmulatedXen.isAvailable(), () -> "skipped: the Xen emulation needs memfd/eventfd: " + EmulatedXen.unavailabilityCause());
    }

    @Test
    void tcpBothWaysBetweenNetfrontAndTheBus() throws Exception {
        EthernetBus bus = new EthernetBus();
        Counting wire = new Counting(bus.port());
        try (RumpKernel xen = Rump.builder().platform(XenEmulatedPlatformProvider.NAME).component("net").netDevice("eth0", wire).boot();
                RumpKernel bare = Rump.builder().component("net").boot()) {
            assertEquals(XenEmulatedPlatformProvider.NAME, xen.platformName());
            var interfaces = xen.netconfig().interfaces();
            assertTrue(interfaces.stream().anyMatch(i -> i.name().equals("vif0") && java.util.Arrays.equals(i.mac(), wire.macAddress())),
                    () -> "vif0 with the wire's MAC: " + interfaces);
            bare.netconfig().ifcreate("shm0", bus.port());
            xen.netconfig().ipv4Address("vif0", "10.0.0.1/24");
            bare.netconfig().ipv4Address("shm0", "10.0.0.2/24");

            Syscalls s = bare.sys();
            int listener = s.socket(AF_INET, SOCK_STREAM, 0);
            s.bind(listener, new InetSocketAddress(InetAddress.getByName("0.0.0.0"), PORT));
            s.listen(listener, 1);
            CompletableFuture<byte[][]> server = CompletableFuture.supplyAsync(() -> {
                try {
                    int c = s.accept(listener);
                    return exchange(s, c, 2);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Syscalls x = xen.sys();
            int c = x.socket(AF_INET, SOCK_STREAM, 0);
            x.connect(c, new InetSocketAddress(InetAddress.getByName("10.0.0.2"), PORT));
            byte[][] client = exchange(x, c, 1);
            byte[][] srv = server.get(60, TimeUnit.SECONDS);
            assertArrayEquals(client[0], srv[1], "what the netfront kernel sent arrived whole at the bus kernel");
            assertArrayEquals(srv[0], client[1], "what the bus kernel sent arrived whole at the netfront kernel");
            Map<String, Long> vif = xen.netconfig().interfaces().stream().filter(i -> i.name().equals("vif0")).findFirst().orElseThrow().counters();
            // GSO both ways: segments larger than one MTU crossed netback in each direction
            int mtuFrame = ETHERNET_HEADER + wire.mtu();
            assertTrue(wire.largestSent.get() > mtuFrame && wire.largestReceived.get() > mtuFrame,
                    () -> "largest frames sent " + wire.largestSent + ", received " + wire.largestReceived + ", vif0 counters " + vif);
            Map<String, Long> counters = xen.netconfig().counters();
            assertEquals(0L, counters.getOrDefault("tcp.drops.bad_checksum", 0L), () -> "checksums: " + counters);
            assertEquals(0, wire.copied.get(), "netback hands its copy of every frame to the wire rather than have it copied again");
            // netback hands the last frames (the final ACKs) over on its own thread: wait for them
            long sent = vif.get("tx_packets");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (wire.taken.get() < sent && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(wire.taken.get() >= sent, () -> wire.taken + " frames handed to the wire of " + sent + " netfront sent");
            assertEquals(0, wire.copied.get(), "and none copied");
        }
    }

    /** A wire that counts the frames given with {@code transmit} (which a bus port copies) and with {@code transmitTaken}, and notes the largest frame each way. */
    private static final class Counting implements NetDevice {
        final NetDevice inner;
        final java.util.concurrent.atomic.AtomicInteger copied = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger taken = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger largestSent = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger largestReceived = new java.util.concurrent.atomic.AtomicInteger();

        Counting(NetDevice inner) {
            this.inner = inner;
        }

        @Override
        public byte[] macAddress() {
            return inner.macAddress();
        }

        @Override
        public int mtu() {
            return inner.mtu();
        }

        @Override
        public void transmit(ByteBuffer frame) throws io.jrump.api.ErrnoException {
            copied.incrementAndGet();
            largestSent.accumulateAndGet(frame.remaining(), Math::max);
            inner.transmit(frame);
        }

        @Override
        public void transmitTaken(ByteBuffer frame) throws io.jrump.api.ErrnoException {
            taken.incrementAndGet();
            largestSent.accumulateAndGet(frame.remaining(), Math::max);
            inner.transmitTaken(frame);
        }

        @Override
        public void receiver(Receiver receiver) {
            inner.receiver(receiver == null ? null : new Receiver() {
                @Override
                public void receive(ByteBuffer frame) {
                    largestReceived.accumulateAndGet(frame.remaining(), Math::max);
                    receiver.receive(frame);
                }

                @Override
                public void receive(ByteBuffer frame, boolean more) {
                    largestReceived.accumulateAndGet(frame.remaining(), Math::max);
                    receiver.receive(frame, more);
                }
            });
        }

        @Override
        public boolean isLinkUp() {
            return inner.isLinkUp();
        }

        @Override
        public java.util.Set<Offload> offloads() {
            return inner.offloads();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    /** Sends {@link #BYTES} seeded bytes while reading what the peer sends; returns {digest sent, digest received}. */
    private static byte[][] exchange(Syscalls sys, int fd, long seed) throws Exception {
        CompletableFuture<byte[]> sent = CompletableFuture.supplyAsync(() -> {
            try {
                MessageDigest d = MessageDigest.getInstance("SHA-256");
                Random r = new Random(seed);
                byte[] chunk = new byte[32 * 1024];
                for (int done = 0; done < BYTES; done += chunk.length) {
                    r.nextBytes(chunk);
                    d.update(chunk);
                    ByteBuffer b = ByteBuffer.wrap(chunk);
                    while (b.hasRemaining()) {
                        sys.write(fd, b);
                    }
                }
                sys.shutdown(fd, SHUT_WR);
                return d.digest();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        long got = 0;
        while (true) {
            buf.clear();
            int n = sys.read(fd, buf);
            if (n <= 0) {
                break;
            }
            d.update(buf.array(), 0, n);
            got += n;
        }
        assertEquals(BYTES, got, "bytes received");
        return new byte[][] {sent.get(60, TimeUnit.SECONDS), d.digest()};
    }
}
