package io.jrump.xen.blk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.ErrnoException;
import io.jrump.dev.MemoryBlockDevice;
import io.jrump.xen.hv.EventChannel;
import io.jrump.xen.hv.GrantedPage;
import io.jrump.xen.hv.GrantedRun;
import io.jrump.xen.ring.FrontRing;
import io.jrump.xen.ring.SharedRing;
import io.jrump.xen.testing.TwoDomains;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * blkback against a frontend that asks for too much: a ring larger than offered is refused at
 * connect (Closing, with the reason), and indirect requests whose segment counts, operation
 * or list pages are out of range are answered with BLKIF_RSP_ERROR while the backend goes on
 * serving good requests.
 */
class HostileFrontendTest {
    private TwoDomains doms;
    private BlkBackend back;
    private MemoryBlockDevice disk;
    private EventChannel channel;

    @BeforeEach
    void boot() throws ErrnoException {
        doms = new TwoDomains(1024);
        disk = new MemoryBlockDevice(4L << 20);
        back = BlkBackend.create(doms.xs0, doms.dom0, 1, 51712, disk, new BlkBackend.Offer(2, 64));
    }

    @AfterEach
    void shutdown() {
        back.close();
        if (channel != null) {
            channel.close();
        }
        doms.close();
    }

    /** Publishes a ring of {@code 2^order} pages as a frontend would, and goes Initialised. */
    private FrontRing<BlkRequest, BlkResponse> publish(int order) throws ErrnoException {
        String fe = back.frontendPath();
        GrantedRun pages = doms.dom1.grantTable().grantRun(0, 1 << order, false);
        SharedRing shared = new SharedRing(pages.view(), Blkif.REQ_SIZE);
        shared.init();
        channel = doms.dom1.eventChannels().allocUnbound(0);
        channel.unmask();
        doms.xs1.write(fe + "/ring-page-order", Integer.toString(order));
        for (int i = 0; i < pages.pages().size(); i++) {
            doms.xs1.write(fe + "/ring-ref" + i, Integer.toString(pages.pages().get(i).ref()));
        }
        doms.xs1.write(fe + "/event-channel", Integer.toString(channel.port()));
        doms.xs1.write(fe + "/state", "3");
        return new FrontRing<>(shared, BlkRequest.CODEC, BlkResponse.CODEC);
    }

    private void awaitBackendState(String state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!state.equals(doms.xs0.read(back.backendPath() + "/state"))) {
            assertTrue(System.nanoTime() < deadline, "backend never reached state " + state + ": " + back.failure());
            Thread.sleep(5);
        }
    }

    private short send(FrontRing<BlkRequest, BlkResponse> ring, BlkRequest r) throws Exception {
        ring.put(r);
        ring.pushRequests();
        channel.notifyPeer();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ring.unconsumedResponses() == 0) {
            assertTrue(System.nanoTime() < deadline, "no response to " + r);
            Thread.sleep(1);
        }
        BlkResponse rsp = ring.take();
        assertEquals(r.id(), rsp.id());
        assertEquals(r.dataOperation(), rsp.operation(), "an indirect request is answered as its read or write");
        return rsp.status();
    }

    @Test
    void ringLargerThanOfferedIsRefused() throws Exception {
        publish(3);
        awaitBackendState("5");
        assertNotNull(back.failure());
        assertTrue(back.failure().contains("ring-page-order 3"), back.failure());
    }

    @Test
    void indirectRequestsOutOfRangeAreErrors() throws Exception {
        FrontRing<BlkRequest, BlkResponse> ring = publish(1);
        awaitBackendState("4");
        GrantedRun data = doms.dom1.grantTable().grantRun(0, 65, false);
        GrantedPage list = data.pages().get(64);
        ByteBuffer[] lists = {list.page()};
        for (int i = 0; i < 64; i++) {
            IndirectSegments.write(lists, i, data.pages().get(i).ref(), 0, 7);
        }
        int[] listRef = {list.ref()};
        long id = 0;
        assertEquals(Blkif.RSP_ERROR, send(ring, BlkRequest.indirect(Blkif.OP_READ, 0, ++id, 0, listRef)), "no segments");
        assertEquals(Blkif.RSP_ERROR, send(ring, BlkRequest.indirect(Blkif.OP_READ, 65, ++id, 0, listRef)), "more than offered");
        assertEquals(Blkif.RSP_ERROR, send(ring, BlkRequest.indirect(Blkif.OP_READ, 65535, ++id, 0, new int[8])), "the most the field holds");
        assertEquals(Blkif.RSP_ERROR, send(ring, BlkRequest.indirect(Blkif.OP_FLUSH_DISKCACHE, 1, ++id, 0, listRef)), "not a read or write");
        assertEquals(Blkif.RSP_ERROR, send(ring, BlkRequest.indirect(Blkif.OP_READ, 1, ++id, 0, new int[] {9999})), "a list page never granted");
        assertEquals(Blkif.RSP_ERROR, send(ring, BlkRequest.indirect(Blkif.OP_READ, 64, ++id, (4L << 20) / 512 - 8, listRef)), "past the disk");
        IndirectSegments.write(lists, 3, data.pages().get(3).ref(), 5, 2);
        assertEquals(Blkif.RSP_ERROR, send(ring, BlkRequest.indirect(Blkif.OP_READ, 64, ++id, 0, listRef)), "first_sect after last_sect");
        IndirectSegments.write(lists, 3, data.pages().get(3).ref(), 0, 7);

        byte[] content = new byte[64 * 4096];
        new Random(9).nextBytes(content);
        disk.write(16, ByteBuffer.wrap(content));
        assertEquals(Blkif.RSP_OKAY, send(ring, BlkRequest.indirect(Blkif.OP_READ, 64, ++id, 16, listRef)), "a good request is still served");
        byte[] got = new byte[content.length];
        for (int i = 0; i < 64; i++) {
            data.pages().get(i).page().get(0, got, i * 4096, 4096);
        }
        assertArrayEquals(content, got);
        assertEquals("4", doms.xs0.read(back.backendPath() + "/state"), "still connected");
    }
}
