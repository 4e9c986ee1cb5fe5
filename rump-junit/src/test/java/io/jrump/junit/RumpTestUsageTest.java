package io.jrump.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The extension used the way a project's own tests use it, with no test kit in between. */
@RumpTest(platform = "host")
class RumpTestUsageTest {
    @RumpInject
    RumpKernel kernel;

    @Test
    void processOneIsRoot(Syscalls sys) {
        assertFalse(kernel.isClosed());
        assertEquals(1, sys.getpid());
        assertEquals(0, sys.getuid());
    }

    @Test
    void pipeCarriesBytes(Syscalls sys) throws ErrnoException {
        int[] fds = sys.pipe();
        sys.write(fds[1], ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
        ByteBuffer in = ByteBuffer.allocate(16);
        assertEquals(4, sys.read(fds[0], in));
        assertEquals("ping", new String(in.array(), 0, 4, StandardCharsets.US_ASCII));
        sys.close(fds[0]);
        sys.close(fds[1]);
        ErrnoException e = assertThrows(ErrnoException.class, () -> sys.close(fds[0]));
        assertEquals(Errno.EBADF, e.errno());
    }
}
