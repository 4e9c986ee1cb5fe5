package io.jrump.fs.bio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.dev.FaultInjectingBlockDevice;
import io.jrump.dev.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;
import io.jrump.fs.ext2.disk.Crc32c;
import org.junit.jupiter.api.Test;

/** The buffer cache: write-back only on flush or pressure, the memory bound, run I/O agreeing with cached copies, read-only refusal. */
class BufferCacheTest {
    private static final int BS = 1024;

    private static byte[] pattern(int seed) {
        byte[] b = new byte[BS];
        for (int i = 0; i < BS; i++) {
            b[i] = (byte) (seed * 7 + i);
        }
        return b;
    }

    private static byte[] onDisk(MemoryBlockDevice dev, long block) throws ErrnoException {
        ByteBuffer b = ByteBuffer.allocate(BS);
        dev.read(block * (BS / dev.sectorSize()), b);
        return b.array();
    }

    @Test
    void changesReachTheDiskOnlyWhenFlushed() throws Exception {
        MemoryBlockDevice mem = new MemoryBlockDevice(1 << 20);
        FaultInjectingBlockDevice dev = new FaultInjectingBlockDevice(mem);
        BufferCache c = new BufferCache(dev, BS, 1 << 20, false);
        try (Buf b = c.read(5)) {
            System.arraycopy(pattern(5), 0, b.array(), 0, BS);
            b.markDirty();
        }
        assertEquals(0, dev.writes(), "write-back, not write-through");
        c.flush();
        assertArrayEquals(pattern(5), onDisk(mem, 5));
        assertTrue(dev.flushes() > 0, "flush reaches the device");
    }

    @Test
    void memoryStaysWithinTheLimitAndDirtyBlocksSurviveEviction() throws Exception {
        MemoryBlockDevice mem = new MemoryBlockDevice(4 << 20);
        BufferCache c = new BufferCache(mem, BS, BufferCache.MIN_LIMIT, false);
        for (int i = 0; i < 1000; i++) {
            try (Buf b = c.read(i)) {
                System.arraycopy(pattern(i), 0, b.array(), 0, BS);
                b.markDirty();
            }
            assertTrue(c.memoryUsed() <= BufferCache.MIN_LIMIT, "within the limit: " + c.memoryUsed());
        }
        c.flush();
        for (int i = 0; i < 1000; i += 97) {
            assertArrayEquals(pattern(i), onDisk(mem, i), "block " + i);
            try (Buf b = c.read(i)) {
                assertArrayEquals(pattern(i), b.array());
            }
        }
    }

    @Test
    void runReadsAndWritesSeeCachedCopies() throws Exception {
        MemoryBlockDevice mem = new MemoryBlockDevice(1 << 20);
        BufferCache c = new BufferCache(mem, BS, 1 << 20, false);
        try (Buf b = c.read(11)) {
            System.arraycopy(pattern(11), 0, b.array(), 0, BS);
            b.markDirty();
        }
        ByteBuffer run = ByteBuffer.allocate(4 * BS);
        c.readBlocks(10, 4, run);
        assertArrayEquals(pattern(11), java.util.Arrays.copyOfRange(run.array(), BS, 2 * BS), "a dirty cached block wins over the disk");
        ByteBuffer w = ByteBuffer.allocate(3 * BS);
        w.put(pattern(1)).put(pattern(2)).put(pattern(3)).flip();
        c.writeBlocks(10, w);
        try (Buf b = c.read(11)) {
            assertArrayEquals(pattern(2), b.array(), "the cached copy took the written bytes");
        }
        c.flush();
        assertArrayEquals(pattern(2), onDisk(mem, 11), "and the old dirty copy was not written over them");
    }

    /** Inode-table blocks and data blocks, as a tree walk reads them: each stream keeps its read-ahead. */
    @Test
    void interleavedSequentialStreamsEachGetReadAhead() throws Exception {
        GatedBlockDevice dev = new GatedBlockDevice(new MemoryBlockDevice(4 << 20));
        BufferCache c = new BufferCache(dev, BS, 1 << 20, true);
        int perStream = 200;
        for (int i = 0; i < perStream; i++) {
            for (long start : new long[] {100, 1500, 3000}) {
                try (Buf b = c.read(start + i)) {
                    assertEquals(start + i, b.block());
                }
            }
        }
        assertTrue(dev.reads() < 3 * perStream / 8, "three interleaved streams of " + perStream + " blocks took " + dev.reads() + " device reads");
        int before = dev.reads();
        try (Buf b = c.read(50)) {
            assertEquals(before + 1, dev.reads());
            assertTrue(!c.snapshot().containsKey(51L), "a miss that continues no stream reads no more than its block");
        }
    }

    @Test
    void readOnlyCacheRefusesWrites() throws Exception {
        BufferCache c = new BufferCache(new MemoryBlockDevice(1 << 20), BS, 1 << 20, true);
        try (Buf b = c.read(1)) {
            assertThrows(IllegalStateException.class, b::markDirty);
        }
        assertEquals(Errno.EROFS, assertThrows(ErrnoException.class, () -> c.zeroed(2)).errno());
        assertEquals(Errno.EIO, assertThrows(ErrnoException.class, () -> c.read(1 << 20)).errno(), "beyond the device");
    }

    /** ext4's running crc32c from the ~0 seed is the complement of the JDK's CRC32C. */
    @Test
    void crc32cAgreesWithTheJdk() {
        byte[] data = pattern(3);
        CRC32C jdk = new CRC32C();
        jdk.update(data);
        assertEquals((int) jdk.getValue(), ~Crc32c.update(~0, data, 0, data.length));
    }
}
