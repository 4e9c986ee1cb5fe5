package io.jrump.xen.blk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
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
 * Multi-page rings and indirect requests between blkfront and the emulated blkback: what each
 * side offers is what is used, a backend offering neither still works, and values out of range
 * in xenstore end the connect with EINVAL instead of a hang.
 */
class BlkNegotiationTest {
    static final long SIZE = 8L << 20;
    static final int MIB = 1 << 20;

    private TwoDomains doms;
    private BlkBackend back;
    private MemoryBlockDevice disk;

    @BeforeEach
    void boot() throws ErrnoException {
        doms = new TwoDomains(1024);
        disk = new MemoryBlockDevice(SIZE);
    }

    @AfterEach
    void shutdown() {
        if (back != null) {
            back.close();
        }
        doms.close();
    }

    private BlkFront connect(BlkBackend.Offer offer) throws ErrnoException {
        back = BlkBackend.create(doms.xs0, doms.dom0, 1, 51712, disk, offer);
        return BlkFront.connect(doms.xs1, doms.dom1, back.frontendPath(), Duration.ofSeconds(30));
    }

    /** Writes and reads {@code len} bytes at {@code sector}, checks both against the disk, and returns the requests the backend served. */
    private long roundTrip(BlkFront f, long sector, int len, long seed) throws ErrnoException {
        byte[] data = new byte[len];
        new Random(seed).nextBytes(data);
        long before = back.requestsServed();
        f.write(sector, ByteBuffer.wrap(data));
        long writes = back.requestsServed() - before;
        ByteBuffer onDisk = ByteBuffer.allocate(len);
        disk.read(sector, onDisk);
        assertArrayEquals(data, onDisk.array(), len + " bytes written at sector " + sector);
        ByteBuffer got = ByteBuffer.allocateDirect(len);
        f.read(sector, got);
        byte[] g = new byte[len];
        got.flip().get(g);
        assertArrayEquals(data, g, len + " bytes read at sector " + sector);
        return writes;
    }

    @Test
    void bothFeaturesOfferedAreUsedAndOneMebibyteIsOneRequest() throws Exception {
        try (BlkFront f = connect(BlkBackend.Offer.ALL)) {
            assertEquals(BlkFront.MAX_RING_PAGE_ORDER_USED, f.ringPageOrder());
            assertEquals("2", doms.xs0.read(back.frontendPath() + "/ring-page-order"));
            assertEquals(4, doms.xs0.directory(back.frontendPath()).stream().filter(k -> k.startsWith("ring-ref")).count(), "ring-ref0..3");
            assertEquals(Blkif.MAX_INDIRECT_SEGMENTS, f.segmentsPerRequest());
            assertEquals(1, roundTrip(f, 8, MIB, 1), "1 MiB in one indirect request");
            assertEquals(3, roundTrip(f, 3, 2 * MIB + 4096 + 512, 2), "two full requests and a partial last page");
            assertEquals(1, roundTrip(f, 100, 12 * 4096, 3), "just past 11 segments: indirect");
            assertEquals(1, roundTrip(f, 0, 512, 4), "one sector: a direct request");
        }
        assertEquals(0, doms.dom1.grantTable().inUse(), "every grant ended");
    }

    @Test
    void backendOfferingNeitherStillWorks() throws Exception {
        try (BlkFront f = connect(BlkBackend.Offer.BASIC)) {
            assertEquals(0, f.ringPageOrder());
            assertEquals(Blkif.MAX_SEGMENTS_PER_REQUEST, f.segmentsPerRequest());
            assertTrue(doms.xs0.directory(back.frontendPath()).contains("ring-ref"), "one page: the plain ring-ref");
            assertEquals(24, roundTrip(f, 8, MIB, 5), "1 MiB in requests of 11 pages");
        }
    }

    @Test
    void smallerOffersAreHonoured() throws Exception {
        try (BlkFront f = connect(new BlkBackend.Offer(1, 32))) {
            assertEquals(1, f.ringPageOrder());
            assertEquals(32, f.segmentsPerRequest());
            assertEquals(8, roundTrip(f, 8, MIB, 6), "1 MiB in indirect requests of 32 pages");
        }
    }

    @Test
    void offersLargerThanTheFrontendUsesAreCapped() throws Exception {
        back = BlkBackend.create(doms.xs0, doms.dom0, 1, 51712, disk, BlkBackend.Offer.ALL);
        doms.xs0.write(back.backendPath() + "/max-ring-page-order", "40");
        doms.xs0.write(back.backendPath() + "/feature-max-indirect-segments", "100000");
        try (BlkFront f = BlkFront.connect(doms.xs1, doms.dom1, back.frontendPath(), Duration.ofSeconds(30))) {
            assertEquals(BlkFront.MAX_RING_PAGE_ORDER_USED, f.ringPageOrder());
            assertEquals(Blkif.MAX_INDIRECT_SEGMENTS, f.segmentsPerRequest());
            assertEquals(1, roundTrip(f, 8, MIB, 7));
        }
    }

    @Test
    void hostileValuesFailTheConnect() throws Exception {
        String[][] cases = {{"max-ring-page-order", "-1"}, {"max-ring-page-order", "lots"}, {"max-ring-page-order", "99999999999999999999"},
                {"feature-max-indirect-segments", "-5"}, {"feature-max-indirect-segments", "x"}};
        int devid = 51712;
        for (String[] c : cases) {
            BlkBackend b = BlkBackend.create(doms.xs0, doms.dom0, 1, ++devid, disk, BlkBackend.Offer.ALL);
            try {
                doms.xs0.write(b.backendPath() + "/" + c[0], c[1]);
                long t0 = System.nanoTime();
                ErrnoException e = assertThrows(ErrnoException.class, () -> BlkFront.connect(doms.xs1, doms.dom1, b.frontendPath(), Duration.ofSeconds(30)),
                        c[0] + " = " + c[1]);
                assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
                assertTrue(e.getMessage().contains(c[0]), e.getMessage());
                assertTrue(System.nanoTime() - t0 < 20_000_000_000L, "no wait for a timeout");
                assertEquals(0, doms.dom1.grantTable().inUse(), "grants ended after " + c[0] + " = " + c[1]);
            } finally {
                b.close();
            }
        }
    }
}
