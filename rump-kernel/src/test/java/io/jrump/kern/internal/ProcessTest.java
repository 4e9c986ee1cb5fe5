package io.jrump.kern.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Credentials;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
import io.jrump.api.RumpProcess;
import io.jrump.api.Syscalls;
import io.jrump.testing.TestPlatform;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class ProcessTest {

    @Test
    void processOneIsRootAndSpawnedProcessesHaveTheirOwnIds() throws Exception {
        try (Kernel k = TestKernels.boot()) {
            assertEquals(1, k.sys().getpid());
            assertEquals(0, k.sys().getuid());
            RumpProcess alice = k.spawn(Credentials.of(1000, 100));
            RumpProcess bob = k.spawn(Credentials.of(1001, 100));
            assertEquals(2, alice.pid());
            assertEquals(3, bob.pid());
            assertEquals(1, alice.sys().getppid());
            assertEquals(1000, alice.sys().getuid());
            assertEquals(1000, alice.sys().geteuid());
            assertEquals(100, bob.sys().getgid());
            assertEquals(3, k.processCount());
        }
    }

    @Test
    void descriptorTablesArePerProcess() throws Exception {
        try (Kernel k = TestKernels.boot(); RumpProcess alice = k.spawn(Credentials.of(1000, 1000))) {
            int[] p = k.sys().pipe();
            assertEquals(Errno.EBADF, assertThrows(ErrnoException.class, () -> alice.sys().read(p[0], ByteBuffer.allocate(1))).errno());
            assertEquals(0, alice.sys().pipe()[0], "a new process starts with an empty table");
        }
    }

    @Test
    void setuidRules() throws Exception {
        try (Kernel k = TestKernels.boot(); RumpProcess p = k.spawn(Credentials.of(1000, 1000))) {
            Syscalls s = p.sys();
            assertEquals(Errno.EPERM, assertThrows(ErrnoException.class, () -> s.setuid(0)).errno());
            assertEquals(Errno.EPERM, assertThrows(ErrnoException.class, () -> s.setgid(0)).errno());
            s.setuid(1000);
            Syscalls root = k.spawn(Credentials.of(0, 0)).sys();
            root.setgid(50);
            root.setuid(2000);
            assertEquals(2000, root.getuid());
            assertEquals(2000, root.geteuid());
            assertEquals(50, root.getegid());
            assertEquals(Errno.EPERM, assertThrows(ErrnoException.class, () -> root.setuid(0)).errno(), "root gave up root");
            assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> k.sys().setuid(-3)).errno());
        }
    }

    @Test
    void umaskReturnsPrevious() throws Exception {
        try (Kernel k = TestKernels.boot()) {
            assertEquals(022, k.sys().umask(077));
            assertEquals(077, k.sys().umask(01777));
            assertEquals(0777, k.sys().umask(0));
        }
    }

    @Test
    void exitedProcessAndClosedKernelRefuseCallsNamingTheKernel() throws Exception {
        Kernel k = TestKernels.boot();
        RumpProcess p = k.spawn(Credentials.of(5, 5));
        int[] pipe = p.sys().pipe();
        int[] other = k.sys().pipe();
        p.close();
        KernelClosedException e = assertThrows(KernelClosedException.class, () -> p.sys().getpid());
        assertTrue(e.getMessage().contains(k.name()), e.getMessage());
        assertEquals(1, k.processCount());
        assertEquals(0, pipe[0]);
        k.close();
        assertTrue(k.isClosed());
        KernelClosedException closed = assertThrows(KernelClosedException.class, () -> k.sys().read(other[0], ByteBuffer.allocate(1)));
        assertEquals("kernel " + k.name() + " is closed", closed.getMessage());
        assertThrows(KernelClosedException.class, () -> k.spawn(Credentials.ROOT));
        k.close();
    }

    @Test
    void closingTheKernelWakesBlockedReadersWithEof() throws Exception {
        Kernel k = TestKernels.boot();
        int[] p = k.sys().pipe();
        BlockedCall reader = BlockedCall.start("reader", () -> k.sys().read(p[0], ByteBuffer.allocate(1)));
        k.close();
        assertEquals(0, reader.result());
    }

    @Test
    void kernelWithoutFileSystemAnswersEnosys() {
        try (Kernel k = TestKernels.boot()) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> k.sys().open("/x", 0));
            assertEquals(Errno.ENOSYS, e.errno());
            assertTrue(e.getMessage().startsWith("open /x: ENOSYS"), e.getMessage());
            assertEquals(Errno.ENOSYS, assertThrows(ErrnoException.class, () -> k.sys().stat("/")).errno());
            assertEquals(Errno.EFAULT, assertThrows(ErrnoException.class, () -> k.sys().stat(null)).errno());
        }
    }

    @Test
    void kernelWithoutNetworkAnswersEafnosupportAndEnosys() throws Exception {
        try (Kernel k = TestKernels.boot()) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> k.sys().socket(2, 1, 0));
            assertEquals(Errno.EAFNOSUPPORT, e.errno());
            int[] p = k.sys().pipe();
            assertEquals(Errno.ENOTSOCK, assertThrows(ErrnoException.class, () -> k.sys().listen(p[0], 5)).errno());
            assertEquals(Errno.EBADF, assertThrows(ErrnoException.class, () -> k.sys().listen(77, 5)).errno());
            e = assertThrows(ErrnoException.class, () -> k.netconfig().up("eth0"));
            assertEquals(Errno.ENOSYS, e.errno());
            assertTrue(e.getMessage().startsWith("up eth0: ENOSYS"), e.getMessage());
        }
    }

    @Test
    void closeReleasesThePlatform() {
        int before = TestPlatform.OPEN.get();
        Kernel k = TestKernels.boot();
        assertEquals(before + 1, TestPlatform.OPEN.get());
        k.close();
        assertEquals(before, TestPlatform.OPEN.get());
        assertTrue(k.isClosed());
    }
}
