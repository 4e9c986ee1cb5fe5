package io.jrump.xen.blk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.xen.ring.SharedRing;
import io.jrump.xen.testing.XenAbi;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The blkif codecs and the sring header agree with gcc and Xen's headers field by field. */
class BlkifAbiTest {
    @Test
    void blkifLayout() throws Exception {
        Map<String, Long> c = XenAbi.values();
        assertEquals(c.get("blkif_request"), (long) Blkif.REQ_SIZE);
        assertEquals(c.get("blkif_request.operation"), (long) Blkif.REQ_OPERATION);
        assertEquals(c.get("blkif_request.nr_segments"), (long) Blkif.REQ_NR_SEGMENTS);
        assertEquals(c.get("blkif_request.handle"), (long) Blkif.REQ_HANDLE);
        assertEquals(c.get("blkif_request.id"), (long) Blkif.REQ_ID);
        assertEquals(c.get("blkif_request.sector_number"), (long) Blkif.REQ_SECTOR);
        assertEquals(c.get("blkif_request.seg"), (long) Blkif.REQ_SEG);
        assertEquals(c.get("blkif_request_segment"), (long) Blkif.SEG_SIZE);
        assertEquals(c.get("blkif_request_segment.gref"), (long) Blkif.SEG_GREF);
        assertEquals(c.get("blkif_request_segment.first_sect"), (long) Blkif.SEG_FIRST);
        assertEquals(c.get("blkif_request_segment.last_sect"), (long) Blkif.SEG_LAST);
        assertEquals(c.get("blkif_request_discard.flag"), (long) Blkif.DISCARD_FLAG);
        assertEquals(c.get("blkif_request_discard.nr_sectors"), (long) Blkif.DISCARD_NR_SECTORS);
        assertEquals(c.get("blkif_request_indirect.indirect_op"), (long) Blkif.IND_OPERATION);
        assertEquals(c.get("blkif_request_indirect.nr_segments"), (long) Blkif.IND_NR_SEGMENTS);
        assertEquals(c.get("blkif_request_indirect.id"), (long) Blkif.REQ_ID);
        assertEquals(c.get("blkif_request_indirect.sector_number"), (long) Blkif.REQ_SECTOR);
        assertEquals(c.get("blkif_request_indirect.handle"), (long) Blkif.IND_HANDLE);
        assertEquals(c.get("blkif_request_indirect.indirect_grefs"), (long) Blkif.IND_GREFS);
        assertTrue(c.get("blkif_request_indirect") <= Blkif.REQ_SIZE, "an indirect request fits a ring slot");
        assertEquals(c.get("BLKIF_OP_INDIRECT"), (long) Blkif.OP_INDIRECT);
        assertEquals(c.get("BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST"), (long) Blkif.MAX_INDIRECT_PAGES_PER_REQUEST);
        assertEquals(4096 / c.get("blkif_request_segment"), (long) Blkif.SEGMENTS_PER_INDIRECT_PAGE);
        assertEquals(c.get("blkif_response"), (long) Blkif.RSP_SIZE);
        assertEquals(c.get("blkif_response.id"), (long) Blkif.RSP_ID);
        assertEquals(c.get("blkif_response.operation"), (long) Blkif.RSP_OPERATION);
        assertEquals(c.get("blkif_response.status"), (long) Blkif.RSP_STATUS);
        assertEquals(c.get("BLKIF_MAX_SEGMENTS_PER_REQUEST"), (long) Blkif.MAX_SEGMENTS_PER_REQUEST);
        assertEquals(c.get("BLKIF_OP_FLUSH_DISKCACHE"), (long) Blkif.OP_FLUSH_DISKCACHE);
        assertEquals(c.get("BLKIF_OP_DISCARD"), (long) Blkif.OP_DISCARD);
        assertEquals(c.get("BLKIF_RSP_ERROR"), (long) Blkif.RSP_ERROR);
        assertEquals(c.get("BLKIF_RSP_EOPNOTSUPP"), (long) Blkif.RSP_EOPNOTSUPP);
    }

    @Test
    void sringHeaderAndSize() throws Exception {
        Map<String, Long> c = XenAbi.values();
        assertEquals(c.get("blkif_sring.ring"), (long) SharedRing.HEADER_SIZE);
        assertEquals(0L, c.get("blkif_sring.req_prod"));
        assertEquals(4L, c.get("blkif_sring.req_event"));
        assertEquals(8L, c.get("blkif_sring.rsp_prod"));
        assertEquals(12L, c.get("blkif_sring.rsp_event"));
        long slot = c.get("sizeof(union blkif_sring_entry)");
        assertEquals(slot, (long) Math.max(Blkif.REQ_SIZE, Blkif.RSP_SIZE));
        assertEquals(c.get("blkif_ring_size"), (long) SharedRing.entries(4096, (int) slot));
        assertEquals(c.get("blkif_ring_size_16_pages"), (long) SharedRing.entries(16 * 4096, (int) slot));
    }
}
