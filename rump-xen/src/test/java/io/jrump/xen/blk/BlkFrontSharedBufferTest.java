package io.jrump.xen.blk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.ErrnoException;
import io.jrump.dev.MemoryBlockDevice;
import io.jrump.xen.testing.TwoDomains;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Reads and writes through {@link BlkFront#sharedBuffer}: the backend moves the data in the caller's own granted pages. */
class BlkFrontSharedBufferTest {
    static final long SIZE = 8L << 20;

    enum Backend {
        /** 1 MiB indirect requests. */
        INDIRECT(BlkBackend.Offer.ALL),
        /** 11 segments per request, one ring page. */
        BASIC(BlkBackend.Offer.BASIC);

        final BlkBackend.Offer offer;

        Backend(BlkBackend.Offer offer) {
            this.offer = offer;
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void sharedBufferMovesDataWithoutCopy(Backend which) throws Exception {
        MemoryBlockDevice disk = new MemoryBlockDevice(SIZE);
        try (TwoDomains doms = new TwoDomains(1024)) {
            BlkBackend back = BlkBackend.create(doms.xs0, doms.dom0, 1, BlkFrontTest.DEVID, disk, which.offer);
            try {
                int grantsBefore;
                try (BlkFront f = BlkFront.connect(doms.xs1, doms.dom1, back.frontendPath(), Duration.ofSeconds(30))) {
                    grantsBefore = doms.dom1.grantTable().inUse();
                    ByteBuffer shared = f.sharedBuffer((1 << 20) + 8192);
                    assertEquals(grantsBefore + 258, doms.dom1.grantTable().inUse(), "the buffer's own pages are granted");
                    Random r = new Random(14);
                    // whole pages from the start; 11 pages and a sector from a sector inside a page; 1 MiB crossing page boundaries
                    int[][] cases = {{0, 0, 1 << 20}, {512, 7, 11 * 4096 + 512}, {3584, 100, 1 << 20}};
                    for (int[] c : cases) {
                        byte[] data = new byte[c[2]];
                        r.nextBytes(data);
                        ByteBuffer out = shared.duplicate().position(c[0]).limit(c[0] + c[2]);
                        out.duplicate().put(data);
                        f.write(c[1], out);
                        assertEquals(c[0] + c[2], out.position());
                        ByteBuffer onDisk = ByteBuffer.allocate(c[2]);
                        disk.read(c[1], onDisk);
                        assertArrayEquals(data, onDisk.array(), "written from the shared buffer at " + c[0]);
                        ByteBuffer in = shared.duplicate().position(c[0]).limit(c[0] + c[2]);
                        in.duplicate().put(new byte[c[2]]);
                        f.read(c[1], in);
                        byte[] got = new byte[c[2]];
                        shared.duplicate().position(c[0]).get(got);
                        assertArrayEquals(data, got, "read into the shared buffer at " + c[0]);
                    }
                    assertEquals(0, f.bytesCopied(), "no copy through the pool");
                    f.read(0, ByteBuffer.allocateDirect(8192));
                    f.read(0, shared.duplicate().position(100).limit(100 + 512)); // not at a sector boundary of the buffer: copied
                    assertEquals(8192 + 512, f.bytesCopied(), "a JVM buffer, and an unaligned slice, are copied once");
                    f.releaseSharedBuffer(shared);
                    assertEquals(grantsBefore, doms.dom1.grantTable().inUse(), "its grants ended");
                    assertThrows(IllegalArgumentException.class, () -> f.releaseSharedBuffer(ByteBuffer.allocateDirect(4096)));
                    f.sharedBuffer(4096); // left to close
                }
                assertEquals(0, doms.dom1.grantTable().inUse(), "close ends a buffer still held too");
            } finally {
                back.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void sharedBufferOfNothingIsRefused(Backend which) throws Exception {
        try (TwoDomains doms = new TwoDomains(1024)) {
            BlkBackend back = BlkBackend.create(doms.xs0, doms.dom0, 1, BlkFrontTest.DEVID, new MemoryBlockDevice(SIZE), which.offer);
            try (BlkFront f = BlkFront.connect(doms.xs1, doms.dom1, back.frontendPath(), Duration.ofSeconds(30))) {
                assertThrows(ErrnoException.class, () -> f.sharedBuffer(0));
            } finally {
                back.close();
            }
        }
    }
}
