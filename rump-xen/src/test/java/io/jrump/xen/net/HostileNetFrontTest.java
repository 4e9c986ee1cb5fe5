package io.jrump.xen.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.xen.hv.EventChannel;
import io.jrump.xen.hv.GrantedPage;
import io.jrump.xen.ring.FrontRing;
import io.jrump.xen.ring.SharedRing;
import io.jrump.xen.testing.TwoDomains;
import io.jrump.xen.xenbus.XenbusState;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * netback against a frontend that lies in its tx chains: fragments whose sizes do not add up
 * to the first slot's, a fragment past its page, GSO the backend never offered, are each
 * answered NETIF_RSP_ERROR in every slot and never reach the wire; a chain that never ends
 * stops the backend (Closing) instead of swallowing the ring.
 */
class HostileNetFrontTest {
    private TwoDomains doms;
    private final List<ByteBuffer> wire = new CopyOnWriteArrayList<>();
    private NetBackend back;
    private FrontRing<NetTxRequest, NetTxResponse> tx;
    private EventChannel channel;
    private GrantedPage data;

    @BeforeEach
    void boot() throws Exception {
        doms = new TwoDomains(64);
        back = NetBackend.create(doms.xs0, doms.dom0, 1, 0, NetFrontTest.MAC1, Set.of(), f -> wire.add(copy(f)));
        String fe = back.frontendPath();
        GrantedPage txRing = doms.dom1.grantTable().grant(0, false);
        GrantedPage rxRing = doms.dom1.grantTable().grant(0, false);
        data = doms.dom1.grantTable().grant(0, true);
        SharedRing t = new SharedRing(txRing.page(), Netif.TX_SLOT);
        t.init();
        new SharedRing(rxRing.page(), Netif.RX_SLOT).init();
        tx = new FrontRing<>(t, NetTxRequest.CODEC, NetTxResponse.CODEC);
        channel = doms.dom1.eventChannels().allocUnbound(0);
        channel.unmask();
        doms.xs1.transaction(x -> {
            x.write(fe + "/tx-ring-ref", Integer.toString(txRing.ref()));
            x.write(fe + "/rx-ring-ref", Integer.toString(rxRing.ref()));
            x.write(fe + "/event-channel", Integer.toString(channel.port()));
            x.write(fe + "/request-rx-copy", "1");
            x.write(fe + "/state", XenbusState.CONNECTED.text());
            return null;
        });
        NetFrontTest.await(() -> {
            try {
                return doms.xs0.read(back.backendPath() + "/state").equals(XenbusState.CONNECTED.text());
            } catch (Exception e) {
                return false;
            }
        }, "netback connected");
        ByteBuffer p = data.page();
        for (int i = 0; i < 4096; i++) {
            p.put(i, (byte) i);
        }
    }

    @AfterEach
    void shutdown() {
        back.close();
        channel.close();
        doms.close();
    }

    /** Sends the slots as one push and returns the statuses of the non-null responses. */
    private List<Short> send(Object... slots) throws Exception {
        for (Object s : slots) {
            if (s instanceof NetExtra e) {
                tx.put(NetExtra.CODEC, e);
            } else {
                tx.put((NetTxRequest) s);
            }
        }
        tx.pushRequests();
        channel.notifyPeer();
        List<Short> statuses = new CopyOnWriteArrayList<>();
        NetFrontTest.await(() -> {
            try {
                while (tx.unconsumedResponses() > 0) {
                    NetTxResponse r = tx.take();
                    if (r.status() != Netif.RSP_NULL) {
                        statuses.add(r.status());
                    }
                }
            } catch (Exception e) {
                return true;
            }
            return statuses.size() == (int) java.util.Arrays.stream(slots).filter(s -> s instanceof NetTxRequest).count() || back.failure() != null;
        }, "responses");
        return statuses;
    }

    @Test
    void badChainsAreRefusedInEverySlot() throws Exception {
        int ref = data.ref();
        // sizes that do not add up: the first slot says 100, the fragments 200
        assertEquals(List.of(Netif.RSP_ERROR, Netif.RSP_ERROR), send(new NetTxRequest(ref, 0, Netif.NETTXF_MORE_DATA, 0, 100),
                new NetTxRequest(ref, 0, 0, 1, 200)));
        // a fragment past its page
        assertEquals(List.of(Netif.RSP_ERROR, Netif.RSP_ERROR), send(new NetTxRequest(ref, 0, Netif.NETTXF_MORE_DATA, 2, 300),
                new NetTxRequest(ref, 4000, 0, 3, 200)));
        // GSO the backend never offered (its wire carries no large segments)
        assertEquals(List.of(Netif.RSP_ERROR), send(new NetTxRequest(ref, 0, Netif.NETTXF_EXTRA_INFO, 4, 3000), NetExtra.gsoTcpv4(1448)));
        assertTrue(wire.isEmpty(), "nothing bad reached the wire");
        // a good chain of two
        assertEquals(List.of(Netif.RSP_OKAY, Netif.RSP_OKAY), send(new NetTxRequest(ref, 0, Netif.NETTXF_MORE_DATA, 5, 1000),
                new NetTxRequest(ref, 2000, 0, 6, 400)));
        NetFrontTest.await(() -> wire.size() == 1, "the good chain on the wire");
        ByteBuffer f = wire.get(0);
        assertEquals(1000, f.remaining());
        assertEquals((byte) 2000, f.get(600), "the second fragment follows the first's 600 bytes");
        assertNull(back.failure());
    }

    @Test
    void aChainThatNeverEndsStopsTheBackend() throws Exception {
        Object[] slots = new Object[Netif.MAX_SLOTS + 1];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new NetTxRequest(data.ref(), 0, Netif.NETTXF_MORE_DATA, i, 100);
        }
        send(slots);
        NetFrontTest.await(() -> back.failure() != null, "backend failed");
        assertNotNull(back.failure());
        assertTrue(back.failure().contains("more than " + Netif.MAX_SLOTS + " slots"), back.failure());
        NetFrontTest.await(() -> {
            try {
                return doms.xs0.read(back.backendPath() + "/state").equals(XenbusState.CLOSING.text());
            } catch (Exception e) {
                return false;
            }
        }, "netback Closing");
        assertTrue(wire.isEmpty());
    }

    /** The sink keeps frames past the call, so it keeps copies: netback fills its memory again. */
    private static ByteBuffer copy(ByteBuffer f) {
        ByteBuffer c = ByteBuffer.allocate(f.remaining());
        c.put(0, f, f.position(), f.remaining());
        return c;
    }
}
