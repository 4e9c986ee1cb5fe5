package io.jrump.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** What the block device tests share: data patterns, reading back, errno assertions, parallel runs. */
final class TestDisks {
    private TestDisks() {
    }

    @FunctionalInterface
    interface ThrowingCall {
        void run() throws Exception;
    }

    @FunctionalInterface
    interface ThreadBody {
        void run(int thread) throws Exception;
    }

    /** A zero-filled image file of {@code size} bytes (sparse on the host). */
    static Path image(Path file, long size) throws java.io.IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
        return file;
    }

    /** Bytes that differ per seed, so that a sector in the wrong place shows. */
    static byte[] pattern(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Reads {@code bytes} at {@code sector}, checking that the read advanced the buffer. */
    static byte[] read(BlockDevice dev, long sector, int bytes) throws ErrnoException {
        ByteBuffer buf = ByteBuffer.allocate(bytes);
        dev.read(sector, buf);
        assertEquals(bytes, buf.position(), "read advances the buffer");
        return buf.array();
    }

    /** Asserts the call fails with {@code expected} and a message that says more than the errno. */
    static void assertErrno(Errno expected, ThrowingCall call) {
        ErrnoException e = assertThrows(ErrnoException.class, call::run);
        assertEquals(expected, e.errno(), e.getMessage());
        assertTrue(e.getMessage().length() > expected.name().length() + 5, "message says more than the errno: " + e.getMessage());
    }

    /** Runs {@code body} on {@code threads} threads at once and rethrows the first failure. */
    static void inParallel(int threads, ThreadBody body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(pool.submit((Callable<Void>) () -> {
                    body.run(id);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
