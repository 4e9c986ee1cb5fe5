package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import io.jrump.api.OpenFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.dev.FileBlockDevice;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two readers of one file: while one waits for the device, the other's read of another part of
 * the file completes. The node's mutex covers only where the bytes lie ({@link ReadPlan}), not
 * the device read.
 */
class Ext2ParallelReadTest {
    private static final long PATIENCE_SECONDS = 20;
    /** A 4 KiB device request: a read of four 1 KiB file blocks. The cache's own requests are 1, 2, 3, 5, 9, 17 or 33 blocks. */
    private static final int HELD_BYTES = 4096;

    @TempDir
    Path tmp;

    /** Holds the first device read of {@link #HELD_BYTES} until {@link #gate} opens. */
    private static final class HoldingDevice implements BlockDevice {
        final BlockDevice inner;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);
        volatile boolean armed;

        HoldingDevice(BlockDevice inner) {
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
            return inner.isReadOnly();
        }

        @Override
        public void read(long sector, ByteBuffer dst) throws ErrnoException {
            if (armed && dst.remaining() == HELD_BYTES) {
                armed = false;
                entered.countDown();
                try {
                    if (!gate.await(PATIENCE_SECONDS, TimeUnit.SECONDS)) {
                        throw new ErrnoException(Errno.ETIMEDOUT, "test gate never opened");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ErrnoException(Errno.EINTR, "test gate");
                }
            }
            inner.read(sector, dst);
        }

        @Override
        public void write(long sector, ByteBuffer src) throws ErrnoException {
            inner.write(sector, src);
        }

        @Override
        public void flush() throws ErrnoException {
            inner.flush();
        }

        @Override
        public void close() throws ErrnoException {
            inner.close();
        }
    }

    private static byte at(long offset) {
        return (byte) (offset * 31 + (offset >>> 10));
    }

    private static byte[] expected(long offset, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = at(offset + i);
        }
        return b;
    }

    @Test
    void aReadOfOneFileProceedsWhileAnotherReadOfItIsInTheDevice() throws Exception {
        E2fsprogs.assumeAvailable();
        Path img = E2fsprogs.mkfs(tmp.resolve("p.img"), "ext2", 1024, 8L << 20, "-I", "256");
        int fileBytes = 64 << 10;
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            Syscalls sys = k.sys();
            sys.mkdir("/mnt", 0755);
            sys.mount("disk0", "/mnt", "ext2", 0, null);
            int fd = sys.open("/mnt/f", OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644);
            ByteBuffer data = ByteBuffer.wrap(expected(0, fileBytes));
            while (data.hasRemaining()) {
                sys.write(fd, data);
            }
            sys.close(fd);
            sys.unmount("/mnt", 0);
        }
        HoldingDevice dev = new HoldingDevice(FileBlockDevice.open(img, true));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (RumpKernel k = Rump.builder().device("disk0", dev).boot()) {
            Syscalls sys = k.sys();
            sys.mkdir("/mnt", 0755);
            sys.mount("disk0", "/mnt", "ext2", MountFlags.MNT_RDONLY, null);
            int fd = sys.open("/mnt/f", OpenFlags.O_RDONLY);
            sys.pread(fd, ByteBuffer.allocate(1), 0); // the inode and the block map in the cache
            dev.armed = true;
            Future<byte[]> held = pool.submit(() -> {
                ByteBuffer b = ByteBuffer.allocate(HELD_BYTES);
                sys.pread(fd, b, 8192);
                return b.array();
            });
            assertTrue(dev.entered.await(PATIENCE_SECONDS, TimeUnit.SECONDS), "the 4 KiB read never reached the device");
            Future<byte[]> other = pool.submit(() -> {
                ByteBuffer b = ByteBuffer.allocate(1024);
                sys.pread(fd, b, 40 << 10);
                return b.array();
            });
            try {
                assertArrayEquals(expected(40 << 10, 1024), other.get(PATIENCE_SECONDS, TimeUnit.SECONDS));
            } catch (TimeoutException e) {
                fail("a read of another part of the file waited for the read in the device");
            }
            assertFalse(held.isDone(), "the first read is still held");
            dev.gate.countDown();
            assertArrayEquals(expected(8192, HELD_BYTES), held.get(PATIENCE_SECONDS, TimeUnit.SECONDS));
            sys.close(fd);
        } finally {
            dev.gate.countDown();
            pool.shutdownNow();
        }
        assertEquals(0, dev.gate.getCount());
    }
}
