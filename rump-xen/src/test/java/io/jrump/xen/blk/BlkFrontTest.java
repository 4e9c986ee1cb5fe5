package io.jrump.xen.blk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.dev.FaultInjectingBlockDevice;
import io.jrump.dev.MemoryBlockDevice;
import io.jrump.xen.testing.TwoDomains;
import io.jrump.xen.xenbus.XenbusState;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** blkfront against the emulated platform's blkback: domain 0 serves a memory disk to domain 1. */
class BlkFrontTest {
    static final long SIZE = 8L << 20;
    static final int DEVID = 51712; // xvda

    private TwoDomains doms;
    private final List<AutoCloseable> closeLast = new ArrayList<>();

    @BeforeEach
    void boot() throws ErrnoException {
        doms = new TwoDomains(1024);
    }

    @AfterEach
    void shutdown() throws Exception {
        for (AutoCloseable c : closeLast) {
            c.close();
        }
        doms.close();
    }

    private BlkBackend serve(BlockDevice disk) throws ErrnoException {
        BlkBackend b = BlkBackend.create(doms.xs0, doms.dom0, 1, DEVID, disk);
        closeLast.add(0, b);
        return b;
    }

    private BlkFront front(BlkBackend b, Duration timeout) throws ErrnoException {
        return BlkFront.connect(doms.xs1, doms.dom1, b.frontendPath(), timeout);
    }

    @Test
    void connectsAndMovesDataBothWays() throws Exception {
        MemoryBlockDevice disk = new MemoryBlockDevice(SIZE);
        BlkBackend back = serve(disk);
        try (BlkFront f = front(back, Duration.ofSeconds(30))) {
            assertEquals(SIZE, f.size());
            assertEquals(512, f.sectorSize());
            assertEquals(List.of("flush", "discard"), f.features());
            assertEquals("4", doms.xs0.read(back.frontendPath() + "/state"));
            assertEquals("4", doms.xs0.read(back.backendPath() + "/state"));
            Random r = new Random(14);
            // one sector, exactly one request of 11 pages, one more than that, 1 MiB across many requests at an odd sector
            int[][] cases = {{0, 512}, {8, 11 * 4096}, {100, 11 * 4096 + 512}, {3, 1 << 20}, {(int) (SIZE / 512) - 1, 512}};
            for (int[] c : cases) {
                byte[] data = new byte[c[1]];
                r.nextBytes(data);
                f.write(c[0], ByteBuffer.wrap(data));
                ByteBuffer onDisk = ByteBuffer.allocate(c[1]);
                disk.read(c[0], onDisk);
                assertArrayEquals(data, onDisk.array(), "written through blkfront at sector " + c[0]);
                ByteBuffer back2 = ByteBuffer.allocateDirect(c[1]);
                f.read(c[0], back2);
                assertEquals(c[1], back2.position());
                byte[] got = new byte[c[1]];
                back2.flip().get(got);
                assertArrayEquals(data, got, "read through blkfront at sector " + c[0]);
            }
            assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> f.read(SIZE / 512, ByteBuffer.allocate(512))).errno());
            assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> f.read(0, ByteBuffer.allocate(100))).errno());
        }
        assertEquals("6", doms.xs0.read(back.frontendPath() + "/state"), "frontend Closed");
        assertEquals("6", doms.xs0.read(back.backendPath() + "/state"), "backend followed to Closed");
        assertEquals(0, doms.dom1.grantTable().inUse(), "every grant ended");
    }

    @Test
    void manyRequestsInFlightFromManyThreads() throws Exception {
        MemoryBlockDevice disk = new MemoryBlockDevice(SIZE);
        try (BlkFront f = front(serve(disk), Duration.ofSeconds(60))) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> all = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    all.add(pool.submit(() -> {
                        Random r = new Random(thread);
                        long base = thread * (SIZE / 8) / 512;
                        for (int i = 0; i < 40; i++) {
                            int len = (1 + r.nextInt(64)) * 4096;
                            long sector = base + r.nextInt((int) ((SIZE / 8 - len) / 512));
                            byte[] data = new byte[len];
                            r.nextBytes(data);
                            f.write(sector, ByteBuffer.wrap(data));
                            ByteBuffer got = ByteBuffer.allocate(len);
                            f.read(sector, got);
                            assertArrayEquals(data, got.array());
                        }
                        return null;
                    }));
                }
                for (Future<?> x : all) {
                    x.get();
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void flushAndDiscardReachTheDisk() throws Exception {
        FaultInjectingBlockDevice disk = new FaultInjectingBlockDevice(new MemoryBlockDevice(SIZE));
        try (BlkFront f = front(serve(disk), Duration.ofSeconds(30))) {
            byte[] ones = new byte[1 << 20];
            java.util.Arrays.fill(ones, (byte) 1);
            f.write(0, ByteBuffer.wrap(ones));
            long before = disk.flushes();
            f.flush();
            assertEquals(before + 1, disk.flushes());
            f.discard(0, (1 << 20) / 512);
            ByteBuffer got = ByteBuffer.allocate(1 << 20);
            f.read(0, got);
            assertEquals(0, got.get(0), "discarded chunk reads as zeros (memory disk)");
        }
    }

    @Test
    void backendErrorIsEioAndTheDeviceStaysUsable() throws Exception {
        FaultInjectingBlockDevice disk = new FaultInjectingBlockDevice(new MemoryBlockDevice(SIZE));
        try (BlkFront f = front(serve(disk), Duration.ofSeconds(30))) {
            disk.failRead(1);
            ErrnoException e = assertThrows(ErrnoException.class, () -> f.read(0, ByteBuffer.allocate(4096)));
            assertEquals(Errno.EIO, e.errno());
            assertTrue(e.getMessage().contains("backend status -1"), e.getMessage());
            disk.failWrite(1);
            assertEquals(Errno.EIO, assertThrows(ErrnoException.class, () -> f.write(0, ByteBuffer.allocate(4096))).errno());
            f.read(0, ByteBuffer.allocate(4096));
            assertNull(f.disconnectedReason());
        }
    }

    @Test
    void readOnlyDiskRefusesWrites() throws Exception {
        MemoryBlockDevice mem = new MemoryBlockDevice(SIZE);
        BlockDevice ro = new ReadOnly(mem);
        try (BlkFront f = front(serve(ro), Duration.ofSeconds(30))) {
            assertTrue(f.isReadOnly());
            assertEquals(Errno.EROFS, assertThrows(ErrnoException.class, () -> f.write(0, ByteBuffer.allocate(512))).errno());
            f.read(0, ByteBuffer.allocate(512));
        }
    }

    @Test
    void backendClosingDisconnectsWithEio() throws Exception {
        MemoryBlockDevice disk = new MemoryBlockDevice(SIZE);
        BlkBackend back = serve(disk);
        BlkFront f = front(back, Duration.ofSeconds(30));
        f.read(0, ByteBuffer.allocate(512));
        doms.xs0.write(back.backendPath() + "/state", XenbusState.CLOSING.text());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (f.disconnectedReason() == null && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertNotNull(f.disconnectedReason());
        ErrnoException e = assertThrows(ErrnoException.class, () -> f.read(0, ByteBuffer.allocate(512)));
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("backend went CLOSING"), e.getMessage());
        f.close();
    }

    @Test
    void missingBackendTimesOutAtConnect() throws Exception {
        doms.xs0.write("/local/domain/1/device/vbd/5/backend", "/local/domain/0/backend/vbd/1/5");
        doms.xs0.write("/local/domain/1/device/vbd/5/backend-id", "0");
        // no backend state ever appears: connect waits its 30 s deadline only if we let it; a Closed backend fails at once
        doms.xs0.write("/local/domain/0/backend/vbd/1/5/state", "6");
        ErrnoException e = assertThrows(ErrnoException.class, () -> BlkFront.connect(doms.xs1, doms.dom1, "/local/domain/1/device/vbd/5", Duration.ofSeconds(1)));
        assertEquals(Errno.ENODEV, e.errno());
        assertEquals(0, doms.dom1.grantTable().inUse());
    }

    /** A disk that says it is read-only. */
    static final class ReadOnly implements BlockDevice {
        private final BlockDevice inner;

        ReadOnly(BlockDevice inner) {
            this.inner = inner;
        }

        @Override
        public int sectorSize() {
            return inner.sectorSize();
        }

        @Override
        public long size() {
            return inner.size();
        }

        @Override
        public boolean isReadOnly() {
            return true;
        }

        @Override
        public void read(long sector, ByteBuffer dst) throws ErrnoException {
            inner.read(sector, dst);
        }

        @Override
        public void write(long sector, ByteBuffer src) throws ErrnoException {
            throw new ErrnoException(Errno.EROFS);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() throws ErrnoException {
            inner.close();
        }
    }
}
