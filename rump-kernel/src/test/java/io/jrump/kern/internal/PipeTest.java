package io.jrump.kern.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Fcntl;
import io.jrump.api.FileMode;
import io.jrump.api.OpenFlags;
import io.jrump.api.Stat;
import io.jrump.api.Syscalls;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PipeTest {
    private final Kernel kernel = TestKernels.boot();
    private final Syscalls sys = kernel.sys();

    @AfterEach
    void close() {
        kernel.close();
    }

    @Test
    void bytesComeOutInOrderAndEofAfterWriterCloses() throws Exception {
        int[] p = sys.pipe();
        assertEquals(5, sys.write(p[1], ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5})));
        ByteBuffer b = ByteBuffer.allocate(3);
        assertEquals(3, sys.read(p[0], b));
        assertArrayEquals(new byte[] {1, 2, 3}, b.array());
        sys.close(p[1]);
        b.clear();
        assertEquals(2, sys.read(p[0], b));
        b.clear();
        assertEquals(0, sys.read(p[0], b), "end of file once the writer is gone and the pipe is empty");
    }

    @Test
    void writeWithoutReaderIsEpipe() throws Exception {
        int[] p = sys.pipe();
        sys.close(p[0]);
        assertEquals(Errno.EPIPE, assertThrows(ErrnoException.class, () -> sys.write(p[1], ByteBuffer.allocate(1))).errno());
    }

    @Test
    void nonBlockingEndsSayEagain() throws Exception {
        int[] p = sys.pipe();
        sys.fcntl(p[0], Fcntl.F_SETFL, OpenFlags.O_NONBLOCK);
        sys.fcntl(p[1], Fcntl.F_SETFL, OpenFlags.O_NONBLOCK);
        assertEquals(Errno.EAGAIN, assertThrows(ErrnoException.class, () -> sys.read(p[0], ByteBuffer.allocate(1))).errno());
        int total = 0;
        ByteBuffer chunk = ByteBuffer.allocate(10_000);
        while (true) {
            try {
                chunk.clear();
                total += sys.write(p[1], chunk);
            } catch (ErrnoException e) {
                assertEquals(Errno.EAGAIN, e.errno());
                break;
            }
        }
        assertEquals(Pipe.CAPACITY, total, "a full pipe holds exactly its capacity");
    }

    @Test
    void smallWritesAreAtomicWhenSpaceIsShort() throws Exception {
        int[] p = sys.pipe();
        sys.fcntl(p[1], Fcntl.F_SETFL, OpenFlags.O_NONBLOCK);
        sys.write(p[1], ByteBuffer.allocate(Pipe.CAPACITY - 100));
        assertEquals(Errno.EAGAIN, assertThrows(ErrnoException.class, () -> sys.write(p[1], ByteBuffer.allocate(200))).errno(),
                "a write of at most PIPE_BUF bytes goes in whole or not at all");
        assertEquals(100, sys.write(p[1], ByteBuffer.allocate(Pipe.PIPE_BUF + 1)), "a larger write may be partial");
    }

    @Test
    void blockingTransferBetweenThreadsIsExact() throws Exception {
        int[] p = sys.pipe();
        byte[] data = new byte[1 << 20];
        new Random(42).nextBytes(data);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                ByteBuffer src = ByteBuffer.wrap(data);
                while (src.hasRemaining()) {
                    int n = Math.min(src.remaining(), 7000);
                    ByteBuffer slice = src.slice().limit(n);
                    sys.write(p[1], slice);
                    src.position(src.position() + n);
                }
                sys.close(p[1]);
            } catch (ErrnoException e) {
                throw new RuntimeException(e);
            }
        });
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        ByteBuffer b = ByteBuffer.allocate(3000);
        long got = 0;
        for (int n; (n = sys.read(p[0], b.clear())) > 0;) {
            md.update(b.array(), 0, n);
            got += n;
        }
        writer.get(10, TimeUnit.SECONDS);
        assertEquals(data.length, got);
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), md.digest());
    }

    @Test
    void blockedReaderIsInterruptible() throws Exception {
        int[] p = sys.pipe();
        Thread t = Thread.currentThread();
        CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            t.interrupt();
        });
        ErrnoException e = assertThrows(ErrnoException.class, () -> sys.read(p[0], ByteBuffer.allocate(1)));
        assertEquals(Errno.EINTR, e.errno());
        assertTrue(Thread.interrupted(), "the interrupt status is kept");
    }

    @Test
    void fstatSaysFifo() throws Exception {
        int[] p = sys.pipe();
        sys.write(p[1], ByteBuffer.allocate(3));
        Stat st = sys.fstat(p[0]);
        assertEquals(FileMode.S_IFIFO, st.mode() & FileMode.S_IFMT);
        assertEquals(3, st.size());
        assertEquals(sys.fstat(p[1]).ino(), st.ino());
    }

    @Test
    void closingTheEndABlockedCallUsesWakesIt() throws Exception {
        int[] p = sys.pipe();
        BlockedCall reader = BlockedCall.start("reader", () -> sys.read(p[0], ByteBuffer.allocate(4)));
        sys.close(p[0]);
        assertEquals(0, reader.result(), "end of file");

        int[] q = sys.pipe();
        sys.fcntl(q[1], Fcntl.F_SETFL, OpenFlags.O_NONBLOCK);
        while (true) {
            try {
                sys.write(q[1], ByteBuffer.allocate(4096));
            } catch (ErrnoException e) {
                break; // EAGAIN: full
            }
        }
        sys.fcntl(q[1], Fcntl.F_SETFL, 0);
        BlockedCall writer = BlockedCall.start("writer", () -> sys.write(q[1], ByteBuffer.allocate(4096)));
        sys.close(q[1]);
        assertEquals(Errno.EPIPE, writer.result());
    }
}
