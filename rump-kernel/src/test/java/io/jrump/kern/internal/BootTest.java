package io.jrump.kern.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.BootException;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Rump;
import io.jrump.api.RumpBuilder;
import io.jrump.api.RumpKernel;
import io.jrump.modtest.DiscoveryProbe;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Booting through the public API: ServiceLoader finds the kernel factory and the host platform. */
class BootTest {

    @Test
    void bootsOnTheHostPlatformWithoutComponents() throws Exception {
        try (RumpKernel k = Rump.builder().platform("host").boot()) {
            assertEquals("host", k.platformName());
            assertEquals(1, k.sys().getpid());
            int[] p = k.sys().pipe();
            k.sys().write(p[1], ByteBuffer.wrap(new byte[] {1}));
            assertEquals(1, k.sys().read(p[0], ByteBuffer.allocate(1)));
            assertEquals(Errno.ENOSYS, assertThrows(ErrnoException.class, () -> k.sys().mkdir("/a", 0755)).errno());
        }
    }

    @Test
    void oneBuilderBootsManyIndependentKernels() throws Exception {
        RumpBuilder b = Rump.builder();
        try (RumpKernel k1 = b.boot(); RumpKernel k2 = b.boot()) {
            assertNotEquals(k1.name(), k2.name());
            int[] p = k1.sys().pipe();
            assertEquals(Errno.EBADF, assertThrows(ErrnoException.class, () -> k2.sys().close(p[0])).errno());
            k1.close();
            assertTrue(k1.isClosed());
            assertEquals(1, k2.sys().getpid(), "closing one kernel leaves the other alone");
        }
    }

    @Test
    void freshBuildersDoNotLookTheServicesUpAgain() {
        Rump.builder().platform("host").component(DiscoveryProbe.NAME).boot().close();
        int made = DiscoveryProbe.MADE.get();
        for (int i = 0; i < 3; i++) {
            try (RumpKernel k = Rump.builder().platform("host").component(DiscoveryProbe.NAME).boot()) {
                assertEquals(1, k.sys().getpid());
            }
        }
        assertEquals(made, DiscoveryProbe.MADE.get(), "a fresh builder's link found the components the first link found");
    }

    @Test
    void unknownComponentIsABootError() {
        BootException e = assertThrows(BootException.class, () -> Rump.builder().component("no-such-thing").boot());
        assertTrue(e.getMessage().startsWith("component 'no-such-thing' not found"), e.getMessage());
    }

    @Test
    void unknownPlatformListsTheProvidersFound() {
        BootException e = assertThrows(BootException.class, () -> Rump.builder().platform("vax").boot());
        assertTrue(e.getMessage().contains("vax"), e.getMessage());
        assertTrue(e.getMessage().contains("host"), e.getMessage());
    }
}
