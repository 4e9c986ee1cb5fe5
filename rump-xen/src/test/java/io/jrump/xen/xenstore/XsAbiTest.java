package io.jrump.xen.xenstore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jrump.xen.testing.XenAbi;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The xenstore message header, ring interface and type numbers agree with xs_wire.h as gcc compiles it. */
class XsAbiTest {
    @Test
    void layout() throws Exception {
        Map<String, Long> c = XenAbi.values();
        assertEquals(c.get("xsd_sockmsg"), (long) XsMessage.HEADER_SIZE);
        assertEquals(c.get("xsd_sockmsg.type"), (long) XsMessage.TYPE);
        assertEquals(c.get("xsd_sockmsg.req_id"), (long) XsMessage.REQ_ID);
        assertEquals(c.get("xsd_sockmsg.tx_id"), (long) XsMessage.TX_ID);
        assertEquals(c.get("xsd_sockmsg.len"), (long) XsMessage.LEN);
        assertEquals(c.get("XENSTORE_PAYLOAD_MAX"), (long) XsMessage.PAYLOAD_MAX);
        assertEquals(c.get("XENSTORE_RING_SIZE"), (long) RingTransport.RING_SIZE);
        assertEquals(c.get("xenstore_domain_interface"), (long) RingTransport.INTERFACE_SIZE);
        assertEquals(c.get("xenstore_domain_interface.req"), (long) RingTransport.REQ);
        assertEquals(c.get("xenstore_domain_interface.rsp"), (long) RingTransport.RSP);
        assertEquals(c.get("xenstore_domain_interface.req_cons"), (long) RingTransport.REQ_CONS);
        assertEquals(c.get("xenstore_domain_interface.req_prod"), (long) RingTransport.REQ_PROD);
        assertEquals(c.get("xenstore_domain_interface.rsp_cons"), (long) RingTransport.RSP_CONS);
        assertEquals(c.get("xenstore_domain_interface.rsp_prod"), (long) RingTransport.RSP_PROD);
        assertEquals(c.get("xenstore_domain_interface.server_features"), (long) RingTransport.SERVER_FEATURES);
        assertEquals(c.get("xenstore_domain_interface.connection"), (long) RingTransport.CONNECTION);
        assertEquals(c.get("xenstore_domain_interface.error"), (long) RingTransport.ERROR);
        for (String t : new String[] {"DIRECTORY_PART", "WATCH_EVENT", "ERROR", "RESET_WATCHES", "GET_DOMAIN_PATH", "SET_PERMS"}) {
            assertEquals(c.get("XS_" + t), (long) XsType.valueOf(t).code(), t);
        }
    }
}
