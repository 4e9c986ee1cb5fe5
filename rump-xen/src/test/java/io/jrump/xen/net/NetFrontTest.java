package io.jrump.xen.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.Hypervisor;
import io.jrump.xen.hv.emu.EmulatedXen;
import io.jrump.xen.xenstore.XenStoreClient;
import io.jrump.xen.xenstore.XsStore;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two netfronts (domains 1 and 2) joined by two emulated netbacks in domain 0 whose sinks deliver to each other. */
class NetFrontTest {
    static final String MAC1 = "00:16:3e:00:00:01";
    static final String MAC2 = "00:16:3e:00:00:02";

    private EmulatedXen xen;
    private XsStore store;
    private Hypervisor dom0;
    private Hypervisor dom1;
    private Hypervisor dom2;
    private XenStoreClient xs0;
    private XenStoreClient xs1;
    private XenStoreClient xs2;
    private final List<AutoCloseable> closeLast = new ArrayList<>();

    @BeforeEach
    void boot() throws ErrnoException {
        xen = new EmulatedXen();
        store = new XsStore();
        dom0 = xen.createDomain(0, 16);
        dom1 = xen.createDomain(1, 1024);
        dom2 = xen.createDomain(2, 1024);
        xs0 = XenStoreClient.open(store.connect(0));
        xs1 = XenStoreClient.open(store.connect(1));
        xs2 = XenStoreClient.open(store.connect(2));
    }

    @AfterEach
    void shutdown() throws Exception {
        for (AutoCloseable c : closeLast) {
            c.close();
        }
        xs0.close();
        xs1.close();
        xs2.close();
        xen.close();
    }

    static void await(BooleanSupplier cond, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!cond.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "never: " + what);
            Thread.sleep(2);
        }
    }

    @Test
    void framesOfEverySizeCrossTheCable() throws Exception {
        Cable c = cable(java.util.Set.of());
        NetFront f1 = c.f1();
        NetFront f2 = c.f2();
        assertTrue(f1.isLinkUp());
        assertEquals(1500, f1.mtu());
        assertArrayEquals(new byte[] {0, 0x16, 0x3e, 0, 0, 2}, f2.macAddress());
        BlockingQueue<byte[]> at2 = new LinkedBlockingQueue<>();
        BlockingQueue<byte[]> at1 = new LinkedBlockingQueue<>();
        f2.receiver(fr -> {
            byte[] b = new byte[fr.remaining()];
            fr.get(b);
            at2.add(b);
        });
        f1.receiver(fr -> {
            byte[] b = new byte[fr.remaining()];
            fr.get(b);
            at1.add(b);
        });
        // every size from a bare header to a full frame, each way; more frames than ring slots, so ids and rx buffers recycle
        for (int size = 14; size <= 1514; size++) {
            byte[] frame = new byte[size];
            for (int i = 0; i < size; i++) {
                frame[i] = (byte) (i * 31 + size);
            }
            f1.transmit(ByteBuffer.wrap(frame));
            assertArrayEquals(frame, at2.poll(20, TimeUnit.SECONDS), "frame of " + size + " bytes 1->2");
            f2.transmit(ByteBuffer.wrap(frame));
            assertArrayEquals(frame, at1.poll(20, TimeUnit.SECONDS), "frame of " + size + " bytes 2->1");
        }
        // a frame past the MTU is dropped and counted, never sent
        f1.transmit(ByteBuffer.allocate(1515));
        assertEquals(1, f1.stats().txDropped());
        f1.transmit(ByteBuffer.allocate(60));
        assertEquals(60, at2.poll(20, TimeUnit.SECONDS).length);
        assertTrue(at2.isEmpty());
        assertEquals(1502, f1.stats().txFrames());
        assertEquals(1501, f1.stats().rxFrames());
        assertEquals(0, f1.stats().rxDropped() + f2.stats().rxDropped() + f1.stats().txErrors());
        assertNull(c.b1().failure());
    }

    /** A TCPv4 frame of {@code payload} bytes with its checksum left partial (zero), as jrump's stack sends it. */
    static byte[] tcpFrame(int payload) {
        ByteBuffer f = ByteBuffer.allocate(14 + 20 + 20 + payload);
        f.putShort(12, (short) 0x0800);
        f.put(14, (byte) 0x45);
        f.putShort(16, (short) (40 + payload));
        f.put(14 + 8, (byte) 64);
        f.put(14 + 9, (byte) 6);
        f.putInt(14 + 12, 0x0a000001);
        f.putInt(14 + 16, 0x0a000002);
        f.put(34 + 12, (byte) 0x50);
        for (int i = 0; i < payload; i++) {
            f.put(54 + i, (byte) (i * 7));
        }
        return f.array();
    }

    /** Two netbacks in domain 0 whose sinks deliver to each other, and the netfronts of domains 1 and 2 on them. */
    private record Cable(NetBackend b1, NetBackend b2, NetFront f1, NetFront f2) {
        NetFront[] fronts() {
            return new NetFront[] {f1, f2};
        }
    }

    private Cable cable(java.util.Set<io.jrump.api.NetDevice.Offload> wire) throws Exception {
        NetBackend b1 = NetBackend.create(xs0, dom0, 1, 0, MAC1, wire, null);
        NetBackend b2 = NetBackend.create(xs0, dom0, 2, 0, MAC2, wire, null);
        closeLast.add(b1);
        closeLast.add(b2);
        b1.sink(b2::deliver);
        b2.sink(b1::deliver);
        NetFront f1 = NetFront.connect(xs1, dom1, b1.frontendPath(), Duration.ofSeconds(20));
        NetFront f2 = NetFront.connect(xs2, dom2, b2.frontendPath(), Duration.ofSeconds(20));
        closeLast.add(0, f1);
        closeLast.add(0, f2);
        return new Cable(b1, b2, f1, f2);
    }

    @Test
    void largeSegmentsGoAsGsoChainsAndStayPartialInMemory() throws Exception {
        NetFront[] f = cable(java.util.EnumSet.allOf(io.jrump.api.NetDevice.Offload.class)).fronts();
        assertEquals(java.util.EnumSet.allOf(io.jrump.api.NetDevice.Offload.class), java.util.EnumSet.copyOf(f[0].offloads()));
        BlockingQueue<byte[]> at2 = new LinkedBlockingQueue<>();
        f[1].receiver(fr -> {
            byte[] b = new byte[fr.remaining()];
            fr.get(b);
            at2.add(b);
        });
        for (int payload : new int[] {1000, 4096, 20_000, 65_535 - 40 - 14}) {
            byte[] frame = tcpFrame(payload);
            f[0].transmit(ByteBuffer.wrap(frame));
            assertArrayEquals(frame, at2.poll(20, TimeUnit.SECONDS), "a TCP segment of " + payload + " bytes arrives whole, its checksum still partial");
        }
        f[0].transmit(ByteBuffer.wrap(tcpFrame(65_535 - 40)));
        f[0].transmit(ByteBuffer.allocate(3000));
        assertEquals(2, f[0].stats().txDropped(), "past XEN_NETIF_MAX_TX_SIZE, and large but not TCP");
        assertEquals(0, f[1].stats().rxDropped());
    }

    @Test
    void partialChecksumsAreCompletedForAWireThatTakesNone() throws Exception {
        NetFront[] f = cable(java.util.Set.of()).fronts();
        assertEquals(java.util.Set.of(io.jrump.api.NetDevice.Offload.TX_CHECKSUM, io.jrump.api.NetDevice.Offload.RX_CHECKSUM), f[0].offloads());
        BlockingQueue<byte[]> at2 = new LinkedBlockingQueue<>();
        f[1].receiver(fr -> {
            byte[] b = new byte[fr.remaining()];
            fr.get(b);
            at2.add(b);
        });
        byte[] frame = tcpFrame(1000);
        int expected = NetChecksum.computed(ByteBuffer.wrap(frame), frame.length);
        f[0].transmit(ByteBuffer.wrap(frame));
        byte[] got = at2.poll(20, TimeUnit.SECONDS);
        assertEquals(expected, ByteBuffer.wrap(got).getShort(34 + 16) & 0xffff, "netback filled in the checksum the frontend left blank");
        assertNotEquals(0, expected);
        f[0].transmit(ByteBuffer.wrap(tcpFrame(3000)));
        assertEquals(1, f[0].stats().txDropped(), "no GSO without the backend's feature-gso-tcpv4");
    }

    /**
     * Frames are read in place, in their rx pages, so the page of a frame must not be posted
     * again while the receiver is in the call that reads it. Here the receiver, holding its
     * first frame, has the backend fill every rx buffer the frontend has posted (and then queue
     * frames until its queue is full): the frame it holds must not change. A frontend that
     * posted the page before the call returned would see it overwritten.
     */
    @Test
    void aFrameInPlaceIsNotOverwrittenWhileTheReceiverReadsIt() throws Exception {
        NetBackend b1 = NetBackend.create(xs0, dom0, 1, 0, MAC1, fr -> { });
        closeLast.add(b1);
        NetFront f1 = NetFront.connect(xs1, dom1, b1.frontendPath(), Duration.ofSeconds(20));
        closeLast.add(0, f1);
        byte[] first = new byte[1000];
        java.util.Arrays.fill(first, (byte) 0x11);
        byte[] filler = new byte[1000];
        java.util.Arrays.fill(filler, (byte) 0x22);
        BlockingQueue<String> verdicts = new LinkedBlockingQueue<>();
        java.util.concurrent.atomic.AtomicInteger after = new java.util.concurrent.atomic.AtomicInteger();
        f1.receiver(fr -> {
            if (fr.get(0) != 0x11) {
                after.incrementAndGet();
                return;
            }
            byte[] before = new byte[fr.remaining()];
            fr.get(fr.position(), before);
            int filled = 0;
            while (b1.deliver(ByteBuffer.wrap(filler)) && filled < 10_000) {
                filled++;
            }
            long copied = b1.counters()[2];
            byte[] now = new byte[fr.remaining()];
            fr.get(fr.position(), now);
            verdicts.add((java.util.Arrays.equals(before, now) && java.util.Arrays.equals(first, now) ? "intact" : "overwritten") + " after " + filled
                    + " frames, " + copied + " copied to the frontend");
        });
        assertTrue(b1.deliver(ByteBuffer.wrap(first)));
        String v = verdicts.poll(20, TimeUnit.SECONDS);
        assertNotNull(v, "the receiver ran");
        assertTrue(v.startsWith("intact"), v);
        String[] n = v.replaceAll("\\D+", " ").trim().split(" ");
        int filled = Integer.parseInt(n[0]);
        assertEquals(256, Long.parseLong(n[1]), v + ": every buffer posted but the held one was written (and the held one before)");
        assertEquals(255 + RxQueue.MAX_BYTES / filler.length, filled, v + ": the rest was queued until the queue was full");
        // the frames written meanwhile arrive in the pages posted after the call, and then more
        await(() -> after.get() == filled, "the frames delivered during the call arrive after it");
        assertTrue(b1.deliver(ByteBuffer.wrap(filler)));
        await(() -> after.get() == filled + 1, "the pages are posted again");
        assertEquals(0, f1.stats().rxDropped());
        assertNull(f1.disconnectedReason());
    }

    /**
     * Packets of several slots are put together in arrays the frontend reuses once their batch
     * is delivered: every packet of one batch needs its own. Here the receiver holds its first
     * GSO packet while the backend fills the ring with more, which the frontend then takes as one
     * batch; each must arrive with its own bytes, not those of a later packet put together in
     * the same array. The backend queues what the ring cannot hold, and it arrives too, in order.
     */
    @Test
    void packetsPutTogetherInOneBatchKeepTheirOwnBytesAndABurstPastTheRingIsQueued() throws Exception {
        NetBackend b1 = NetBackend.create(xs0, dom0, 1, 0, MAC1, java.util.EnumSet.allOf(io.jrump.api.NetDevice.Offload.class), fr -> { });
        closeLast.add(b1);
        NetFront f1 = NetFront.connect(xs1, dom1, b1.frontendPath(), Duration.ofSeconds(20));
        closeLast.add(0, f1);
        // 15 pages and a GSO slot each: the first holds 16 rx buffers, the next 14 take 224 of the 240 left, 15 more are queued
        int packets = 30;
        byte[][] sent = new byte[packets][];
        for (int i = 0; i < packets; i++) {
            sent[i] = tcpFrame(60_000);
            java.util.Arrays.fill(sent[i], 54, sent[i].length, (byte) (i + 1));
        }
        java.util.concurrent.CountDownLatch inFirst = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger got = new java.util.concurrent.atomic.AtomicInteger();
        List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
        f1.receiver(fr -> {
            byte[] b = new byte[fr.remaining()];
            fr.get(fr.position(), b);
            int n = got.getAndIncrement();
            if (!java.util.Arrays.equals(sent[n], b)) {
                wrong.add("packet " + n + " arrived with payload byte " + b[54]);
            }
            if (n == 0) {
                inFirst.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        assertTrue(b1.deliver(ByteBuffer.wrap(sent[0])));
        assertTrue(inFirst.await(20, TimeUnit.SECONDS));
        for (int i = 1; i < packets; i++) {
            assertTrue(b1.deliver(ByteBuffer.wrap(sent[i])), "packet " + i + " found rx buffers or room in the queue");
        }
        release.countDown();
        await(() -> got.get() == packets, "every packet delivered");
        assertEquals(List.of(), wrong);
        assertEquals(0, f1.stats().rxDropped());
    }

    /** A receiver that closes the device still reads its frame to the end of the call; its page's grant ends after, with every other. */
    @Test
    void closeFromTheReceiverEndsTheHeldPageAfterTheCall() throws Exception {
        NetBackend b1 = NetBackend.create(xs0, dom0, 1, 0, MAC1, fr -> { });
        closeLast.add(b1);
        int before = dom1.grantTable().inUse();
        NetFront f1 = NetFront.connect(xs1, dom1, b1.frontendPath(), Duration.ofSeconds(20));
        BlockingQueue<String> verdicts = new LinkedBlockingQueue<>();
        f1.receiver(fr -> {
            f1.close();
            byte[] b = new byte[fr.remaining()];
            fr.get(b);
            boolean same = true;
            for (byte x : b) {
                same &= x == 0x33;
            }
            verdicts.add(same + " " + dom1.grantTable().inUse());
        });
        byte[] frame = new byte[200];
        java.util.Arrays.fill(frame, (byte) 0x33);
        assertTrue(b1.deliver(ByteBuffer.wrap(frame)));
        assertEquals("true " + (before + 1), verdicts.poll(20, TimeUnit.SECONDS), "the held page stays granted during the call");
        await(() -> dom1.grantTable().inUse() == before, "every grant ended");
    }

    @Test
    void burstBeyondPostedBuffersIsDroppedAtTheBackendNotHung() throws Exception {
        NetBackend b1 = NetBackend.create(xs0, dom0, 1, 0, MAC1, fr -> { });
        closeLast.add(b1);
        NetFront f1 = NetFront.connect(xs1, dom1, b1.frontendPath(), Duration.ofSeconds(20));
        closeLast.add(0, f1);
        // nobody consumes on the frontend's side until the receiver is set: buffers run out, the rest is counted
        int delivered = 0;
        for (int i = 0; i < 600; i++) {
            if (b1.deliver(ByteBuffer.allocate(100))) {
                delivered++;
            }
        }
        assertTrue(delivered >= 256, "delivered " + delivered);
        int d = delivered;
        await(() -> f1.stats().rxFrames() == d, "frontend took the delivered frames");
        // 600 bursts through a tx ring of 256: ids are recycled, no hang
        for (int i = 0; i < 600; i++) {
            f1.transmit(ByteBuffer.allocate(64));
        }
        await(() -> b1.counters()[0] == 600, "backend took 600 frames");
    }

    @Test
    void backendClosingTakesTheLinkDown() throws Exception {
        NetBackend b1 = NetBackend.create(xs0, dom0, 1, 0, MAC1, fr -> { });
        NetFront f1 = NetFront.connect(xs1, dom1, b1.frontendPath(), Duration.ofSeconds(20));
        closeLast.add(0, f1);
        assertTrue(f1.isLinkUp());
        b1.close();
        await(() -> !f1.isLinkUp(), "link down");
        assertNotNull(f1.disconnectedReason());
        ErrnoException e = org.junit.jupiter.api.Assertions.assertThrows(ErrnoException.class, () -> f1.transmit(ByteBuffer.allocate(64)));
        assertEquals(io.jrump.api.Errno.EIO, e.errno());
        assertFalse(f1.isLinkUp());
    }

    @Test
    void closeEndsEveryGrant() throws Exception {
        NetBackend b1 = NetBackend.create(xs0, dom0, 1, 0, MAC1, fr -> { });
        closeLast.add(b1);
        int before = dom1.grantTable().inUse();
        NetFront f1 = NetFront.connect(xs1, dom1, b1.frontendPath(), Duration.ofSeconds(20));
        f1.transmit(ByteBuffer.allocate(64));
        await(() -> b1.counters()[0] == 1, "frame taken");
        f1.close();
        assertEquals(before, dom1.grantTable().inUse());
    }
}
