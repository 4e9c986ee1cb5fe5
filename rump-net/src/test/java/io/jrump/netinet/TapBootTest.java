package io.jrump.netinet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.api.BootException;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetConfig;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code RumpBuilder.tap}: the kernel boots with the interface on the TAP, closing the kernel
 * gives the TAP back, and a TAP that cannot be opened fails the boot naming it and the errno.
 * The TAPs are never brought up, so no frame moves. Needs root and /dev/net/tun.
 */
class TapBootTest {
    @BeforeAll
    static void need() {
        String why = TapLink.unusable("ip");
        assumeTrue(why == null, why);
    }

    private static String name(String tag) {
        return "jrb" + ProcessHandle.current().pid() % 100000 + tag;
    }

    @Test
    void aKernelBootsWithItsInterfaceOnTheTap() throws Exception {
        String tap = name("a");
        try (RumpKernel k = Rump.builder().component("net").tap("eth0", tap).boot()) {
            NetConfig.Interface eth0 = k.netconfig().interfaces().stream().filter(i -> i.name().equals("eth0")).findFirst().orElseThrow();
            assertEquals(1500, eth0.mtu());
            assertTrue(Files.exists(Path.of("/sys/class/net", tap)), "the TAP was created");
            k.netconfig().ifdestroy("eth0");
            assertFalse(Files.exists(Path.of("/sys/class/net", tap)), "destroying the interface closes the TAP");
        }
        try (RumpKernel k = Rump.builder().component("net").tap("eth0", tap).boot()) {
            assertTrue(Files.exists(Path.of("/sys/class/net", tap)));
            k.close();
            assertFalse(Files.exists(Path.of("/sys/class/net", tap)), "closing the kernel closes the TAP");
        }
    }

    @Test
    void aTapThatCannotBeOpenedFailsTheBoot() throws Exception {
        String tap = name("b");
        BootException missing = assertThrows(BootException.class,
                () -> Rump.builder().component("net").option("tap.create", "false").tap("eth0", tap).boot());
        ErrnoException cause = assertInstanceOf(ErrnoException.class, missing.getCause());
        assertEquals(Errno.ENODEV, cause.errno());
        assertTrue(missing.getMessage().contains(tap), missing.getMessage());

        try (RumpKernel first = Rump.builder().component("net").tap("eth0", tap).boot()) {
            BootException busy = assertThrows(BootException.class, () -> Rump.builder().component("net").tap("eth0", tap).boot());
            assertEquals(Errno.EBUSY, assertInstanceOf(ErrnoException.class, busy.getCause()).errno(), busy.getMessage());
            assertTrue(first.netconfig().interfaces().stream().anyMatch(i -> i.name().equals("eth0")), "the first kernel keeps its TAP");
        }
    }
}
