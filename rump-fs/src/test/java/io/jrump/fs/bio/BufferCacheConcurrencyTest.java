package io.jrump.fs.bio;

import static io.jrump.fs.bio.GatedBlockDevice.PATIENCE_SECONDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.dev.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The buffer cache under concurrent use: a device read in flight holds up only readers of its
 * own block, two readers of one block share one device read (and its error), and write-back
 * neither loses an edit that races it nor lets a block being written be read stale.
 */
class BufferCacheConcurrencyTest {
    private static final int BS = 1024;
    private static final int SECTORS_PER_BLOCK = BS / 512;

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static byte[] pattern(int seed) {
        byte[] b = new byte[BS];
        for (int i = 0; i < BS; i++) {
            b[i] = (byte) (seed * 13 + i);
        }
        return b;
    }

    private static MemoryBlockDevice patterned(int blocks) throws ErrnoException {
        MemoryBlockDevice mem = new MemoryBlockDevice((long) blocks * BS);
        for (int i = 0; i < blocks; i++) {
            mem.write((long) i * SECTORS_PER_BLOCK, ByteBuffer.wrap(pattern(i)));
        }
        return mem;
    }

    private static byte[] onDisk(MemoryBlockDevice dev, long block) throws ErrnoException {
        ByteBuffer b = ByteBuffer.allocate(BS);
        dev.read(block * SECTORS_PER_BLOCK, b);
        return b.array();
    }

    private static <T> T within(Future<T> f, String what) throws Exception {
        try {
            return f.get(PATIENCE_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return fail(what + " did not finish while another thread's device request was held");
        }
    }

    private static void awaitEntered(GatedBlockDevice dev) throws InterruptedException {
        assertTrue(dev.entered.await(PATIENCE_SECONDS, TimeUnit.SECONDS), "the held device request never started");
    }

    /** Waits until {@code t} parks (waiting for the read in flight, not for a lock or the device's gate). */
    private static void awaitParked(Thread[] t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
        while (t[0] == null || t[0].getState() != Thread.State.WAITING) {
            if (System.nanoTime() > deadline) {
                fail("the second reader never waited for the first one's read: " + (t[0] == null ? "not started" : t[0].getState()));
            }
            Thread.sleep(1);
        }
    }

    private Callable<byte[]> reader(BufferCache c, long block, Thread[] self) {
        return () -> {
            self[0] = Thread.currentThread();
            try (Buf b = c.read(block)) {
                return b.array().clone();
            }
        };
    }

    @Test
    void aReadOfAnotherBlockProceedsWhileOneIsInTheDevice() throws Exception {
        GatedBlockDevice dev = new GatedBlockDevice(patterned(256));
        BufferCache c = new BufferCache(dev, BS, 1 << 20, true);
        dev.holdReadAt(5 * SECTORS_PER_BLOCK, false);
        Future<byte[]> slow = pool.submit(reader(c, 5, new Thread[1]));
        awaitEntered(dev);
        byte[] other = within(pool.submit(reader(c, 90, new Thread[1])), "reading block 90");
        assertArrayEquals(pattern(90), other);
        ByteBuffer run = ByteBuffer.allocate(4 * BS);
        within(pool.submit(() -> {
            c.readBlocks(40, 4, run);
            return null;
        }), "a run read of blocks 40-43");
        assertArrayEquals(pattern(41), Arrays.copyOfRange(run.array(), BS, 2 * BS));
        assertTrue(!slow.isDone(), "the held read is still in the device");
        dev.gate.countDown();
        assertArrayEquals(pattern(5), within(slow, "the held read"));
    }

    @Test
    void twoReadersOfOneBlockShareOneDeviceRead() throws Exception {
        GatedBlockDevice dev = new GatedBlockDevice(patterned(256));
        BufferCache c = new BufferCache(dev, BS, 1 << 20, true);
        dev.holdReadAt(7 * SECTORS_PER_BLOCK, false);
        Future<byte[]> first = pool.submit(reader(c, 7, new Thread[1]));
        awaitEntered(dev);
        Thread[] second = new Thread[1];
        Future<byte[]> again = pool.submit(reader(c, 7, second));
        awaitParked(second);
        dev.gate.countDown();
        assertArrayEquals(pattern(7), within(first, "the first reader"));
        assertArrayEquals(pattern(7), within(again, "the second reader"));
        assertEquals(1, dev.readsAt(7 * SECTORS_PER_BLOCK), "one device read for both readers");
        try (Buf a = c.read(7); Buf b = c.read(7)) {
            assertSame(a, b, "one buffer for the block");
        }
        assertEquals(1, dev.readsAt(7 * SECTORS_PER_BLOCK), "and later readers hit the cache");
    }

    @Test
    void aFailedReadFailsItsWaitersAndIsNotCached() throws Exception {
        GatedBlockDevice dev = new GatedBlockDevice(patterned(256));
        BufferCache c = new BufferCache(dev, BS, 1 << 20, true);
        dev.holdReadAt(9 * SECTORS_PER_BLOCK, true);
        Future<byte[]> first = pool.submit(reader(c, 9, new Thread[1]));
        awaitEntered(dev);
        Thread[] second = new Thread[1];
        Future<byte[]> again = pool.submit(reader(c, 9, second));
        awaitParked(second);
        dev.gate.countDown();
        for (Future<byte[]> f : Arrays.asList(first, again)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(PATIENCE_SECONDS, TimeUnit.SECONDS));
            ErrnoException cause = (ErrnoException) e.getCause();
            assertEquals(Errno.EIO, cause.errno());
            assertTrue(cause.getMessage().contains("block 9"), cause.getMessage());
        }
        assertEquals(1, dev.readsAt(9 * SECTORS_PER_BLOCK), "the waiter took the error instead of reading again");
        dev.holdReadAt(-1, false);
        try (Buf b = c.read(9)) {
            assertArrayEquals(pattern(9), b.array(), "the failed read left nothing in the cache");
        }
        assertEquals(2, dev.readsAt(9 * SECTORS_PER_BLOCK));
    }

    @Test
    void anEditDuringWriteBackIsWrittenByTheNextFlush() throws Exception {
        MemoryBlockDevice mem = patterned(256);
        GatedBlockDevice dev = new GatedBlockDevice(mem);
        BufferCache c = new BufferCache(dev, BS, 1 << 20, false);
        Buf held = c.read(3);
        System.arraycopy(pattern(100), 0, held.array(), 0, BS);
        held.markDirty();
        dev.holdWrites();
        Future<Object> flushing = pool.submit(() -> {
            c.flush();
            return null;
        });
        awaitEntered(dev);
        // the write-back has taken its copy and is in the device: change the block again
        System.arraycopy(pattern(101), 0, held.array(), 0, BS);
        held.markDirty();
        assertArrayEquals(pattern(60), within(pool.submit(reader(c, 60, new Thread[1])), "a read during write-back"));
        dev.gate.countDown();
        within(flushing, "the first flush");
        held.close();
        c.flush();
        assertArrayEquals(pattern(101), onDisk(mem, 3), "the edit made during the first write-back reached the disk");
    }

    @Test
    void aBlockBeingWrittenIsNotEvictedAndReadStale() throws Exception {
        MemoryBlockDevice mem = patterned(1024);
        GatedBlockDevice dev = new GatedBlockDevice(mem);
        BufferCache c = new BufferCache(dev, BS, BufferCache.MIN_LIMIT, false);
        try (Buf b = c.read(3)) {
            System.arraycopy(pattern(200), 0, b.array(), 0, BS);
            b.markDirty();
        }
        dev.holdWrites();
        Future<Object> flushing = pool.submit(() -> {
            c.flush();
            return null;
        });
        awaitEntered(dev);
        int many = (int) (BufferCache.MIN_LIMIT / BS) * 3;
        within(pool.submit(() -> {
            for (int i = 0; i < many; i++) {
                try (Buf b = c.read(500 + 2 * i)) {
                    assertArrayEquals(pattern(500 + 2 * i), b.array());
                }
            }
            try (Buf b = c.read(3)) {
                return b.array().clone();
            }
        }), "reads that push every other block out");
        try (Buf b = c.read(3)) {
            assertArrayEquals(pattern(200), b.array(), "the block in write-back stayed cached with its new bytes");
        }
        assertEquals(0, dev.readsAt(3 * SECTORS_PER_BLOCK) - 1, "block 3 was read from the device only the first time");
        dev.gate.countDown();
        within(flushing, "the flush");
        assertArrayEquals(pattern(200), onDisk(mem, 3));
    }
}
