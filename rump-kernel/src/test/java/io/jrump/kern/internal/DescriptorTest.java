package io.jrump.kern.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Fcntl;
import io.jrump.api.OpenFlags;
import io.jrump.api.Syscalls;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DescriptorTest {
    private final Kernel kernel = TestKernels.boot();
    private final Syscalls sys = kernel.sys();

    @AfterEach
    void close() {
        kernel.close();
    }

    private static Errno errno(org.junit.jupiter.api.function.Executable call) {
        return assertThrows(ErrnoException.class, call).errno();
    }

    @Test
    void descriptorsAreAllocatedLowestFirst() throws Exception {
        int[] p = sys.pipe();
        assertArrayEquals(new int[] {0, 1}, p);
        int[] q = sys.pipe();
        assertArrayEquals(new int[] {2, 3}, q);
        sys.close(1);
        assertEquals(1, sys.dup(3));
        assertEquals(4, sys.dup(0));
        sys.close(0);
        sys.close(2);
        assertEquals(0, sys.dup(4));
        assertEquals(2, sys.dup(4));
    }

    @Test
    void badDescriptorsAreEbadf() {
        assertEquals(Errno.EBADF, errno(() -> sys.close(-1)));
        assertEquals(Errno.EBADF, errno(() -> sys.close(7)));
        assertEquals(Errno.EBADF, errno(() -> sys.read(0, ByteBuffer.allocate(1))));
        assertEquals(Errno.EBADF, errno(() -> sys.write(Integer.MAX_VALUE, ByteBuffer.allocate(1))));
        assertEquals(Errno.EBADF, errno(() -> sys.fstat(3)));
        assertEquals(Errno.EBADF, errno(() -> sys.dup(-5)));
        assertEquals(Errno.EBADF, errno(() -> sys.fcntl(9, Fcntl.F_GETFL, 0)));
    }

    @Test
    void closedDescriptorIsEbadfAndMessageNamesCall() throws Exception {
        int[] p = sys.pipe();
        sys.close(p[0]);
        ErrnoException e = assertThrows(ErrnoException.class, () -> sys.close(p[0]));
        assertEquals(Errno.EBADF, e.errno());
        assertTrue(e.getMessage().startsWith("close fd 0: EBADF (Bad file descriptor)"), e.getMessage());
    }

    @Test
    void tooManyDescriptorsIsEmfileAndTableStaysUsable() throws Exception {
        int[] p = sys.pipe();
        for (int i = 2; i < FdTable.MAX_FDS; i++) {
            assertEquals(i, sys.dup(p[0]));
        }
        assertEquals(Errno.EMFILE, errno(() -> sys.dup(p[0])));
        assertEquals(Errno.EMFILE, errno(sys::pipe));
        sys.close(500);
        assertEquals(500, sys.dup(p[1]));
    }

    @Test
    void dupSharesFileAndDup2ReplacesTarget() throws Exception {
        int[] p = sys.pipe();
        int w2 = sys.dup(p[1]);
        sys.close(p[1]);
        sys.write(w2, ByteBuffer.wrap("x".getBytes(StandardCharsets.US_ASCII)));
        int[] q = sys.pipe();
        assertEquals(q[0], sys.dup2(p[0], q[0]));
        ByteBuffer b = ByteBuffer.allocate(4);
        assertEquals(1, sys.read(q[0], b));
        assertEquals(q[1], sys.dup2(q[1], q[1]));
        assertEquals(Errno.EBADF, errno(() -> sys.dup2(99, 3)));
        assertEquals(Errno.EBADF, errno(() -> sys.dup2(p[0], -1)));
        assertEquals(Errno.EBADF, errno(() -> sys.dup2(p[0], FdTable.MAX_FDS)));
        assertEquals(700, sys.dup2(p[0], 700));
    }

    @Test
    void fcntlFlags() throws Exception {
        int[] p = sys.pipe();
        assertEquals(OpenFlags.O_RDONLY, sys.fcntl(p[0], Fcntl.F_GETFL, 0));
        assertEquals(OpenFlags.O_WRONLY, sys.fcntl(p[1], Fcntl.F_GETFL, 0));
        sys.fcntl(p[0], Fcntl.F_SETFL, OpenFlags.O_NONBLOCK | OpenFlags.O_RDWR);
        assertEquals(OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK, sys.fcntl(p[0], Fcntl.F_GETFL, 0), "access mode must not change");
        assertEquals(0, sys.fcntl(p[0], Fcntl.F_GETFD, 0));
        sys.fcntl(p[0], Fcntl.F_SETFD, Fcntl.FD_CLOEXEC);
        assertEquals(Fcntl.FD_CLOEXEC, sys.fcntl(p[0], Fcntl.F_GETFD, 0));
        assertEquals(10, sys.fcntl(p[0], Fcntl.F_DUPFD, 10));
        assertEquals(0, sys.fcntl(10, Fcntl.F_GETFD, 0), "dup clears close-on-exec");
        assertEquals(Errno.EINVAL, errno(() -> sys.fcntl(p[0], 12345, 0)));
        assertEquals(Errno.EINVAL, errno(() -> sys.fcntl(p[0], Fcntl.F_DUPFD, -1)));
    }

    @Test
    void wrongAccessModeIsEbadf() throws Exception {
        int[] p = sys.pipe();
        assertEquals(Errno.EBADF, errno(() -> sys.write(p[0], ByteBuffer.allocate(1))));
        assertEquals(Errno.EBADF, errno(() -> sys.read(p[1], ByteBuffer.allocate(1))));
        assertEquals(Errno.ESPIPE, errno(() -> sys.lseek(p[0], 0, Fcntl.SEEK_SET)));
        assertEquals(Errno.EINVAL, errno(() -> sys.lseek(p[0], 0, 9)));
        assertEquals(Errno.ESPIPE, errno(() -> sys.pread(p[0], ByteBuffer.allocate(1), 0)));
        assertEquals(Errno.EINVAL, errno(() -> sys.pread(p[0], ByteBuffer.allocate(1), -1)));
        assertEquals(Errno.EFAULT, errno(() -> sys.read(p[0], null)));
        assertEquals(Errno.EFAULT, errno(() -> sys.read(p[0], ByteBuffer.allocate(1).asReadOnlyBuffer())));
        assertEquals(Errno.ENOTDIR, errno(() -> sys.getdents(p[0])));
    }
}
