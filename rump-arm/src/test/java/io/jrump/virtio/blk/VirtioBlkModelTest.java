package io.jrump.virtio.blk;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.virtio.DmaPool;
import io.jrump.virtio.GuestMemory;
import io.jrump.virtio.mmio.MmioTransport;
import io.jrump.virtio.model.BlockModel;
import io.jrump.virtio.model.Fault;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** virtio-blk over virtio-mmio against the in-process block model: data, commands, limits, and broken devices. */
class VirtioBlkModelTest {
    private static final int DISK = 8 << 20;
    private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);
    private final List<AutoCloseable> open = new ArrayList<>();

    private BlockModel model;
    private DmaPool dma;

    private VirtioBlk boot(int version, boolean readOnly, int blkSize, long timeout) throws ErrnoException {
        GuestMemory mem = GuestMemory.allocate(0x4000_0000L, 4 << 20);
        model = new BlockModel(mem, version, ByteBuffer.allocate(DISK), readOnly, blkSize, "jrump-model-disk");
        open.add(model);
        dma = new DmaPool(mem);
        VirtioBlk blk = VirtioBlk.open(MmioTransport.open(model, dma, "virtio-mmio@model"), "vda", timeout);
        open.add(blk);
        return blk;
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private static ByteBuffer random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return ByteBuffer.wrap(b);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void writesReadBackAtEveryOffsetAndSize(int version) throws Exception {
        VirtioBlk blk = boot(version, false, 512, TIMEOUT);
        assertEquals(DISK, blk.size());
        assertEquals(512, blk.sectorSize());
        assertEquals(BlockModel.SEG_MAX, blk.segMax());
        assertEquals(BlockModel.SIZE_MAX, blk.sizeMax());
        Random rnd = new Random(42);
        for (int i = 0; i < 40; i++) {
            int sectors = 1 + rnd.nextInt(i % 5 == 0 ? 3000 : 40); // up to 1.5 MiB: split into many requests
            long sector = rnd.nextInt(DISK / 512 - sectors);
            ByteBuffer data = random(sectors * 512, i);
            blk.write(sector, data.duplicate());
            ByteBuffer back = ByteBuffer.allocate(sectors * 512);
            blk.read(sector, back);
            assertFalse(back.hasRemaining());
            assertEquals(data.rewind(), back.flip(), "transfer " + i + ": " + sectors + " sectors at " + sector);
            assertEquals(data.rewind(), model.disk().position((int) sector * 512).limit((int) (sector + sectors) * 512));
        }
    }

    @Test
    void commandsAndConfiguration() throws Exception {
        VirtioBlk blk = boot(2, false, 4096, TIMEOUT);
        assertEquals(4096, blk.sectorSize());
        assertEquals(DISK / 4096, blk.sectors());
        assertEquals("jrump-model-disk", blk.id());
        blk.flush();
        assertEquals(1, model.flushes());
        blk.write(10, random(4096 * 3, 1));
        blk.discard(10, 1);
        blk.writeZeroes(12, 1);
        ByteBuffer back = ByteBuffer.allocate(4096 * 3);
        blk.read(10, back);
        ByteBuffer expected = random(4096 * 3, 1);
        for (int i = 0; i < 4096; i++) {
            expected.put(i, (byte) 0);
            expected.put(2 * 4096 + i, (byte) 0);
        }
        assertEquals(expected, back.flip());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> blk.read(0, ByteBuffer.allocate(512))).errno());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> blk.read(DISK / 4096, ByteBuffer.allocate(4096))).errno());
    }

    @Test
    void readOnlyDeviceRefusesWrites() throws Exception {
        VirtioBlk blk = boot(2, true, 512, TIMEOUT);
        assertTrue(blk.isReadOnly());
        assertEquals(Errno.EROFS, assertThrows(ErrnoException.class, () -> blk.write(0, ByteBuffer.allocate(512))).errno());
        blk.read(0, ByteBuffer.allocate(512));
    }

    @Test
    void manyRequestsInFlight() throws Exception {
        VirtioBlk blk = boot(2, false, 512, TIMEOUT);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int id = t;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        long sector = id * 1024L + (i % 8) * 16;
                        ByteBuffer data = random(8192, id * 1000 + i);
                        blk.write(sector, data.duplicate());
                        ByteBuffer back = ByteBuffer.allocate(8192);
                        blk.read(sector, back);
                        assertEquals(data.rewind(), back.flip());
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(model.maxInFlightSeen() > 1, "the device saw several requests at once: " + model.maxInFlightSeen());
    }

    /**
     * A shared buffer goes to the device in place: with the shared memory used up but for a
     * request header, a transfer through a shared buffer still works, while the same transfer
     * through a heap buffer needs bounce memory and fails.
     */
    @Test
    void sharedBufferNeedsNoBounceMemory() throws Exception {
        VirtioBlk blk = boot(2, false, 512, TimeUnit.MILLISECONDS.toNanos(300));
        ByteBuffer shared = blk.sharedBuffer(256 * 1024);
        ByteBuffer data = random(256 * 1024, 77);
        shared.put(data.duplicate()).flip();
        blk.write(64, shared);
        assertFalse(shared.hasRemaining(), "the whole buffer was written");
        List<Long> hogs = new ArrayList<>();
        try {
            while (dma.memory().size() / DmaPool.PAGE - dma.pagesInUse() > 1) {
                hogs.add(dma.alloc(DmaPool.PAGE)); // leave one page: room for a header, none for data
            }
            ByteBuffer back = shared.clear();
            for (int i = 0; i < back.capacity(); i++) {
                back.put(i, (byte) 0);
            }
            blk.read(64, back);
            assertEquals(data.rewind(), back.flip(), "read in place into the shared buffer");
            ErrnoException e = assertThrows(ErrnoException.class, () -> blk.read(64, ByteBuffer.allocate(256 * 1024)));
            assertEquals(Errno.ENOMEM, e.errno(), e.getMessage());
        } finally {
            for (long h : hogs) {
                dma.free(h, DmaPool.PAGE);
            }
        }
        ByteBuffer heap = ByteBuffer.allocate(256 * 1024);
        blk.read(64, heap);
        assertEquals(data.rewind(), heap.flip(), "what the shared buffer wrote is on the disk");
        blk.releaseSharedBuffer(shared);
        assertThrows(IllegalArgumentException.class, () -> blk.releaseSharedBuffer(ByteBuffer.allocateDirect(512)));
    }

    @Test
    void deviceErrorIsEioAndTheDeviceStaysUsable() throws Exception {
        VirtioBlk blk = boot(2, false, 512, TIMEOUT);
        int idle = dma.pagesInUse();
        model.fault(Fault.IO_ERROR);
        ErrnoException e = assertThrows(ErrnoException.class, () -> blk.read(0, ByteBuffer.allocate(512)));
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("I/O error"), e.getMessage());
        // a transfer of many requests failing at the first: the others' buffers come back too
        assertThrows(ErrnoException.class, () -> blk.read(0, ByteBuffer.allocate(4 << 20)));
        assertEquals(idle, dma.pagesInUse(), "no shared memory lost to failed requests");
        model.fault(Fault.NONE);
        blk.read(0, ByteBuffer.allocate(512));
    }

    /**
     * A transfer split into several requests in flight together (1 MiB through bounce buffers
     * goes as four of 256 KiB) whose middle request fails: the whole read fails with EIO and
     * reports nothing read (the buffer's position stays), the whole write fails too rather than
     * report the pieces that landed, every bounce buffer comes back, and the device stays usable.
     */
    @Test
    void splitTransferFailingInTheMiddleFailsWhole() throws Exception {
        VirtioBlk blk = boot(2, false, 512, TIMEOUT);
        int idle = dma.pagesInUse();
        ByteBuffer data = random(1 << 20, 5);
        blk.write(0, data.duplicate());
        model.badSector(600); // in the second 256 KiB request (sectors 512..1023)
        ByteBuffer back = ByteBuffer.allocate(1 << 20);
        ErrnoException e = assertThrows(ErrnoException.class, () -> blk.read(0, back));
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("read") && e.getMessage().contains("I/O error"), e.getMessage());
        assertEquals(0, back.position(), "a failed read reports nothing read");
        ByteBuffer other = random(1 << 20, 6);
        ErrnoException w = assertThrows(ErrnoException.class, () -> blk.write(0, other));
        assertEquals(Errno.EIO, w.errno());
        assertEquals(0, other.position(), "a failed write reports nothing written");
        assertEquals(idle, dma.pagesInUse(), "every request's bounce buffer came back");
        model.badSector(-1);
        blk.read(0, back.clear());
        assertEquals(0, back.position() - (1 << 20), "the device stays usable");
        ByteBuffer head = back.flip().slice(0, 512 * 512);
        assertEquals(other.rewind().slice(0, 512 * 512), head, "the pieces before the bad one were written");
    }

    /** The same through a shared buffer, whose transfers go in requests of 1 MiB, in place. */
    @Test
    void splitTransferThroughSharedBufferFailingInTheMiddleFailsWhole() throws Exception {
        VirtioBlk blk = boot(2, false, 512, TIMEOUT);
        int bytes = 5 << 19; // 2.5 MiB: requests of 1 MiB, 1 MiB and 0.5 MiB
        ByteBuffer shared = blk.sharedBuffer(bytes);
        shared.put(random(bytes, 8)).flip();
        blk.write(0, shared);
        model.badSector(2048 + 100); // in the second request
        ErrnoException e = assertThrows(ErrnoException.class, () -> blk.read(0, shared.clear()));
        assertEquals(Errno.EIO, e.errno());
        assertEquals(0, shared.position(), "a failed read reports nothing read");
        ErrnoException w = assertThrows(ErrnoException.class, () -> blk.write(0, shared.clear()));
        assertEquals(Errno.EIO, w.errno());
        assertEquals(0, shared.position(), "a failed write reports nothing written");
        model.badSector(-1);
        blk.read(0, shared.clear());
        assertEquals(random(bytes, 8), shared.flip());
        blk.releaseSharedBuffer(shared);
    }

    @Test
    void deviceThatStopsAnsweringTimesOutWithEio() throws Exception {
        VirtioBlk blk = boot(2, false, 512, TimeUnit.MILLISECONDS.toNanos(300));
        model.fault(Fault.STOP_ANSWERING);
        ErrnoException e = assertThrows(ErrnoException.class, () -> blk.write(0, ByteBuffer.allocate(4096)));
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("no answer"), e.getMessage());
        model.fault(Fault.NONE);
        ErrnoException later = assertThrows(ErrnoException.class, () -> blk.read(0, ByteBuffer.allocate(512)));
        assertEquals(Errno.EIO, later.errno(), "a disconnected device stays disconnected");
    }

    @ParameterizedTest
    @ValueSource(strings = {"USED_IDX_JUMP", "UNKNOWN_ID", "LENGTH_PAST_BUFFER"})
    void protocolBreakDisconnectsWithEio(String fault) throws Exception {
        VirtioBlk blk = boot(2, false, 512, TIMEOUT);
        blk.read(0, ByteBuffer.allocate(512));
        model.fault(Fault.valueOf(fault));
        long start = System.nanoTime();
        ErrnoException e = assertThrows(ErrnoException.class, () -> blk.read(0, ByteBuffer.allocate(512)));
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("disconnected"), e.getMessage());
        assertTrue(System.nanoTime() - start < TIMEOUT, "failed at once, not by the timeout");
        assertNotNull(blk.disconnectReason());
        assertEquals(Errno.EIO, assertThrows(ErrnoException.class, blk::flush).errno());
    }
}
