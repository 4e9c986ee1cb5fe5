package io.jrump.virtio.vhost;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.virtio.Virtio;
import io.jrump.virtio.net.VirtioNet;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** virtio-net through vhost-user against dpdk-testpmd's macswap forwarding. */
class VhostUserNetTest {
    private static final byte[] MAC = {2, 0x6a, 0x72, 0, 0, 1};
    private static final byte[] PEER = {2, 0x6a, 0x72, 0, 0, 2};

    @TempDir
    Path dir;

    @Test
    void framesOfEverySizeComeBackWithMacsSwapped() throws Exception {
        LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        try (TestPmd pmd = TestPmd.start(dir)) {
            VhostUserTransport t = VhostUserTransport.connect(pmd.socket.toString(), Virtio.ID_NET, 8 << 20, (n, r) -> new Thread(r, n));
            try (VirtioNet net = VirtioNet.open(t, "eth0", MAC, TimeUnit.SECONDS.toNanos(10))) {
                net.receiver(f -> {
                    byte[] b = new byte[f.remaining()];
                    f.get(b);
                    received.add(b);
                });
                assertEquals(1500, net.mtu());
                Random rnd = new Random(9);
                int frames = 0;
                for (int round = 0; round < 3; round++) {
                    for (int len = 14; len <= 1514; len++) {
                        byte[] f = io.jrump.virtio.net.Frames.frame(len, PEER, MAC, rnd);
                        net.transmit(ByteBuffer.wrap(f));
                        frames++;
                        byte[] back = received.poll(10, TimeUnit.SECONDS);
                        assertNotNull(back, "frame " + frames + " of " + len + " bytes came back; testpmd said:\n" + pmd.log());
                        // testpmd may pad a runt to 60 bytes: compare what was sent
                        assertTrue(back.length >= len, "length " + back.length + " for " + len);
                        io.jrump.virtio.net.Frames.assertSwapped(f, java.util.Arrays.copyOf(back, len));
                    }
                }
                assertEquals(frames, net.txFrames());
                assertEquals(frames, net.rxFrames());
            }
        }
    }

    /** EtherType for local experiments (IEEE 802 "Local Experimental EtherType 1"): testpmd forwards it untouched. */
    private static final short ETHERTYPE_EXPERIMENT = (short) 0x88b5;

    /**
     * Bursts: every frame size from the smallest Ethernet frame (60 bytes) to the MTU's (1514),
     * twice, in a shuffled order, each frame numbered and otherwise random, sent as fast as
     * transmit takes them with no window of our own. testpmd is paused for a while in the
     * middle, so the transmit ring fills and transmit has to wait for slots (back-pressure, not
     * a drop or an error); when it resumes it answers faster than one frame at a time, so the
     * receive ring is refilled while the transmit ring is still full. Every frame comes back
     * exactly once with its MAC addresses swapped and nothing else changed, and testpmd counts
     * no drop.
     */
    @Test
    void burstsOfEverySizeComeBackOnceUnchanged() throws Exception {
        List<byte[]> frames = new ArrayList<>();
        Random rnd = new Random(17);
        for (int round = 0; round < 2; round++) {
            for (int len = 60; len <= 1514; len++) {
                byte[] f = io.jrump.virtio.net.Frames.frame(len, PEER, MAC, rnd);
                ByteBuffer.wrap(f).putShort(12, ETHERTYPE_EXPERIMENT);
                frames.add(f);
            }
        }
        Collections.shuffle(frames, rnd);
        for (int i = 0; i < frames.size(); i++) {
            ByteBuffer.wrap(frames.get(i)).putInt(14, i);
        }
        int n = frames.size();
        AtomicReferenceArray<byte[]> back = new AtomicReferenceArray<>(n);
        AtomicInteger twice = new AtomicInteger();
        AtomicInteger strangers = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(n);
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        try (TestPmd pmd = TestPmd.start(dir)) {
            VhostUserTransport t = VhostUserTransport.connect(pmd.socket.toString(), Virtio.ID_NET, 8 << 20, (name, r) -> new Thread(r, name));
            try (VirtioNet net = VirtioNet.open(t, "eth0", MAC, TimeUnit.SECONDS.toNanos(20))) {
                net.receiver(f -> {
                    byte[] b = new byte[f.remaining()];
                    f.get(b);
                    int seq = b.length >= 18 ? ByteBuffer.wrap(b).getInt(14) : -1;
                    if (seq < 0 || seq >= n) {
                        strangers.incrementAndGet();
                    } else if (!back.compareAndSet(seq, null, b)) {
                        twice.incrementAndGet();
                    } else {
                        all.countDown();
                    }
                });
                for (int i = 0; i < n; i++) {
                    if (i == n / 3) {
                        pmd.signal("STOP");
                        later.schedule(() -> {
                            pmd.signal("CONT");
                            return null;
                        }, 300, TimeUnit.MILLISECONDS);
                    }
                    net.transmit(ByteBuffer.wrap(frames.get(i)));
                }
                boolean done = all.await(60, TimeUnit.SECONDS);
                TestPmd.ForwardStats stats = pmd.stopAndCount();
                assertTrue(done, all.getCount() + " of " + n + " frames did not come back; testpmd counted " + stats);
                assertEquals(0, twice.get(), "frames that came back twice");
                assertEquals(0, strangers.get(), "frames that were never sent");
                for (int i = 0; i < n; i++) {
                    io.jrump.virtio.net.Frames.assertSwapped(frames.get(i), back.get(i));
                }
                assertEquals(n, net.txFrames());
                assertEquals(n, net.rxFrames());
                assertEquals(0, net.rxDropped());
                assertTrue(net.txRingFullWaits() > 0, "transmit waited for the full ring while testpmd was paused");
                assertEquals(new TestPmd.ForwardStats(n, 0, n, 0), stats, "testpmd's forward statistics");
                System.out.println("bursts: " + n + " frames, transmit waited for a full ring " + net.txRingFullWaits() + " times; testpmd: " + stats);
            }
        } finally {
            later.shutdownNow();
        }
    }

    /** Threads the transport makes for the driver, with every exception that escapes one of them. */
    private static final class DriverThreads implements java.util.function.BiFunction<String, Runnable, Thread> {
        final List<Throwable> escaped = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public Thread apply(String name, Runnable body) {
            Thread t = new Thread(body, name);
            t.setUncaughtExceptionHandler((th, e) -> escaped.add(e));
            return t;
        }
    }

    /** Transmits until it fails: the failure, or an AssertionError when {@code limit} frames all went out. */
    private static ErrnoException transmitUntilItFails(VirtioNet net, int limit) throws InterruptedException {
        byte[] f = io.jrump.virtio.net.Frames.frame(1000, PEER, MAC, new Random(1));
        for (int i = 0; i < limit; i++) {
            try {
                net.transmit(ByteBuffer.wrap(f));
            } catch (ErrnoException e) {
                return e;
            }
        }
        throw new AssertionError(limit + " frames sent to a backend that is gone");
    }

    /**
     * testpmd killed (SIGKILL) in the middle of a burst: the transport sees the socket close,
     * the link goes down, the sender gets EIO at once (not after its 20 s timeout), and nothing
     * escapes the driver's thread.
     */
    @Test
    void testpmdKilledMidBurstGivesEioAndLinkDown() throws Exception {
        DriverThreads threads = new DriverThreads();
        try (TestPmd pmd = TestPmd.start(dir)) {
            VhostUserTransport t = VhostUserTransport.connect(pmd.socket.toString(), Virtio.ID_NET, 8 << 20, threads);
            long timeout = TimeUnit.SECONDS.toNanos(20);
            try (VirtioNet net = VirtioNet.open(t, "eth0", MAC, timeout)) {
                LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
                net.receiver(f -> received.add(new byte[f.remaining()]));
                ScheduledExecutorService killer = Executors.newSingleThreadScheduledExecutor();
                long start;
                ErrnoException e;
                try {
                    start = System.nanoTime();
                    killer.schedule(() -> {
                        pmd.kill();
                        return null;
                    }, 300, TimeUnit.MILLISECONDS);
                    e = transmitUntilItFails(net, 50_000_000);
                } finally {
                    killer.shutdownNow();
                }
                assertEquals(Errno.EIO, e.errno(), e.getMessage());
                assertTrue(System.nanoTime() - start < timeout / 2, "noticed the closed socket, not the timeout: " + e.getMessage());
                assertFalse(net.isLinkUp());
                assertTrue(net.disconnectReason().contains("closed"), net.disconnectReason());
                assertFalse(received.isEmpty(), "frames came back before the kill");
                assertEquals(Errno.EIO, assertThrows(ErrnoException.class, () -> net.transmit(ByteBuffer.allocate(60))).errno(),
                        "later transmits fail the same way");
            }
        }
        assertEquals(List.of(), threads.escaped, "exceptions that escaped the driver's thread");
    }

    /**
     * A backend that closes the connection in the middle of the handshake: open fails with EIO
     * naming the socket when it was waiting for an answer; when the close comes after settings
     * that need no answer (no REPLY_ACK), open may finish first, and the transport's thread then
     * sees the hang-up: the link goes down and transmit fails with EIO. Never a hang.
     */
    @ParameterizedTest
    @ValueSource(ints = {VhostUserMessage.GET_FEATURES, VhostUserMessage.SET_MEM_TABLE, VhostUserMessage.SET_VRING_ADDR})
    void backendClosingDuringSetupGivesEio(int closeOn) throws Exception {
        DriverThreads threads = new DriverThreads();
        try (HostileBackend b = new HostileBackend(dir, closeOn)) {
            VirtioNet net = null;
            try {
                VhostUserTransport t = VhostUserTransport.connect(b.socket.toString(), Virtio.ID_NET, 8 << 20, threads);
                net = VirtioNet.open(t, "eth0", MAC, TimeUnit.SECONDS.toNanos(20));
            } catch (ErrnoException e) {
                assertEquals(Errno.EIO, e.errno(), e.getMessage());
                assertTrue(e.getMessage().contains(b.socket.toString()), e.getMessage());
            }
            if (closeOn == VhostUserMessage.GET_FEATURES) {
                assertNull(net, "open waits for the answer it never gets");
            }
            if (net != null) {
                try (VirtioNet n = net) {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (n.isLinkUp() && System.nanoTime() < deadline) {
                        Thread.sleep(5);
                    }
                    assertFalse(n.isLinkUp(), "the hang-up was noticed");
                    assertEquals(Errno.EIO, assertThrows(ErrnoException.class, () -> n.transmit(ByteBuffer.allocate(60))).errno());
                }
            }
        }
        assertEquals(List.of(), threads.escaped);
    }

    /**
     * A backend that takes the rings, never serves them, and closes the connection while the
     * sender waits for the full transmit ring: the wait ends with EIO at once, the link is down.
     */
    @Test
    void backendClosingWithTheRingFullEndsTheWaitWithEio() throws Exception {
        DriverThreads threads = new DriverThreads();
        long timeout = TimeUnit.SECONDS.toNanos(20);
        try (HostileBackend b = new HostileBackend(dir, 0)) {
            VhostUserTransport t = VhostUserTransport.connect(b.socket.toString(), Virtio.ID_NET, 8 << 20, threads);
            try (VirtioNet net = VirtioNet.open(t, "eth0", MAC, timeout)) {
                assertTrue(net.isLinkUp());
                ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
                long start = System.nanoTime();
                ErrnoException e;
                try {
                    later.schedule(() -> {
                        b.hangUp();
                        return null;
                    }, 500, TimeUnit.MILLISECONDS);
                    e = transmitUntilItFails(net, 100_000);
                } finally {
                    later.shutdownNow();
                }
                assertEquals(Errno.EIO, e.errno(), e.getMessage());
                assertTrue(System.nanoTime() - start < timeout / 2, "noticed the closed socket, not the timeout: " + e.getMessage());
                assertTrue(net.txRingFullWaits() > 0, "the sender was waiting for the ring");
                assertFalse(net.isLinkUp());
            }
        }
        assertEquals(List.of(), threads.escaped);
    }

    /**
     * A receiver that throws (a bug above the driver) loses that frame only: the transport's
     * thread, which also watches for the backend hanging up, goes on, and nothing escapes it.
     */
    @Test
    void receiverThatThrowsLosesOnlyItsFrame() throws Exception {
        DriverThreads threads = new DriverThreads();
        try (TestPmd pmd = TestPmd.start(dir)) {
            VhostUserTransport t = VhostUserTransport.connect(pmd.socket.toString(), Virtio.ID_NET, 8 << 20, threads);
            try (VirtioNet net = VirtioNet.open(t, "eth0", MAC, TimeUnit.SECONDS.toNanos(20))) {
                LinkedBlockingQueue<Integer> received = new LinkedBlockingQueue<>();
                net.receiver(f -> {
                    int seq = f.getInt(f.position() + 14);
                    if (seq % 2 == 1) {
                        throw new IllegalStateException("a receiver's bug on frame " + seq);
                    }
                    received.add(seq);
                });
                byte[] f = io.jrump.virtio.net.Frames.frame(100, PEER, MAC, new Random(2));
                for (int i = 0; i < 10; i++) {
                    ByteBuffer.wrap(f).putInt(14, i);
                    net.transmit(ByteBuffer.wrap(f));
                    if (i % 2 == 0) {
                        assertEquals(i, received.poll(10, TimeUnit.SECONDS), "frame " + i + " came back");
                    }
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (net.rxDropped() < 5 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertEquals(5, net.rxDropped(), "the frames the receiver threw on");
                assertEquals(5, net.rxFrames());
                assertTrue(net.isLinkUp());
            }
        }
        assertEquals(List.of(), threads.escaped, "exceptions that escaped the driver's thread");
    }

    /**
     * A receiver that transmits (as a stack's ACKs and ARP replies do) while a sender floods the
     * ring: on the receive path a full ring is ENOBUFS at once, never a wait, so the receive ring
     * keeps being refilled and testpmd, which serves both rings from one loop, never stalls.
     * Every frame that was sent, by the sender or by the receiver, comes back; testpmd drops none.
     */
    @Test
    void receiverThatTransmitsWhileTheRingIsFullGetsEnobufsNotAStall() throws Exception {
        DriverThreads threads = new DriverThreads();
        int n = 3000;
        int hops = 3;
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger received = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        List<Throwable> otherErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (TestPmd pmd = TestPmd.start(dir)) {
            VhostUserTransport t = VhostUserTransport.connect(pmd.socket.toString(), Virtio.ID_NET, 8 << 20, threads);
            try (VirtioNet net = VirtioNet.open(t, "eth0", MAC, TimeUnit.SECONDS.toNanos(20))) {
                net.receiver(f -> {
                    received.incrementAndGet();
                    int left = f.get(f.position() + 14);
                    if (left > 0) {
                        ByteBuffer again = ByteBuffer.allocate(f.remaining()).put(f.duplicate()).flip();
                        again.put(14, (byte) (left - 1));
                        try {
                            net.transmit(again);
                            sent.incrementAndGet();
                        } catch (ErrnoException e) {
                            if (e.errno() == Errno.ENOBUFS) {
                                refused.incrementAndGet();
                            } else {
                                otherErrors.add(e);
                            }
                        }
                    }
                });
                byte[] f = io.jrump.virtio.net.Frames.frame(600, PEER, MAC, new Random(8));
                f[14] = (byte) hops;
                for (int i = 0; i < n; i++) {
                    net.transmit(ByteBuffer.wrap(f));
                    sent.incrementAndGet();
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (received.get() < sent.get() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertTrue(net.isLinkUp(), "still connected: " + net.disconnectReason());
                TestPmd.ForwardStats stats = pmd.stopAndCount();
                assertEquals(List.of(), otherErrors);
                assertEquals(sent.get(), received.get(), "every frame sent came back; testpmd counted " + stats + ", refused " + refused);
                assertEquals(0, stats.txDropped(), "testpmd dropped none: " + stats);
                assertEquals(refused.get(), net.txRefusedOnReceive());
                System.out.println("receiver transmitting: " + sent + " frames sent, " + refused + " refused with ENOBUFS; testpmd: " + stats);
            }
        }
        assertEquals(List.of(), threads.escaped);
    }
}
