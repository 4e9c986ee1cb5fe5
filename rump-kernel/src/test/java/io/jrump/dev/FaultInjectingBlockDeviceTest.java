package io.jrump.dev;

import static io.jrump.dev.TestDisks.assertErrno;
import static io.jrump.dev.TestDisks.pattern;
import static io.jrump.dev.TestDisks.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.dev.FaultInjectingBlockDevice.TearMode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaultInjectingBlockDeviceTest {
    private static final int SECTORS = 64;

    private final MemoryBlockDevice disk = new MemoryBlockDevice("disk", SECTORS * 512L);
    private final FaultInjectingBlockDevice dev = new FaultInjectingBlockDevice(disk);

    private static ByteBuffer sectors(int count, long seed) {
        return ByteBuffer.wrap(pattern(count * 512, seed));
    }

    @Test
    void withoutFaultsItIsTheDiskBeneath() throws Exception {
        assertEquals(disk.size(), dev.size());
        assertEquals(512, dev.sectorSize());
        assertFalse(dev.isReadOnly());
        byte[] data = pattern(2048, 1);
        dev.write(3, ByteBuffer.wrap(data));
        dev.flush();
        assertArrayEquals(data, read(dev, 3, 2048));
        assertArrayEquals(data, read(disk, 3, 2048), "writes go through");
        assertEquals(1, dev.reads());
        assertEquals(1, dev.writes());
        assertEquals(1, dev.flushes());
        assertEquals(0, dev.failedReads() + dev.failedWrites() + dev.tornWrites() + dev.droppedWrites() + dev.lostWrites());
    }

    @Test
    void theNthReadFails() throws Exception {
        dev.write(0, sectors(1, 2));
        dev.read(0, ByteBuffer.allocate(512));
        dev.failRead(2);
        dev.read(0, ByteBuffer.allocate(512));
        ByteBuffer dst = ByteBuffer.allocate(512);
        ErrnoException e = assertThrows(ErrnoException.class, () -> dev.read(0, dst));
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("read #3"), e.getMessage());
        assertEquals(0, dst.position(), "a failed read moves no data");
        dev.read(0, ByteBuffer.allocate(512));
        assertEquals(4, dev.reads());
        assertEquals(1, dev.failedReads());
    }

    @Test
    void theNthWriteFailsAndWritesNothing() throws Exception {
        dev.failWrite(2).failWrite(3);
        dev.write(0, sectors(1, 3));
        assertErrno(Errno.EIO, () -> dev.write(1, sectors(1, 4)));
        assertErrno(Errno.EIO, () -> dev.write(2, sectors(1, 5)));
        dev.write(3, sectors(1, 6));
        assertArrayEquals(new byte[1024], read(disk, 1, 1024), "failed writes left no trace");
        assertArrayEquals(pattern(512, 6), read(disk, 3, 512));
        assertEquals(4, dev.writes());
        assertEquals(2, dev.failedWrites());
    }

    @Test
    void aTornWriteKeepsWholeSectorsThenFails() throws Exception {
        byte[] before = pattern(4 * 512, 7);
        dev.write(8, ByteBuffer.wrap(before));
        dev.tearWrite(1, 2 * 512, TearMode.FAIL);
        byte[] after = pattern(4 * 512, 8);
        assertErrno(Errno.EIO, () -> dev.write(8, ByteBuffer.wrap(after)));
        byte[] now = read(disk, 8, 4 * 512);
        assertArrayEquals(Arrays.copyOfRange(after, 0, 1024), Arrays.copyOfRange(now, 0, 1024), "the head reached the disk");
        assertArrayEquals(Arrays.copyOfRange(before, 1024, 2048), Arrays.copyOfRange(now, 1024, 2048), "the tail did not");
        assertEquals(1, dev.tornWrites());
        assertEquals(1, dev.failedWrites());
    }

    @Test
    void aSilentlyTornWriteCanSplitASector() throws Exception {
        byte[] before = pattern(1024, 9);
        dev.write(0, ByteBuffer.wrap(before));
        dev.tearWrite(1, 700, TearMode.SILENT);
        byte[] after = pattern(1024, 10);
        ByteBuffer src = ByteBuffer.wrap(after);
        dev.write(0, src);
        assertEquals(1024, src.position(), "reported as done");
        byte[] now = read(dev, 0, 1024);
        assertArrayEquals(Arrays.copyOfRange(after, 0, 700), Arrays.copyOfRange(now, 0, 700));
        assertArrayEquals(Arrays.copyOfRange(before, 700, 1024), Arrays.copyOfRange(now, 700, 1024));
        assertEquals(1, dev.tornWrites());
        assertEquals(0, dev.failedWrites());
    }

    @Test
    void aTearLongerThanTheWriteWritesItAll() throws Exception {
        dev.tearWrite(1, 1 << 20, TearMode.SILENT);
        dev.write(0, sectors(2, 11));
        assertArrayEquals(pattern(1024, 11), read(disk, 0, 1024));
    }

    @Test
    void aPowerCutLosesExactlyTheUnflushedWrites() throws Exception {
        dev.write(0, sectors(1, 12));
        dev.write(1, sectors(1, 13));
        dev.flush();
        dev.write(0, sectors(1, 14)); // overwrites flushed data: lost
        dev.write(5, sectors(2, 15)); // new data: lost
        dev.cutPower();
        assertTrue(dev.isPowerCut());
        assertArrayEquals(pattern(512, 12), read(dev, 0, 512));
        assertArrayEquals(pattern(512, 13), read(dev, 1, 512));
        assertArrayEquals(new byte[1024], read(dev, 5, 1024));
        assertArrayEquals(pattern(512, 12), read(disk, 0, 512), "the disk beneath was rolled back too");
        assertEquals(2, dev.lostWrites());

        ByteBuffer late = sectors(1, 16);
        dev.write(7, late);
        assertEquals(512, late.position(), "dropped writes look done");
        dev.flush();
        dev.discard(0, 2);
        assertArrayEquals(new byte[512], read(dev, 7, 512));
        assertArrayEquals(pattern(512, 12), read(dev, 0, 512), "discard dropped too");
        assertEquals(1, dev.droppedWrites());

        dev.powerOn();
        dev.write(7, sectors(1, 17));
        assertArrayEquals(pattern(512, 17), read(dev, 7, 512));
    }

    @Test
    void thePowerFailsAfterTheNthWrite() throws Exception {
        dev.cutPowerAfterWrites(3);
        dev.write(0, sectors(1, 18));
        dev.flush();
        dev.write(1, sectors(1, 19));
        assertFalse(dev.isPowerCut());
        dev.write(2, sectors(1, 20));
        assertTrue(dev.isPowerCut(), "cut right after the third write");
        dev.write(3, sectors(1, 21));
        assertArrayEquals(pattern(512, 18), read(dev, 0, 512));
        assertArrayEquals(new byte[3 * 512], read(dev, 1, 3 * 512));
        assertEquals(2, dev.lostWrites());
        assertEquals(1, dev.droppedWrites());
        assertEquals(4, dev.writes());
    }

    @Test
    void aTornWriteBeforeTheCutIsRolledBackToo() throws Exception {
        byte[] flushed = pattern(1024, 22);
        dev.write(0, ByteBuffer.wrap(flushed));
        dev.flush();
        dev.tearWrite(1, 300, TearMode.SILENT).cutPowerAfterWrites(1);
        dev.write(0, sectors(2, 23));
        assertArrayEquals(flushed, read(dev, 0, 1024));
    }

    /**
     * Random writes, flushes and one cut, against a model that remembers only flushed data.
     * The seed is printed on failure; rerun with it to replay the sequence.
     */
    @Test
    void randomSequencesLoseExactlyWhatWasNotFlushed() throws Exception {
        long base = new Random().nextLong();
        for (int round = 0; round < 200; round++) {
            long seed = base + round;
            try {
                randomSequence(seed);
            } catch (AssertionError | Exception e) {
                throw new AssertionError("failed with seed " + seed + ": " + e.getMessage(), e);
            }
        }
    }

    private static void randomSequence(long seed) throws Exception {
        Random rnd = new Random(seed);
        MemoryBlockDevice under = new MemoryBlockDevice("m", SECTORS * 512L);
        FaultInjectingBlockDevice faulty = new FaultInjectingBlockDevice(under);
        Map<Long, byte[]> current = new HashMap<>();
        Map<Long, byte[]> durable = new HashMap<>();
        int ops = 1 + rnd.nextInt(60);
        faulty.cutPowerAfterWrites(rnd.nextInt(ops + 1));
        for (int i = 0; i < ops && !faulty.isPowerCut(); i++) {
            if (rnd.nextInt(5) == 0) {
                faulty.flush();
                durable = new HashMap<>(current);
            } else {
                int count = 1 + rnd.nextInt(4);
                long sector = rnd.nextInt(SECTORS - count + 1);
                byte[] data = pattern(count * 512, rnd.nextLong());
                faulty.write(sector, ByteBuffer.wrap(data));
                for (int s = 0; s < count; s++) {
                    current.put(sector + s, Arrays.copyOfRange(data, s * 512, (s + 1) * 512));
                }
            }
        }
        Map<Long, byte[]> expected = faulty.isPowerCut() ? durable : current;
        for (long s = 0; s < SECTORS; s++) {
            byte[] want = expected.getOrDefault(s, new byte[512]);
            assertArrayEquals(want, read(faulty, s, 512), "sector " + s);
        }
    }

    @Test
    void badRequestsAreRefusedBeforeTheyCount() throws Exception {
        dev.failRead(1).failWrite(1);
        assertErrno(Errno.EINVAL, () -> dev.read(SECTORS, ByteBuffer.allocate(512)));
        assertErrno(Errno.EINVAL, () -> dev.write(0, ByteBuffer.allocate(100)));
        assertErrno(Errno.EINVAL, () -> dev.discard(SECTORS - 1, 2));
        assertEquals(0, dev.reads());
        assertEquals(0, dev.writes());
        assertErrno(Errno.EIO, () -> dev.read(0, ByteBuffer.allocate(512)));
        assertErrno(Errno.EIO, () -> dev.write(0, ByteBuffer.allocate(512)));
    }

    @Test
    void aReadOnlyDiskBeneathMakesWritesErofs(@TempDir Path dir) throws Exception {
        Path img = TestDisks.image(dir.resolve("ro.img"), 4096);
        try (FaultInjectingBlockDevice ro = new FaultInjectingBlockDevice(FileBlockDevice.open(img, true))) {
            assertTrue(ro.isReadOnly());
            assertErrno(Errno.EROFS, () -> ro.write(0, ByteBuffer.allocate(512)));
            assertEquals(0, ro.writes());
        }
    }

    @Test
    void armingRefusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> dev.failRead(0));
        assertThrows(IllegalArgumentException.class, () -> dev.failWrite(-1));
        assertThrows(IllegalArgumentException.class, () -> dev.tearWrite(1, -1, TearMode.FAIL));
        assertThrows(IllegalArgumentException.class, () -> dev.cutPowerAfterWrites(-1));
    }

    @Test
    void closingClosesTheDiskBeneath() throws Exception {
        dev.close();
        assertErrno(Errno.ENXIO, () -> disk.read(0, ByteBuffer.allocate(512)));
    }

    @Test
    void exactlyTheArmedWriteFailsAmongConcurrentWriters() throws Exception {
        int threads = 4;
        int perThread = 200;
        dev.failWrite(333);
        AtomicInteger failures = new AtomicInteger();
        TestDisks.inParallel(threads, id -> {
            for (int i = 0; i < perThread; i++) {
                try {
                    dev.write(id, sectors(1, i));
                } catch (ErrnoException e) {
                    assertEquals(Errno.EIO, e.errno());
                    failures.incrementAndGet();
                }
            }
        });
        assertEquals(1, failures.get());
        assertEquals(threads * perThread, dev.writes());
        assertEquals(1, dev.failedWrites());
    }
}
