package io.jrump.virtio.vhost;

import static org.junit.jupiter.api.Assertions.*;

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
}
