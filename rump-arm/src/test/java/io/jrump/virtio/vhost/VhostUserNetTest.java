package io.jrump.virtio.vhost;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.virtio.Virtio;
import io.jrump.virtio.net.VirtioNet;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
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
}
