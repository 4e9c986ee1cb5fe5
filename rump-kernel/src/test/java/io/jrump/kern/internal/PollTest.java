package io.jrump.kern.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.PollFd;
import io.jrump.api.Syscalls;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PollTest {
    private final Kernel kernel = TestKernels.boot();
    private final Syscalls sys = kernel.sys();

    @AfterEach
    void close() {
        kernel.close();
    }

    @Test
    void emptyPipeIsWritableNotReadable() throws Exception {
        int[] p = sys.pipe();
        PollFd r = new PollFd(p[0], PollFd.POLLIN);
        PollFd w = new PollFd(p[1], PollFd.POLLOUT);
        assertEquals(1, sys.poll(new PollFd[] {r, w}, 0));
        assertEquals(0, r.revents());
        assertEquals(PollFd.POLLOUT, w.revents());
    }

    @Test
    void timesOutWithNothingReady() throws Exception {
        int[] p = sys.pipe();
        PollFd r = new PollFd(p[0], PollFd.POLLIN);
        assertEquals(0, sys.poll(new PollFd[] {r}, 30));
        assertEquals(0, r.revents());
    }

    @Test
    void wakesWhenAnotherThreadWrites() throws Exception {
        int[] p = sys.pipe();
        CompletableFuture<Integer> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                PollFd r = new PollFd(p[0], PollFd.POLLIN);
                sys.poll(new PollFd[] {r}, -1);
                return r.revents();
            } catch (ErrnoException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(20);
        sys.write(p[1], ByteBuffer.wrap(new byte[] {7}));
        assertEquals(PollFd.POLLIN, waiter.get(10, TimeUnit.SECONDS));
    }

    @Test
    void hangupAndErrorAreReportedUnasked() throws Exception {
        int[] p = sys.pipe();
        int[] q = sys.pipe();
        sys.close(p[1]);
        sys.close(q[0]);
        PollFd r = new PollFd(p[0], PollFd.POLLIN);
        PollFd w = new PollFd(q[1], PollFd.POLLOUT);
        assertEquals(2, sys.poll(new PollFd[] {r, w}, -1));
        assertEquals(PollFd.POLLHUP, r.revents());
        assertEquals(PollFd.POLLERR, w.revents());
    }

    @Test
    void closedDescriptorIsPollnvalAndNegativeIsIgnored() throws Exception {
        PollFd bad = new PollFd(42, PollFd.POLLIN);
        PollFd ignored = new PollFd(-1, PollFd.POLLIN);
        assertEquals(1, sys.poll(new PollFd[] {bad, ignored}, 0));
        assertEquals(PollFd.POLLNVAL, bad.revents());
        assertEquals(0, ignored.revents());
        assertEquals(Errno.EFAULT, assertThrows(ErrnoException.class, () -> sys.poll(null, 0)).errno());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> sys.poll(new PollFd[FdTable.MAX_FDS + 1], 0)).errno());
    }
}
