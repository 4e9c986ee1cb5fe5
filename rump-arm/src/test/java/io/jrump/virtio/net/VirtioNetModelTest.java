package io.jrump.virtio.net;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.virtio.DmaPool;
import io.jrump.virtio.GuestMemory;
import io.jrump.virtio.Virtio;
import io.jrump.virtio.mmio.MmioTransport;
import io.jrump.virtio.model.Fault;
import io.jrump.virtio.model.NetModel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** virtio-net over virtio-mmio against the in-process macswap model. */
class VirtioNetModelTest {
    static final byte[] DEVICE_MAC = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
    private final List<AutoCloseable> open = new ArrayList<>();
    private final LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
    private NetModel model;

    private VirtioNet boot(int version, int mtu, long timeoutNanos) throws ErrnoException {
        GuestMemory mem = GuestMemory.allocate(0x4000_0000L, 8 << 20);
        model = new NetModel(mem, version, DEVICE_MAC, mtu);
        open.add(model);
        VirtioNet net = VirtioNet.open(MmioTransport.open(model, new DmaPool(mem), "virtio-mmio@model"), "eth0",
                new byte[] {2, 0, 0, 0, 0, 1}, timeoutNanos);
        open.add(net);
        net.receiver(f -> {
            byte[] b = new byte[f.remaining()];
            f.get(b);
            received.add(b);
        });
        return net;
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    @ParameterizedTest
    @CsvSource({"2, 1500", "1, 1500", "2, 9000"})
    void framesOfEverySizeComeBackSwapped(int version, int mtu) throws Exception {
        VirtioNet net = boot(version, mtu, TimeUnit.SECONDS.toNanos(10));
        assertArrayEquals(DEVICE_MAC, net.macAddress());
        assertEquals(mtu, net.mtu());
        assertTrue(net.isLinkUp());
        assertTrue(Virtio.has(net.features(), NetWire.F_MRG_RXBUF));
        Random rnd = new Random(mtu + version);
        byte[] peer = {2, 0, 0, 0, 0, 2};
        int step = mtu > 1500 ? 37 : 1;
        for (int len = 14; len <= 14 + mtu; len += step) {
            byte[] f = Frames.frame(len, peer, DEVICE_MAC, rnd);
            net.transmit(ByteBuffer.wrap(f));
            byte[] back = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(back, "frame of " + len + " bytes came back");
            Frames.assertSwapped(f, back);
        }
        assertEquals(0, model.dropped());
    }

    @Test
    void burstsLargerThanTheRingsLoseNothing() throws Exception {
        VirtioNet net = boot(2, 1500, TimeUnit.SECONDS.toNanos(10));
        Random rnd = new Random(3);
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            byte[] f = Frames.frame(60 + rnd.nextInt(1455), new byte[] {2, 0, 0, 0, 0, 2}, DEVICE_MAC, rnd);
            sent.add(f);
            net.transmit(ByteBuffer.wrap(f));
            if (i % 200 == 199) {
                // let the receive side keep up: the model holds at most 1024 frames waiting for buffers
                while (received.size() < i - 300) {
                    Thread.sleep(1);
                }
            }
        }
        for (byte[] f : sent) {
            byte[] back = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(back);
            Frames.assertSwapped(f, back);
        }
        assertEquals(0, model.dropped());
        assertEquals(3000, net.txFrames());
    }

    @Test
    void linkStatusFollowsTheConfigurationSpace() throws Exception {
        VirtioNet net = boot(2, 1500, TimeUnit.SECONDS.toNanos(10));
        model.link(false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (net.isLinkUp() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertFalse(net.isLinkUp());
        model.link(true);
        while (!net.isLinkUp() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(net.isLinkUp());
    }

    @Test
    void oversizedFrameIsRefused() throws Exception {
        VirtioNet net = boot(2, 1500, TimeUnit.SECONDS.toNanos(10));
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> net.transmit(ByteBuffer.allocate(1600))).errno());
    }

    @Test
    void deviceThatStopsAnsweringGivesEioOnTransmit() throws Exception {
        VirtioNet net = boot(2, 1500, TimeUnit.MILLISECONDS.toNanos(300));
        model.fault(Fault.STOP_ANSWERING);
        ErrnoException e = assertThrows(ErrnoException.class, () -> {
            for (int i = 0; i < 1000; i++) {
                net.transmit(ByteBuffer.allocate(60));
            }
        });
        assertEquals(Errno.EIO, e.errno());
        assertFalse(net.isLinkUp());
    }

    @Test
    void usedIndexJumpDisconnects() throws Exception {
        VirtioNet net = boot(2, 1500, TimeUnit.SECONDS.toNanos(10));
        model.fault(Fault.USED_IDX_JUMP);
        ErrnoException e = assertThrows(ErrnoException.class, () -> {
            for (int i = 0; i < 100; i++) {
                net.transmit(ByteBuffer.allocate(60));
                Thread.sleep(5);
            }
        });
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("disconnected"), e.getMessage());
    }

    @Test
    void partialChecksumIsCompleted() {
        // a UDP datagram's checksum over bytes 0..9 with the pseudo-header sum 0 at offset 6
        ByteBuffer f = ByteBuffer.wrap(new byte[] {0, 1, 0, 2, 0, 3, 0, 0, 0, 4});
        assertTrue(NetWire.completeChecksum(f, 0, 6));
        assertEquals((short) ~(1 + 2 + 3 + 4), f.getShort(6));
        assertFalse(NetWire.completeChecksum(f, 4, 6), "field past the end");
    }
}
