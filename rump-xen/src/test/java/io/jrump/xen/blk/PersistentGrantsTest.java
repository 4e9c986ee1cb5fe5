package io.jrump.xen.blk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * blkback's persistent grants ({@code feature-persistent}): with both ends offering it, the
 * frontend's pages are mapped once per connection however many requests reuse them, kept
 * up to a cap (least recently used evicted) and unmapped at disconnect; without it on either
 * side every request maps its pages. A frontend that tries to end access to a kept page cannot
 * (the page stays granted, so the backend never writes a page handed elsewhere), and one that
 * ends an evicted grant gets an error for a request naming it, with nothing written.
 */
class PersistentGrantsTest {
    private static final int SECTORS = 8; // one page
    private TwoDomains doms;
    private MemoryBlockDevice disk;
    private BlkBackend back;
    private EventChannel channel;

    @BeforeEach
    void boot() throws ErrnoException {
        doms = new TwoDomains(2048);
        disk = new MemoryBlockDevice(8L << 20);
        byte[] content = new byte[(int) disk.size()];
        new Random(5).nextBytes(content);
        disk.write(0, ByteBuffer.wrap(content));
    }

    @AfterEach
    void shutdown() {
        if (back != null) {
            back.close();
        }
        if (channel != null) {
            channel.close();
        }
        doms.close();
    }

    private byte[] diskBytes(long offset, int n) throws ErrnoException {
        ByteBuffer b = ByteBuffer.allocate(n);
        disk.read(offset / disk.sectorSize(), b);
        return b.array();
    }

    private long readsOverBlkfront(BlkBackend.Offer offer, boolean shared) throws Exception {
        back = BlkBackend.create(doms.xs0, doms.dom0, 1, 51712, disk, offer);
        try (BlkFront f = BlkFront.connect(doms.xs1, doms.dom1, back.frontendPath(), Duration.ofSeconds(10))) {
            ByteBuffer buf = shared ? f.sharedBuffer(1 << 20) : ByteBuffer.allocateDirect(1 << 20);
            for (int i = 0; i < 20; i++) {
                long block = (i % 7) * (1 << 20) / disk.sectorSize();
                f.read(block, buf.clear());
                byte[] got = new byte[1 << 20];
                buf.get(0, got);
                assertArrayEquals(diskBytes(block * disk.sectorSize(), 1 << 20), got, "read " + i);
            }
            assertEquals(offer.maxPersistentGrants() > 0, back.persistentGrants());
            return back.dataPagesMapped();
        }
    }

    @Test
    void sharedBufferPagesAreMappedOncePerConnection() throws Exception {
        assertEquals(256, readsOverBlkfront(BlkBackend.Offer.PERSISTENT, true), "20 reads of 1 MiB into one shared buffer map its 256 pages once");
    }

    @Test
    void poolPagesAreMappedAtMostOnce() throws Exception {
        long maps = readsOverBlkfront(BlkBackend.Offer.PERSISTENT, false);
        assertTrue(maps <= BlkFront.POOL_PAGES, "20 reads of 1 MiB through the pool mapped " + maps + " pages");
    }

    @Test
    void withoutTheFeatureEveryRequestMapsItsPages() throws Exception {
        assertEquals(20 * 256, readsOverBlkfront(BlkBackend.Offer.ALL, true));
    }

    /** Publishes a one-page ring as a frontend would, offering feature-persistent or not, and waits for Connected. */
    private FrontRing<BlkRequest, BlkResponse> connectRaw(BlkBackend.Offer offer, boolean persistent) throws Exception {
        back = BlkBackend.create(doms.xs0, doms.dom0, 1, 51712, disk, offer);
        String fe = back.frontendPath();
        GrantedPage ringPage = doms.dom1.grantTable().grant(0, false);
        SharedRing shared = new SharedRing(ringPage.page(), Blkif.REQ_SIZE);
        shared.init();
        channel = doms.dom1.eventChannels().allocUnbound(0);
        channel.unmask();
        doms.xs1.write(fe + "/ring-ref", Integer.toString(ringPage.ref()));
        doms.xs1.write(fe + "/event-channel", Integer.toString(channel.port()));
        if (persistent) {
            doms.xs1.write(fe + "/feature-persistent", "1");
        }
        doms.xs1.write(fe + "/state", "3");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!"4".equals(doms.xs0.read(back.backendPath() + "/state"))) {
            assertTrue(System.nanoTime() < deadline, "backend never connected: " + back.failure());
            Thread.sleep(2);
        }
        return new FrontRing<>(shared, BlkRequest.CODEC, BlkResponse.CODEC);
    }

    private long nextId;

    /** Reads one page at 512-byte sector {@code sector} into the page granted as {@code ref}; returns the status. */
    private short readPage(FrontRing<BlkRequest, BlkResponse> ring, int ref, long sector) throws Exception {
        return readSectors(ring, ref, sector, 0, 7);
    }

    /** Reads into sectors {@code first..last} of the page {@code ref}. */
    private short readSectors(FrontRing<BlkRequest, BlkResponse> ring, int ref, long sector, int first, int last) throws Exception {
        BlkRequest r = BlkRequest.direct(Blkif.OP_READ, ++nextId, sector, new int[] {ref}, new byte[] {(byte) first}, new byte[] {(byte) last});
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
        return rsp.status();
    }

    private static byte[] bytes(GrantedPage p) {
        byte[] b = new byte[4096];
        p.page().get(0, b);
        return b;
    }

    @Test
    void persistenceNeedsTheFrontendToOfferIt() throws Exception {
        FrontRing<BlkRequest, BlkResponse> ring = connectRaw(BlkBackend.Offer.PERSISTENT, false);
        assertFalse(back.persistentGrants());
        GrantedPage p = doms.dom1.grantTable().grant(0, false);
        for (int i = 0; i < 3; i++) {
            assertEquals(Blkif.RSP_OKAY, readPage(ring, p.ref(), 0));
        }
        assertEquals(3, back.dataPagesMapped(), "mapped per request");
        doms.dom1.grantTable().endAccess(p); // nothing kept: the frontend may end it at once
    }

    @Test
    void keptPageCannotBeRevokedWhileConnected() throws Exception {
        FrontRing<BlkRequest, BlkResponse> ring = connectRaw(BlkBackend.Offer.PERSISTENT, true);
        assertTrue(back.persistentGrants());
        GrantedPage a = doms.dom1.grantTable().grant(0, false);
        for (int i = 0; i < 3; i++) {
            assertEquals(Blkif.RSP_OKAY, readPage(ring, a.ref(), 8L * i));
            assertArrayEquals(diskBytes(4096L * i, 4096), bytes(a));
        }
        assertEquals(1, back.dataPagesMapped(), "one page, three requests, one mapping");
        ErrnoException busy = assertThrows(ErrnoException.class, () -> doms.dom1.grantTable().endAccess(a), "a kept page stays granted");
        assertTrue(busy.getMessage().contains("still mapped"), busy.getMessage());
        // a fresh grant is served as any other
        GrantedPage b = doms.dom1.grantTable().grant(0, false);
        assertEquals(Blkif.RSP_OKAY, readPage(ring, b.ref(), 80));
        assertArrayEquals(diskBytes(80 * 512L, 4096), bytes(b));
        assertEquals(2, back.dataPagesMapped());
        // disconnect unmaps everything: now the frontend can end both
        back.close();
        doms.dom1.grantTable().endAccess(a);
        doms.dom1.grantTable().endAccess(b);
    }

    @Test
    void evictedGrantEndedByTheFrontendIsNeverWritten() throws Exception {
        FrontRing<BlkRequest, BlkResponse> ring = connectRaw(new BlkBackend.Offer(0, 0, 2), true);
        GrantedRun run = doms.dom1.grantTable().grantRun(0, 3, false);
        GrantedPage p0 = run.pages().get(0);
        GrantedPage p1 = run.pages().get(1);
        GrantedPage p2 = run.pages().get(2);
        assertEquals(Blkif.RSP_OKAY, readPage(ring, p0.ref(), 0));
        assertEquals(Blkif.RSP_OKAY, readPage(ring, p1.ref(), 8));
        assertEquals(Blkif.RSP_OKAY, readPage(ring, p2.ref(), 16)); // cap 2: p0, least recently used, is unmapped
        assertThrows(ErrnoException.class, () -> doms.dom1.grantTable().endAccess(p1), "p1 is still kept");
        doms.dom1.grantTable().endAccess(p0); // evicted: the frontend may end it
        // the frontend's memory at p0's frame, now free, is granted afresh (zeroed) to the backend under a new reference
        GrantedPage again = doms.dom1.grantTable().grant(0, false);
        assertEquals(p0.frame(), again.frame(), "the freed frame is handed out again");
        assertTrue(again.ref() != p0.ref());
        assertEquals(Blkif.RSP_ERROR, readPage(ring, p0.ref(), 24), "the ended reference is refused");
        assertArrayEquals(new byte[4096], bytes(again), "nothing was written into the frame through the ended reference");
        assertEquals(3, back.dataPagesMapped(), "p0, p1, p2 mapped once each; the refused reference maps nothing");
    }

    @Test
    void aRunServedAgainFromItsJoinedViewIsDroppedOnceAPageOfItIsEvicted() throws Exception {
        FrontRing<BlkRequest, BlkResponse> ring = connectRaw(new BlkBackend.Offer(0, 0, 2), true);
        GrantedRun run = doms.dom1.grantTable().grantRun(0, 3, false);
        GrantedPage p0 = run.pages().get(0);
        GrantedPage p1 = run.pages().get(1);
        for (int i = 0; i < 3; i++) { // the same page request after request: served from the view kept of it
            assertEquals(Blkif.RSP_OKAY, readPage(ring, p0.ref(), 8L * i));
            assertArrayEquals(diskBytes(4096L * i, 4096), bytes(p0));
        }
        // part pages go through the bounce buffer, not a view: p0's run stays the last one joined while p0 is evicted
        assertEquals(Blkif.RSP_OKAY, readSectors(ring, p1.ref(), 0, 0, 3));
        assertEquals(Blkif.RSP_OKAY, readSectors(ring, run.pages().get(2).ref(), 0, 0, 3)); // cap 2: p0 is evicted
        doms.dom1.grantTable().endAccess(p0);
        GrantedPage again = doms.dom1.grantTable().grant(0, false);
        assertEquals(p0.frame(), again.frame());
        assertEquals(Blkif.RSP_ERROR, readPage(ring, p0.ref(), 40), "the view of p0's run is gone with its mapping: the ended reference is refused");
        assertArrayEquals(new byte[4096], bytes(again), "nothing written into the frame handed out again");
        assertEquals(3, back.dataPagesMapped(), "p0 mapped once for its three requests");
    }
}
