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
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** virtio-net over virtio-mmio against the in-process macswap model. */
class VirtioNetModelTest {
    static final byte[] DEVICE_MAC = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
    private final List<AutoCloseable> open = new ArrayList<>();
    private final LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
    private NetModel model;

    private VirtioNet boot(int version, int mtu, long timeoutNanos) throws ErrnoException {
        return boot(version, mtu, timeoutNanos, false);
    }

    private VirtioNet boot(int version, int mtu, long timeoutNanos, boolean offloads) throws ErrnoException {
        GuestMemory mem = GuestMemory.allocate(0x4000_0000L, 8 << 20);
        model = new NetModel(mem, version, DEVICE_MAC, mtu, offloads);
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

    @ParameterizedTest
    @ValueSource(strings = {"USED_IDX_JUMP", "UNKNOWN_ID", "LENGTH_PAST_BUFFER"})
    void protocolBreakDisconnects(String fault) throws Exception {
        VirtioNet net = boot(2, 1500, TimeUnit.SECONDS.toNanos(10));
        model.fault(Fault.valueOf(fault));
        ErrnoException e = assertThrows(ErrnoException.class, () -> {
            for (int i = 0; i < 100; i++) {
                net.transmit(ByteBuffer.allocate(60));
                Thread.sleep(5);
            }
        });
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("disconnected"), e.getMessage());
    }

    /** An Ethernet frame holding a TCP/IPv4 segment of {@code payload} bytes whose checksum is left partial (zero). */
    private static byte[] tcpFrame(int payload, Random rnd) {
        byte[] f = new byte[14 + 20 + 20 + payload];
        rnd.nextBytes(f);
        ByteBuffer b = ByteBuffer.wrap(f);
        b.put(0, DEVICE_MAC).put(6, new byte[] {2, 0, 0, 0, 0, 1}).putShort(12, (short) 0x0800);
        b.put(14, (byte) 0x45).put(15, (byte) 0).putShort(16, (short) (40 + payload)).putShort(20, (short) 0x4000) // DF, no fragment
                .put(22, (byte) 64).put(23, (byte) 6).putInt(26, 0x0a000001).putInt(30, 0x0a000002);
        b.put(46, (byte) 0x50).put(47, (byte) 0x10).putShort(50, (short) 0); // data offset 5, ACK; checksum: the partial mark
        return f;
    }

    /** The TCP checksum of the segment in {@code f} at 34 computed from scratch (RFC 9293 3.1), field taken as zero. */
    private static int tcpChecksum(byte[] f) {
        ByteBuffer b = ByteBuffer.wrap(f);
        int len = f.length - 34;
        long sum = 6 + len;
        for (int i = 26; i < 34; i += 2) {
            sum += b.getShort(i) & 0xffff;
        }
        for (int i = 34; i < f.length; i += 2) {
            int word = i + 1 < f.length ? b.getShort(i) & 0xffff : (f[i] & 0xff) << 8;
            sum += i == 50 ? 0 : word;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    /**
     * A device with CSUM, GUEST_CSUM and TSO: the stack's partial checksum goes out NEEDS_CSUM
     * with the pseudo-header sum in the field (completing it gives the right checksum), comes
     * back with the partial mark the stack trusts, and a 20 KB TCP frame goes out whole as
     * gso TCPV4 cut for the MTU and comes back whole.
     */
    @Test
    void checksumAndSegmentationOffloadThroughTheHeader() throws Exception {
        VirtioNet net = boot(2, 1500, TimeUnit.SECONDS.toNanos(10), true);
        assertEquals(java.util.Set.of(io.jrump.api.NetDevice.Offload.TX_CHECKSUM, io.jrump.api.NetDevice.Offload.RX_CHECKSUM,
                io.jrump.api.NetDevice.Offload.SEGMENTATION), net.offloads());
        Random rnd = new Random(11);
        byte[] f = tcpFrame(1000, rnd);
        net.transmit(ByteBuffer.wrap(f));
        byte[] back = received.poll(10, TimeUnit.SECONDS);
        assertNotNull(back);
        ByteBuffer sent = ByteBuffer.wrap(model.lastTx()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(1, sent.get(0), "NEEDS_CSUM");
        assertEquals(0, sent.get(1), "no segmentation for a frame within the MTU");
        assertEquals(34, sent.getShort(6), "csum_start: the TCP header");
        assertEquals(16, sent.getShort(8), "csum_offset: TCP's checksum field");
        byte[] onWire = java.util.Arrays.copyOfRange(model.lastTx(), 10, 10 + f.length);
        long sum = 0;
        for (int i = 34; i < onWire.length; i += 2) {
            sum += i + 1 < onWire.length ? ((onWire[i] & 0xff) << 8 | (onWire[i + 1] & 0xff)) : (onWire[i] & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        assertEquals(tcpChecksum(f), (int) (~sum & 0xffff), "the device completing from csum_start gets the right checksum");
        assertEquals(0, ByteBuffer.wrap(back).getShort(50), "received NEEDS_CSUM: the partial mark, trusted by the stack");
        byte[] big = tcpFrame(20_000, rnd);
        net.transmit(ByteBuffer.wrap(big));
        byte[] bigBack = received.poll(10, TimeUnit.SECONDS);
        assertNotNull(bigBack, "the large frame came back whole");
        ByteBuffer h = ByteBuffer.wrap(model.lastTx()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(1, h.get(1), "gso_type TCPV4");
        assertEquals(14 + 20 + 20, h.getShort(2), "hdr_len");
        assertEquals(1500 - 40, h.getShort(4), "gso_size: what fits the MTU");
        assertEquals(big.length, bigBack.length);
        assertArrayEquals(java.util.Arrays.copyOfRange(big, 54, big.length), java.util.Arrays.copyOfRange(bigBack, 54, bigBack.length));
        assertEquals(0, model.dropped());
    }

    /** Without the offload features nothing is offered, a large frame is refused, and a zero TCP checksum is not trusted. */
    @Test
    void withoutOffloadFeaturesTheStackDoesTheWork() throws Exception {
        VirtioNet net = boot(2, 1500, TimeUnit.SECONDS.toNanos(10), false);
        assertEquals(java.util.Set.of(), net.offloads());
        byte[] f = tcpFrame(1000, new Random(12));
        net.transmit(ByteBuffer.wrap(f));
        byte[] back = received.poll(10, TimeUnit.SECONDS);
        assertNotNull(back);
        assertEquals(0, model.lastTx()[0], "no NEEDS_CSUM");
        assertEquals((short) 0xffff, ByteBuffer.wrap(back).getShort(50), "a zero TCP checksum from the wire is verified, not trusted");
        ErrnoException e = assertThrows(ErrnoException.class, () -> net.transmit(ByteBuffer.wrap(tcpFrame(20_000, new Random(13)))));
        assertEquals(Errno.EINVAL, e.errno());
    }
}
