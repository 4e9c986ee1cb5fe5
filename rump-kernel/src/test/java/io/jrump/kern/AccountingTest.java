package io.jrump.kern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.BootException;
import io.jrump.api.KernelAccounting;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Per-kernel accounting of the base kernel: calls, CPU, time alive; the meter's nesting and pauses. */
class AccountingTest {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    @Test
    void countsCallsAndChargesTheirTime() throws Exception {
        try (RumpKernel k = Rump.builder().platform("host").boot()) {
            int[] p = k.sys().pipe();
            for (int i = 0; i < 1000; i++) {
                k.sys().write(p[1], ByteBuffer.wrap(new byte[] {1}));
                k.sys().read(p[0], ByteBuffer.allocate(1));
            }
            KernelAccounting a = k.accounting();
            assertEquals(2001, a.syscalls(), a.toString()); // pipe, then 1000 writes and reads
            assertTrue(a.cpuNanos() > 0, a.toString());
            assertTrue(a.cpuNanos() <= a.aliveNanos(), "one thread cannot spend more than the time alive: " + a);
            assertEquals(0, a.bytesIn(), "pipe bytes are no socket bytes: " + a);
            assertEquals(1, a.boots());
        }
    }

    @Test
    void offCountsNothingButBootAndTime() throws Exception {
        try (RumpKernel k = Rump.builder().platform("host").option("accounting", "off").boot()) {
            k.sys().getpid();
            KernelAccounting a = k.accounting();
            assertEquals(0, a.syscalls());
            assertEquals(0, a.cpuNanos());
            assertEquals(1, a.boots());
            assertTrue(a.aliveNanos() > 0);
        }
    }

    @Test
    void aBadModeIsABootError() {
        BootException e = assertThrows(BootException.class, () -> Rump.builder().platform("host").option("accounting", "maybe").boot());
        assertTrue(e.getMessage().contains("accounting=maybe"), e.getMessage());
    }

    @Test
    void timeAliveStopsAtClose() throws Exception {
        RumpKernel k = Rump.builder().platform("host").boot();
        k.close();
        long alive = k.accounting().aliveNanos();
        Thread.sleep(5);
        assertEquals(alive, k.accounting().aliveNanos());
    }

    @Test
    void cpuClockChargesNoMoreThanTheThreadUsed() throws Exception {
        try (RumpKernel k = Rump.builder().platform("host").option("accounting", "cpu").boot()) {
            long before = THREADS.getCurrentThreadCpuTime();
            int[] p = k.sys().pipe();
            for (int i = 0; i < 2000; i++) {
                k.sys().write(p[1], ByteBuffer.wrap(new byte[64]));
                k.sys().read(p[0], ByteBuffer.allocate(64));
            }
            long used = THREADS.getCurrentThreadCpuTime() - before;
            KernelAccounting a = k.accounting();
            assertTrue(a.cpuNanos() > 0 && a.cpuNanos() <= used, a + " against " + used + " ns of the thread");
        }
    }

    /**
     * The thread CPU clock ({@code accounting=cpu}) and work measured on it: a thread that the
     * host preempts or a collector stops is charged nothing meanwhile, so load on the machine
     * cannot move either kernel's charge towards the other. Charging the nested stretch to both
     * kernels would give the outer one more than the inner.
     */
    @Test
    void nestedWorkIsChargedToTheInnerKernelOnly() throws Exception {
        Accounting outer = new Accounting(Accounting.Mode.CPU, System.nanoTime());
        Accounting inner = new Accounting(Accounting.Mode.CPU, System.nanoTime());
        CpuMeter m = outer.enter();
        work(2_000_000);
        CpuMeter n = inner.enter();
        work(20_000_000);
        n.close();
        m.close();
        long o = outer.snapshot(System.nanoTime()).cpuNanos();
        long i = inner.snapshot(System.nanoTime()).cpuNanos();
        assertTrue(i >= 20_000_000, "inner " + i);
        assertTrue(o >= 2_000_000 && o < i / 2, "outer " + o + " must not include the inner " + i);
    }

    @Test
    void aPausedWaitIsNotCharged() throws Exception {
        Accounting a = new Accounting(Accounting.Mode.ON, System.nanoTime());
        CpuMeter m = a.enter();
        CpuMeter p = CpuMeter.pause();
        Thread.sleep(50);
        p.resume();
        m.close();
        assertTrue(a.snapshot(System.nanoTime()).cpuNanos() < 40_000_000, "50 ms asleep charged: " + a.snapshot(System.nanoTime()));
    }

    /** Keeps the thread busy until it has used {@code nanos} of CPU time. */
    private static void work(long nanos) {
        long end = THREADS.getCurrentThreadCpuTime() + nanos;
        while (THREADS.getCurrentThreadCpuTime() < end) {
            Thread.onSpinWait();
        }
    }
}
