package io.jrump.xen.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.EventChannel;
import io.jrump.xen.hv.GrantMapper;
import io.jrump.xen.ring.BackRing;
import io.jrump.xen.ring.SharedRing;
import io.jrump.xen.testing.TwoDomains;
import io.jrump.xen.xenbus.StateWatch;
import io.jrump.xen.xenbus.XenbusState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * netfront against a backend that lies: it does the handshake like netback, then writes
 * whatever responses a test asks for. Bad rx responses are dropped and counted; responses for
 * ids never issued, impossible indexes and silence disconnect the device with EIO; the caller
 * never sees an unchecked exception or a hang.
 */
class HostileNetBackendTest {
    private TwoDomains doms;
    private Liar liar;
    private NetFront front;

    /** The lying backend: rings mapped and channel bound on the frontend's Connected. */
    final class Liar implements AutoCloseable {
        final String frontend = "/local/domain/1/device/vif/0";
        final String backend = "/local/domain/0/backend/vif/1/0";
        StateWatch watch;
        GrantMapper.Mapping txMap;
        GrantMapper.Mapping rxMap;
        volatile BackRing<NetTxRequest, NetTxResponse> tx;
        volatile BackRing<NetRxRequest, NetRxResponse> rx;
        volatile EventChannel channel;
        final AtomicInteger kicks = new AtomicInteger();
        volatile int lastGref;

        /** Answers the next posted rx buffer with a frame of {@code len} bytes of {@code fill}, and keeps the page mapped; no notification yet. */
        GrantMapper.Mapping rxKeepingTheMapping(int len, byte fill) throws ErrnoException {
            NetRxRequest q = rx.take();
            lastGref = q.gref();
            GrantMapper.Mapping m = doms.dom0.grantMapper().map(1, q.gref(), true);
            for (int i = 0; i < len; i++) {
                m.page().put(i, fill);
            }
            rx.put(new NetRxResponse(q.id(), 0, 0, (short) len));
            rx.pushResponses(); // the caller notifies
            return m;
        }

        void start() throws ErrnoException {
            doms.xs0.transaction(t -> {
                t.write(frontend + "/backend", backend);
                t.write(frontend + "/backend-id", "0");
                t.write(frontend + "/mac", "00:16:3e:00:00:01");
                t.write(backend + "/frontend", frontend);
                t.write(backend + "/feature-rx-copy", "1");
                t.write(backend + "/state", XenbusState.INIT_WAIT.text());
                return null;
            });
            watch = StateWatch.start(doms.xs0, frontend + "/state");
            watch.listener(s -> {
                if (s == XenbusState.CONNECTED && channel == null) {
                    try {
                        txMap = doms.dom0.grantMapper().map(1, Integer.parseInt(doms.xs0.read(frontend + "/tx-ring-ref")), true);
                        rxMap = doms.dom0.grantMapper().map(1, Integer.parseInt(doms.xs0.read(frontend + "/rx-ring-ref")), true);
                        tx = new BackRing<>(new SharedRing(txMap.page(), Netif.TX_SLOT), NetTxRequest.CODEC, NetTxResponse.CODEC);
                        rx = new BackRing<>(new SharedRing(rxMap.page(), Netif.RX_SLOT), NetRxRequest.CODEC, NetRxResponse.CODEC);
                        EventChannel ch = doms.dom0.eventChannels().bindInterdomain(1, Integer.parseInt(doms.xs0.read(frontend + "/event-channel")));
                        ch.handler(kicks::incrementAndGet);
                        ch.unmask();
                        channel = ch;
                        doms.xs0.write(backend + "/state", XenbusState.CONNECTED.text());
                    } catch (ErrnoException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
        }

        /** Answers the next posted rx buffer with {@code r} (its id replaced by the buffer's unless {@code keepId}). */
        void rx(NetRxResponse r, boolean keepId, byte fill) throws ErrnoException {
            NetRxRequest q = rx.take();
            lastGref = q.gref();
            try (GrantMapper.Mapping m = doms.dom0.grantMapper().map(1, q.gref(), true)) {
                for (int i = 0; i < Netif.PAGE_SIZE; i++) {
                    m.page().put(i, fill);
                }
            }
            rx.put(keepId ? r : new NetRxResponse(q.id(), r.offset(), r.flags(), r.status()));
            rx.pushResponses();
            channel.notifyPeer();
        }

        /** Answers the next posted rx buffer with an extra-info slot. */
        void extra(NetExtra e) throws ErrnoException {
            rx.take();
            rx.put(NetExtra.CODEC, e);
            rx.pushResponses();
            channel.notifyPeer();
        }

        @Override
        public void close() {
            watch.close();
            if (channel != null) {
                channel.close();
            }
            if (txMap != null) {
                txMap.close();
                rxMap.close();
            }
        }
    }

    @BeforeEach
    void boot() throws Exception {
        doms = new TwoDomains(1024);
        liar = new Liar();
        liar.start();
        front = NetFront.connect(doms.xs1, doms.dom1, liar.frontend, Duration.ofMillis(500));
        NetFrontTest.await(() -> liar.channel != null, "liar connected");
    }

    @AfterEach
    void shutdown() {
        front.close();
        liar.close();
        doms.close();
    }

    private void assertDisconnected() throws Exception {
        NetFrontTest.await(() -> front.disconnectedReason() != null, "disconnected");
        assertFalse(front.isLinkUp());
        ErrnoException e = assertThrows(ErrnoException.class, () -> front.transmit(ByteBuffer.allocate(64)));
        assertEquals(Errno.EIO, e.errno());
    }

    @Test
    void badRxResponsesAreDroppedAndCounted() throws Exception {
        AtomicInteger got = new AtomicInteger();
        ByteBuffer[] last = new ByteBuffer[1];
        front.receiver(f -> {
            got.incrementAndGet();
            last[0] = ByteBuffer.allocate(f.remaining()).put(f).flip();
        });
        liar.rx(new NetRxResponse(0, 0, 0, Netif.RSP_ERROR), false, (byte) 1); // error status
        liar.rx(new NetRxResponse(0, 0, 0, (short) 0), false, (byte) 1); // empty
        liar.rx(new NetRxResponse(0, 4000, 0, (short) 200), false, (byte) 1); // past the page
        liar.rx(new NetRxResponse(0, 0, 0, (short) 2000), false, (byte) 1); // larger than a frame, no GSO
        liar.rx(new NetRxResponse(0, 0, Netif.NETRXF_MORE_DATA, (short) 4096), false, (byte) 1); // a chain past a frame, no GSO
        liar.rx(new NetRxResponse(0, 0, 0, (short) 100), false, (byte) 1);
        liar.rx(new NetRxResponse(0, 0, Netif.NETRXF_EXTRA_INFO | Netif.NETRXF_MORE_DATA, (short) 1000), false, (byte) 1); // GSO on a non-TCP packet
        liar.extra(NetExtra.gsoTcpv4(1448));
        liar.rx(new NetRxResponse(0, 0, 0, (short) 1000), false, (byte) 1);
        liar.rx(new NetRxResponse(0, 0, Netif.NETRXF_MORE_DATA, (short) 100), false, (byte) 1); // a chain whose second fragment is past its page
        liar.rx(new NetRxResponse(0, 4090, 0, (short) 100), false, (byte) 1);
        liar.rx(new NetRxResponse(0, 0, Netif.NETRXF_CSUM_BLANK, (short) 100), false, (byte) 1); // a blank checksum in no known protocol
        liar.rx(new NetRxResponse(0, 100, Netif.NETRXF_MORE_DATA, (short) 60), false, (byte) 7); // a good chain of two at an offset
        liar.rx(new NetRxResponse(0, 0, 0, (short) 40), false, (byte) 8);
        NetFrontTest.await(() -> front.stats().rxDropped() + front.stats().rxFrames() == 9, "all nine packets handled");
        assertEquals(8, front.stats().rxDropped());
        assertEquals(1, front.stats().rxFrames());
        assertEquals(1, got.get());
        assertEquals(100, last[0].remaining());
        assertEquals(7, last[0].get(59));
        assertEquals(8, last[0].get(60));
        assertNull(front.disconnectedReason());
        assertTrue(front.isLinkUp());
    }

    /**
     * While the stack reads a frame in its rx page, the backend's grant of that page is
     * suspended: it cannot map the page to change the bytes under the reader. After the call
     * the page is granted again and posted.
     */
    @Test
    void theBackendCannotMapAnRxPageWhileTheStackReadsIt() throws Exception {
        java.util.concurrent.BlockingQueue<String> verdicts = new java.util.concurrent.LinkedBlockingQueue<>();
        front.receiver(f -> {
            try (GrantMapper.Mapping m = doms.dom0.grantMapper().map(1, liar.lastGref, true)) {
                verdicts.add("mapped");
            } catch (ErrnoException e) {
                verdicts.add("refused: " + e.getMessage());
            }
        });
        liar.rx(new NetRxResponse(0, 0, 0, (short) 100), false, (byte) 5);
        String v = verdicts.poll(20, TimeUnit.SECONDS);
        assertNotNull(v);
        assertTrue(v.startsWith("refused") && v.contains("does not permit access"), v);
        int gref = liar.lastGref;
        NetFrontTest.await(() -> {
            try {
                return liar.rx.unconsumedRequests() == liar.rx.size();
            } catch (ErrnoException e) {
                return false;
            }
        }, "the page posted again");
        try (GrantMapper.Mapping m = doms.dom0.grantMapper().map(1, gref, true)) {
            assertEquals(Netif.PAGE_SIZE, m.page().capacity(), "granted again once the call returned");
        }
        assertNull(front.disconnectedReason());
    }

    /** A backend that keeps an rx page mapped cannot change the frame the stack reads: that frame is a copy. */
    @Test
    void aFrameInAPageTheBackendKeepsMappedIsACopy() throws Exception {
        java.util.concurrent.BlockingQueue<String> verdicts = new java.util.concurrent.LinkedBlockingQueue<>();
        GrantMapper.Mapping[] kept = new GrantMapper.Mapping[1];
        front.receiver(f -> {
            byte before = f.get(50);
            for (int i = 0; i < 100; i++) {
                kept[0].page().put(i, (byte) 9); // the backend writes through the mapping it kept
            }
            verdicts.add(before + " " + f.get(50));
        });
        kept[0] = liar.rxKeepingTheMapping(100, (byte) 6);
        liar.channel.notifyPeer();
        assertEquals("6 6", verdicts.poll(20, TimeUnit.SECONDS));
        kept[0].close();
        assertEquals(1, front.stats().rxFrames());
        assertNull(front.disconnectedReason());
    }

    @Test
    void rxChainThatNeverEndsDisconnects() throws Exception {
        AtomicInteger got = new AtomicInteger();
        front.receiver(f -> got.incrementAndGet());
        for (int i = 0; i <= Netif.MAX_SLOTS && front.disconnectedReason() == null; i++) {
            liar.rx(new NetRxResponse(0, 0, Netif.NETRXF_MORE_DATA, (short) 100), false, (byte) 1);
        }
        assertDisconnected();
        assertTrue(front.disconnectedReason().contains("more than " + Netif.MAX_SLOTS + " slots"), front.disconnectedReason());
        assertEquals(0, got.get());
    }

    @Test
    void rxExtraSlotsThatNeverEndDisconnect() throws Exception {
        liar.rx(new NetRxResponse(0, 0, Netif.NETRXF_EXTRA_INFO, (short) 100), false, (byte) 1);
        for (int i = 0; i < Netif.XEN_NETIF_EXTRA_TYPE_MAX && front.disconnectedReason() == null; i++) {
            liar.extra(new NetExtra(Netif.XEN_NETIF_EXTRA_TYPE_GSO, Netif.XEN_NETIF_EXTRA_FLAG_MORE, 1448, 1, 0));
        }
        assertDisconnected();
    }

    @Test
    void rxResponseForAnIdNeverPostedDisconnects() throws Exception {
        liar.rx(new NetRxResponse(300, 0, 0, (short) 60), true, (byte) 0);
        assertDisconnected();
    }

    @Test
    void txResponseForAnIdNeverIssuedDisconnects() throws Exception {
        front.transmit(ByteBuffer.allocate(64));
        NetFrontTest.await(() -> {
            try {
                return liar.tx.unconsumedRequests() == 1;
            } catch (ErrnoException e) {
                return false;
            }
        }, "request on the ring");
        NetTxRequest q = liar.tx.take();
        liar.tx.put(new NetTxResponse(q.id() + 1, Netif.RSP_OKAY));
        liar.tx.pushResponses();
        liar.channel.notifyPeer();
        assertDisconnected();
    }

    @Test
    void responseProducerPastTheRequestsDisconnects() throws Exception {
        ByteBuffer page = liar.txMap.page().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        page.putInt(8, 5000); // rsp_prod with no request outstanding
        liar.channel.notifyPeer();
        assertDisconnected();
    }

    @Test
    void silentBackendTimesOutTransmitWithEio() throws Exception {
        // the liar never answers: the tx ring fills, the next transmit waits out the timeout
        ErrnoException e = assertThrows(ErrnoException.class, () -> {
            for (int i = 0; i < 10_000; i++) {
                front.transmit(ByteBuffer.allocate(64));
            }
        });
        assertEquals(Errno.EIO, e.errno());
        assertNotNull(front.disconnectedReason());
        assertFalse(front.isLinkUp());
    }

    @Test
    void garbageInTheBackendStateTakesTheLinkDown() throws Exception {
        doms.xs0.write(liar.backend + "/state", "connected!");
        assertDisconnected();
    }
}
