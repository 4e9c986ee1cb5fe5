package io.jrump.xen.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jrump.xen.ring.SharedRing;
import io.jrump.xen.testing.XenAbi;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The netif codecs agree with gcc and Xen's io/netif.h field by field. */
class NetifAbiTest {
    @Test
    void netifLayout() throws Exception {
        Map<String, Long> c = XenAbi.values();
        assertEquals(c.get("netif_tx_request"), (long) Netif.TXQ_SIZE);
        assertEquals(c.get("netif_tx_request.gref"), (long) Netif.TXQ_GREF);
        assertEquals(c.get("netif_tx_request.offset"), (long) Netif.TXQ_OFFSET);
        assertEquals(c.get("netif_tx_request.flags"), (long) Netif.TXQ_FLAGS);
        assertEquals(c.get("netif_tx_request.id"), (long) Netif.TXQ_ID);
        assertEquals(c.get("netif_tx_request.size"), (long) Netif.TXQ_SIZE_FIELD);
        assertEquals(c.get("netif_tx_response"), (long) Netif.TXP_SIZE);
        assertEquals(c.get("netif_tx_response.id"), (long) Netif.TXP_ID);
        assertEquals(c.get("netif_tx_response.status"), (long) Netif.TXP_STATUS);
        assertEquals(c.get("netif_rx_request"), (long) Netif.RXQ_SIZE);
        assertEquals(c.get("netif_rx_request.id"), (long) Netif.RXQ_ID);
        assertEquals(c.get("netif_rx_request.gref"), (long) Netif.RXQ_GREF);
        assertEquals(c.get("netif_rx_response"), (long) Netif.RXP_SIZE);
        assertEquals(c.get("netif_rx_response.id"), (long) Netif.RXP_ID);
        assertEquals(c.get("netif_rx_response.offset"), (long) Netif.RXP_OFFSET);
        assertEquals(c.get("netif_rx_response.flags"), (long) Netif.RXP_FLAGS);
        assertEquals(c.get("netif_rx_response.status"), (long) Netif.RXP_STATUS);
        assertEquals(c.get("NETTXF_more_data"), (long) Netif.NETTXF_MORE_DATA);
        assertEquals(c.get("NETTXF_extra_info"), (long) Netif.NETTXF_EXTRA_INFO);
        assertEquals(c.get("NETRXF_data_validated"), (long) Netif.NETRXF_DATA_VALIDATED);
        assertEquals(c.get("NETRXF_more_data"), (long) Netif.NETRXF_MORE_DATA);
        assertEquals(c.get("NETRXF_extra_info"), (long) Netif.NETRXF_EXTRA_INFO);
        assertEquals(c.get("NETIF_RSP_OKAY"), (long) Netif.RSP_OKAY);
        assertEquals(c.get("NETIF_RSP_ERROR"), (long) Netif.RSP_ERROR);
        assertEquals(c.get("NETIF_RSP_DROPPED"), (long) Netif.RSP_DROPPED);
        assertEquals(c.get("NETIF_RSP_NULL"), (long) Netif.RSP_NULL);
    }

    @Test
    void ringSizes() throws Exception {
        Map<String, Long> c = XenAbi.values();
        assertEquals(c.get("netif_tx_ring_size"), (long) SharedRing.entries(Netif.PAGE_SIZE, Netif.TX_SLOT));
        assertEquals(c.get("netif_rx_ring_size"), (long) SharedRing.entries(Netif.PAGE_SIZE, Netif.RX_SLOT));
    }
}
