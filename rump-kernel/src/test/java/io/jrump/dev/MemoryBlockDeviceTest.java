package io.jrump.dev;

import static io.jrump.dev.TestDisks.assertErrno;
import static io.jrump.dev.TestDisks.pattern;
import static io.jrump.dev.TestDisks.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class MemoryBlockDeviceTest {
    private static final long GIB = 1L << 30;
    private static final int CHUNK = MemoryBlockDevice.CHUNK_SIZE;

    @Test
    void geometry() {
        MemoryBlockDevice dev = new MemoryBlockDevice("m", GIB);
        assertEquals(512, dev.sectorSize());
        assertEquals(GIB, dev.size());
        assertEquals(GIB / 512, dev.sectors());
        assertEquals(false, dev.isReadOnly());
    }

    @Test
    void roundTripAcrossChunkBoundaries() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("m", 4L * CHUNK);
        long sector = CHUNK / 512 - 1; // last sector of chunk 0, through chunk 1, into chunk 2
        byte[] data = pattern(CHUNK + 1024, 1);
        ByteBuffer src = ByteBuffer.wrap(data);
        dev.write(sector, src);
        assertEquals(data.length, src.position(), "write advances the buffer");
        assertArrayEquals(data, read(dev, sector, data.length));
        assertArrayEquals(new byte[512], read(dev, sector - 1, 512), "neighbour untouched");
        assertArrayEquals(new byte[512], read(dev, sector + data.length / 512, 512), "neighbour untouched");
    }

    @Test
    void directBuffersWork() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("m", 1 << 20);
        byte[] data = pattern(4096, 2);
        dev.write(3, ByteBuffer.allocateDirect(4096).put(data).flip());
        ByteBuffer dst = ByteBuffer.allocateDirect(4096);
        dev.read(3, dst);
        byte[] back = new byte[4096];
        dst.flip().get(back);
        assertArrayEquals(data, back);
    }

    @Test
    void aNewDiskReadsZerosAndCostsNothing() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("m", GIB);
        assertArrayEquals(new byte[8192], read(dev, GIB / 512 - 16, 8192));
        assertEquals(0, dev.allocatedBytes());
    }

    @Test
    void onlyWrittenChunksAreAllocated() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("m", GIB);
        dev.write(12345, ByteBuffer.wrap(pattern(512, 3)));
        assertEquals(CHUNK, dev.allocatedBytes());
        dev.write(12346, ByteBuffer.wrap(pattern(512, 4)));
        assertEquals(CHUNK, dev.allocatedBytes(), "same chunk");
        dev.write(GIB / 512 - 1, ByteBuffer.wrap(pattern(512, 5)));
        assertEquals(2L * CHUNK, dev.allocatedBytes());
    }

    @Test
    void writingZerosToAFreshChunkAllocatesNothing() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("m", GIB);
        dev.write(0, ByteBuffer.allocate(4 * CHUNK));
        assertEquals(0, dev.allocatedBytes());
        byte[] mixed = new byte[2 * CHUNK];
        mixed[CHUNK + 7] = 1; // zeros for chunk 0, one byte in chunk 1
        dev.write(0, ByteBuffer.wrap(mixed));
        assertEquals(CHUNK, dev.allocatedBytes());
        assertArrayEquals(mixed, read(dev, 0, mixed.length));
    }

    @Test
    void zerosOverwriteDataInAnAllocatedChunk() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("m", 1 << 20);
        dev.write(0, ByteBuffer.wrap(pattern(512, 6)));
        dev.write(0, ByteBuffer.allocate(512));
        assertArrayEquals(new byte[512], read(dev, 0, 512));
    }

    @Test
    void discardFreesWholeChunksOnly() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("m", 8L * CHUNK);
        byte[] data = pattern(4 * CHUNK, 7);
        dev.write(0, ByteBuffer.wrap(data));
        assertEquals(4L * CHUNK, dev.allocatedBytes());
        int perChunk = CHUNK / 512;
        dev.discard(perChunk / 2, 2L * perChunk); // half of chunk 0, all of chunk 1, half of chunk 2
        assertEquals(3L * CHUNK, dev.allocatedBytes());
        assertArrayEquals(new byte[CHUNK], read(dev, perChunk, CHUNK));
        byte[] chunk0 = read(dev, 0, CHUNK);
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 0, CHUNK), chunk0, "partly discarded chunk kept");
        assertThrows(ErrnoException.class, () -> dev.discard(7L * perChunk, perChunk + 1));
    }

    @Test
    void transfersOutsideTheDeviceAreEinval() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("m", 16 * 512);
        assertErrno(Errno.EINVAL, () -> dev.read(-1, ByteBuffer.allocate(512)));
        assertErrno(Errno.EINVAL, () -> dev.read(16, ByteBuffer.allocate(512)));
        assertErrno(Errno.EINVAL, () -> dev.read(15, ByteBuffer.allocate(1024)));
        assertErrno(Errno.EINVAL, () -> dev.write(17, ByteBuffer.allocate(0)));
        assertErrno(Errno.EINVAL, () -> dev.write(Long.MAX_VALUE, ByteBuffer.allocate(512)));
        assertErrno(Errno.EINVAL, () -> dev.read(0, ByteBuffer.allocate(100)));
        assertErrno(Errno.EINVAL, () -> dev.write(0, ByteBuffer.allocate(513)));
        dev.read(16, ByteBuffer.allocate(0)); // empty, at the end: allowed
        dev.read(15, ByteBuffer.allocate(512));
    }

    @Test
    void aRejectedTransferDoesNotMoveTheBuffer() {
        MemoryBlockDevice dev = new MemoryBlockDevice("m", 16 * 512);
        ByteBuffer buf = ByteBuffer.allocate(1024);
        assertThrows(ErrnoException.class, () -> dev.read(15, buf));
        assertEquals(0, buf.position());
    }

    @Test
    void largerSectors() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("m", 1 << 20, 4096);
        assertEquals(256, dev.sectors());
        assertErrno(Errno.EINVAL, () -> dev.write(0, ByteBuffer.allocate(512)));
        byte[] data = pattern(8192, 8);
        dev.write(255 - 1, ByteBuffer.wrap(data));
        assertArrayEquals(data, read(dev, 254, 8192));
    }

    @Test
    void badGeometryIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new MemoryBlockDevice("m", 0));
        assertThrows(IllegalArgumentException.class, () -> new MemoryBlockDevice("m", 1000));
        assertThrows(IllegalArgumentException.class, () -> new MemoryBlockDevice("m", 4096, 1000));
        assertThrows(IllegalArgumentException.class, () -> new MemoryBlockDevice("m", 4096, 256));
    }

    @Test
    void aClosedDeviceIsEnxioAndFreed() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("m", 1 << 20);
        dev.write(0, ByteBuffer.wrap(pattern(512, 9)));
        dev.close();
        assertEquals(0, dev.allocatedBytes());
        assertErrno(Errno.ENXIO, () -> dev.read(0, ByteBuffer.allocate(512)));
        assertErrno(Errno.ENXIO, () -> dev.write(0, ByteBuffer.allocate(512)));
        assertErrno(Errno.ENXIO, dev::flush);
        dev.close(); // again: nothing
    }

    @Test
    void concurrentWritersAndReadersSeeWholeWrites() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("m", 64L * CHUNK);
        int threads = 4;
        int sectorsPerThread = 64 * CHUNK / 512 / threads;
        TestDisks.inParallel(threads, id -> {
            for (int i = 0; i < sectorsPerThread; i += 8) {
                long sector = (long) i * threads + id * 8L; // interleaved 4 KiB stripes
                byte[] data = pattern(4096, sector);
                dev.write(sector, ByteBuffer.wrap(data));
                assertArrayEquals(data, read(dev, sector, 4096));
            }
        });
        for (long sector = 0; sector < 64L * CHUNK / 512; sector += 8) {
            assertArrayEquals(pattern(4096, sector), read(dev, sector, 4096), "sector " + sector);
        }
    }
}
