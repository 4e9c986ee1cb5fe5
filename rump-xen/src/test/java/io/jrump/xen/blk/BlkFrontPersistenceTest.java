package io.jrump.xen.blk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.ErrnoException;
import io.jrump.dev.MemoryBlockDevice;
import io.jrump.xen.testing.TwoDomains;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * blkfront with persistent grants, as the emulated blkback offers them by default: the backend
 * keeps pages mapped after their requests, so a released shared buffer whose pages it still
 * maps stays granted (its frames given to no one) until the backend lets go of them; what is
 * kept is bounded by the backend's cap however often buffers come and go, and close ends
 * every grant.
 */
class BlkFrontPersistenceTest {
    private static final int BUFFER_PAGES = 64;
    private TwoDomains doms;
    private MemoryBlockDevice disk;
    private BlkBackend back;

    @BeforeEach
    void boot() throws ErrnoException {
        doms = new TwoDomains(4096);
        disk = new MemoryBlockDevice(8L << 20);
        byte[] content = new byte[(int) disk.size()];
        new Random(6).nextBytes(content);
        disk.write(0, ByteBuffer.wrap(content));
    }

    @AfterEach
    void shutdown() {
        if (back != null) {
            back.close();
        }
        doms.close();
    }

    private BlkFront connect(BlkBackend.Offer offer) throws ErrnoException {
        back = offer == null ? BlkBackend.create(doms.xs0, doms.dom0, 1, BlkFrontTest.DEVID, disk)
                : BlkBackend.create(doms.xs0, doms.dom0, 1, BlkFrontTest.DEVID, disk, offer);
        return BlkFront.connect(doms.xs1, doms.dom1, back.frontendPath(), Duration.ofSeconds(30));
    }

    private byte[] diskBytes(long sector, int n) throws ErrnoException {
        ByteBuffer b = ByteBuffer.allocate(n);
        disk.read(sector, b);
        return b.array();
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] got = new byte[b.capacity()];
        b.get(0, got);
        return got;
    }

    @Test
    void defaultConnectNegotiatesPersistentGrants() throws Exception {
        try (BlkFront f = connect(null)) {
            assertTrue(back.persistentGrants(), "the default backend offers feature-persistent, and blkfront does too");
            assertTrue(f.persistentGrants());
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            for (int i = 0; i < 8; i++) {
                f.read(i * 2048L, buf.clear());
                assertArrayEquals(diskBytes(i * 2048L, 1 << 20), bytes(buf), "read " + i);
            }
            assertTrue(back.dataPagesMapped() <= BlkFront.POOL_PAGES, "pool pages are mapped once each: " + back.dataPagesMapped());
        }
        assertEquals(0, doms.dom1.grantTable().inUse(), "every grant ended after close");
    }

    @Test
    void releasedBufferTheBackendStillMapsStaysGrantedUntilClose() throws Exception {
        int grantsBefore;
        ByteBuffer released;
        try (BlkFront f = connect(null)) {
            grantsBefore = doms.dom1.grantTable().inUse();
            released = f.sharedBuffer(BUFFER_PAGES * 4096);
            f.read(0, released.clear());
            assertArrayEquals(diskBytes(0, BUFFER_PAGES * 4096), bytes(released));
            f.releaseSharedBuffer(released);
            assertEquals(BUFFER_PAGES, f.pagesKeptAfterRelease(), "the backend keeps the pages mapped: their grants cannot end");
            assertEquals(grantsBefore + BUFFER_PAGES, doms.dom1.grantTable().inUse(), "still granted while connected");
            byte[] kept = bytes(released);
            // a new buffer gets other frames: the kept ones are zeroed for no one and the backend's writes land only in the new one
            ByteBuffer next = f.sharedBuffer(BUFFER_PAGES * 4096);
            f.read(4096, next.clear());
            assertArrayEquals(diskBytes(4096, BUFFER_PAGES * 4096), bytes(next));
            assertArrayEquals(kept, bytes(released), "the kept frames were not handed out again");
            f.releaseSharedBuffer(next);
            assertEquals(2 * BUFFER_PAGES, f.pagesKeptAfterRelease());
        }
        assertEquals(0, doms.dom1.grantTable().inUse(), "close ends the kept grants once the backend has unmapped them");
    }

    @Test
    void repeatedAllocateAndReleaseStaysWithinTheBackendsCap() throws Exception {
        int cap = PersistentGrants.LINUX_DEFAULT_CAP;
        int rounds = 3 * cap / BUFFER_PAGES;
        try (BlkFront f = connect(null)) {
            int grantsBefore = doms.dom1.grantTable().inUse();
            int mostKept = 0;
            for (int i = 0; i < rounds; i++) {
                ByteBuffer b = f.sharedBuffer(BUFFER_PAGES * 4096);
                long sector = (i * BUFFER_PAGES * 8L) % (disk.size() / 512 - BUFFER_PAGES * 8L);
                f.read(sector, b.clear());
                assertArrayEquals(diskBytes(sector, BUFFER_PAGES * 4096), bytes(b), "round " + i);
                f.releaseSharedBuffer(b);
                int kept = doms.dom1.grantTable().inUse() - grantsBefore;
                mostKept = Math.max(mostKept, kept);
                assertTrue(kept <= cap + BUFFER_PAGES, "round " + i + ": " + kept + " pages still granted, the backend keeps at most " + cap);
            }
            assertTrue(mostKept >= cap - BUFFER_PAGES, "the backend's cap was reached (" + mostKept + " kept at most)");
            assertEquals(doms.dom1.grantTable().inUse() - grantsBefore, f.pagesKeptAfterRelease());
        }
        assertEquals(0, doms.dom1.grantTable().inUse(), "every grant ended after close");
    }

    @Test
    void withoutTheBackendsOfferReleaseEndsGrantsAtOnce() throws Exception {
        try (BlkFront f = connect(BlkBackend.Offer.ALL)) {
            assertFalse(back.persistentGrants());
            assertFalse(f.persistentGrants());
            int grantsBefore = doms.dom1.grantTable().inUse();
            ByteBuffer b = f.sharedBuffer(BUFFER_PAGES * 4096);
            f.read(0, b.clear());
            f.releaseSharedBuffer(b);
            assertEquals(0, f.pagesKeptAfterRelease(), "each request's mappings are gone with its response");
            assertEquals(grantsBefore, doms.dom1.grantTable().inUse());
        }
    }
}
