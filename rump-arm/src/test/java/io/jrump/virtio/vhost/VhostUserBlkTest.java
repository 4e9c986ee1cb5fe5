package io.jrump.virtio.vhost;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.virtio.Virtio;
import io.jrump.virtio.blk.BlkWire;
import io.jrump.virtio.blk.VirtioBlk;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** virtio-blk through vhost-user against qemu-storage-daemon: data, commands, and a daemon that dies. */
class VhostUserBlkTest {
    private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(20);

    @TempDir
    Path dir;

    static VirtioBlk open(Path socket, String name) throws ErrnoException {
        VhostUserTransport t = VhostUserTransport.connect(socket.toString(), Virtio.ID_BLOCK, 16 << 20, (n, r) -> new Thread(r, n));
        return VirtioBlk.open(t, name, TIMEOUT);
    }

    private Path image(long size) throws Exception {
        Path img = dir.resolve("disk.raw");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(size);
        }
        return img;
    }

    @Test
    void dataCommandsAndConfigurationAgainstQemuStorageDaemon() throws Exception {
        Path img = image(32 << 20);
        byte[] written = new byte[3 << 20];
        new Random(5).nextBytes(written);
        try (StorageDaemon qsd = StorageDaemon.start(dir, img, "raw", true); VirtioBlk blk = open(qsd.socket, "vda")) {
            assertEquals(32 << 20, blk.size());
            assertEquals(512, blk.sectorSize());
            assertFalse(blk.isReadOnly());
            assertTrue(Virtio.has(blk.features(), Virtio.F_VERSION_1));
            assertTrue(Virtio.has(blk.features(), BlkWire.F_FLUSH), "flush offered");
            blk.write(2048, ByteBuffer.wrap(written));
            ByteBuffer back = ByteBuffer.allocate(written.length);
            blk.read(2048, back);
            assertArrayEquals(written, back.array());
            blk.flush();
            assertEquals("vhost_user_blk", blk.id()); // the serial qemu-storage-daemon answers GET_ID with
            assertTrue(Virtio.has(blk.features(), Virtio.F_EVENT_IDX) && Virtio.has(blk.features(), Virtio.F_INDIRECT_DESC));
            assertTrue(Virtio.has(blk.features(), BlkWire.F_DISCARD) && Virtio.has(blk.features(), BlkWire.F_WRITE_ZEROES));
            if (Virtio.has(blk.features(), BlkWire.F_DISCARD)) {
                blk.discard(2048, 8);
            }
            if (Virtio.has(blk.features(), BlkWire.F_WRITE_ZEROES)) {
                blk.writeZeroes(2056, 8);
                ByteBuffer z = ByteBuffer.allocate(4096);
                blk.read(2056, z);
                assertArrayEquals(new byte[4096], z.array());
            }
        }
        byte[] onDisk = Files.readAllBytes(img);
        for (int i = 16 * 512; i < written.length; i += 4093) {
            assertEquals(written[i], onDisk[2048 * 512 + i], "byte " + i + " on the image");
        }
    }

    /**
     * Many callers at once, each waiting for the device on its own thread: the transport starts
     * no thread of its own for a block device, every request comes back to its caller intact,
     * and a buffer in the shared memory goes to the daemon in place.
     */
    @Test
    void callersWaitForTheDaemonThemselves() throws Exception {
        Path img = image(32 << 20);
        List<String> threadsMade = new CopyOnWriteArrayList<>();
        try (StorageDaemon qsd = StorageDaemon.start(dir, img, "raw", true)) {
            VhostUserTransport t = VhostUserTransport.connect(qsd.socket.toString(), Virtio.ID_BLOCK, 16 << 20, (n, r) -> {
                threadsMade.add(n);
                return new Thread(r, n);
            });
            try (VirtioBlk blk = VirtioBlk.open(t, "vda", TIMEOUT)) {
                ExecutorService pool = Executors.newFixedThreadPool(24);
                try {
                    List<Future<?>> fs = new ArrayList<>();
                    for (int c = 0; c < 24; c++) {
                        int id = c;
                        fs.add(pool.submit(() -> {
                            for (int i = 0; i < 40; i++) {
                                int len = (i % 3 == 0 ? 64 : 4) * 1024;
                                long sector = id * 2048L + (i % 8) * 128;
                                ByteBuffer data = ByteBuffer.wrap(new byte[len]);
                                new Random(id * 1000L + i).nextBytes(data.array());
                                blk.write(sector, data.duplicate());
                                ByteBuffer back = ByteBuffer.allocateDirect(len);
                                blk.read(sector, back);
                                assertEquals(data.rewind(), back.flip(), "caller " + id + " request " + i);
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : fs) {
                        f.get(120, TimeUnit.SECONDS);
                    }
                } finally {
                    pool.shutdownNow();
                }
                assertEquals(List.of(), threadsMade, "no transport thread between the callers and the daemon");
                ByteBuffer shared = blk.sharedBuffer(1 << 20);
                byte[] data = new byte[1 << 20];
                new Random(9).nextBytes(data);
                shared.put(data).flip();
                blk.write(60_000, shared);
                blk.flush();
                shared.clear();
                blk.read(0, shared);
                shared.clear();
                blk.read(60_000, shared);
                assertEquals(ByteBuffer.wrap(data), shared.flip(), "read in place");
                blk.releaseSharedBuffer(shared);
            }
            try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
                byte[] onDisk = new byte[1 << 20];
                f.seek(60_000L * 512);
                f.readFully(onDisk);
                Random r = new Random(9);
                byte[] data = new byte[1 << 20];
                r.nextBytes(data);
                assertArrayEquals(data, onDisk, "written in place from the shared buffer");
            }
        }
    }

    @Test
    void readOnlyExport() throws Exception {
        Path img = image(4 << 20);
        try (StorageDaemon qsd = StorageDaemon.start(dir, img, "raw", false); VirtioBlk blk = open(qsd.socket, "vda")) {
            assertTrue(blk.isReadOnly());
            assertEquals(Errno.EROFS, assertThrows(ErrnoException.class, () -> blk.write(0, ByteBuffer.allocate(512))).errno());
            blk.read(0, ByteBuffer.allocate(512));
        }
    }

    @Test
    void daemonThatStopsAnsweringTimesOutWithEio() throws Exception {
        Path img = image(4 << 20);
        try (StorageDaemon qsd = StorageDaemon.start(dir, img, "raw", true)) {
            VhostUserTransport t = VhostUserTransport.connect(qsd.socket.toString(), Virtio.ID_BLOCK, 4 << 20, (n, r) -> new Thread(r, n));
            VirtioBlk blk = VirtioBlk.open(t, "vda", TimeUnit.MILLISECONDS.toNanos(500));
            blk.read(0, ByteBuffer.allocate(512));
            qsd.signal("STOP");
            try {
                ErrnoException e = assertThrows(ErrnoException.class, () -> blk.read(0, ByteBuffer.allocate(512)));
                assertEquals(Errno.EIO, e.errno());
                assertTrue(e.getMessage().contains("no answer"), e.getMessage());
                long start = System.nanoTime();
                blk.close();
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "close does not wait for a dead backend");
            } finally {
                qsd.signal("CONT");
            }
        }
    }

    @Test
    void daemonKilledMidFlightGivesEioNotAHang() throws Exception {
        Path img = image(16 << 20);
        StorageDaemon qsd = StorageDaemon.start(dir, img, "raw", true);
        try (VirtioBlk blk = open(qsd.socket, "vda")) {
            blk.read(0, ByteBuffer.allocate(4096));
            qsd.kill();
            long start = System.nanoTime();
            ErrnoException e = assertThrows(ErrnoException.class, () -> {
                for (int i = 0; i < 100; i++) {
                    blk.write(0, ByteBuffer.allocate(1 << 20));
                }
            });
            assertEquals(Errno.EIO, e.errno(), e.getMessage());
            assertTrue(System.nanoTime() - start < TIMEOUT, "noticed the closed socket, not the timeout: " + e.getMessage());
        } finally {
            qsd.close();
        }
    }
}
