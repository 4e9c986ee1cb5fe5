package io.jrump.platform.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
import io.jrump.api.spi.DeviceInfo;
import io.jrump.api.spi.DeviceSpec;
import io.jrump.api.spi.Platform;
import io.jrump.api.spi.PlatformConfig;
import io.jrump.api.spi.Probe;
import io.jrump.dev.FileBlockDevice;
import io.jrump.dev.MemoryBlockDevice;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostPlatformTest {
    /** Generous: these tests check that things happen, never how fast. */
    private static final long WAIT_SECONDS = 10;
    private static final AtomicInteger SCHEDULERS = new AtomicInteger();

    private final String prefix = "test-timer-" + SCHEDULERS.incrementAndGet();
    private final TimerScheduler scheduler = new TimerScheduler(prefix, TimeUnit.MILLISECONDS.toNanos(50));
    private final HostPlatformProvider provider = new HostPlatformProvider(scheduler);

    @TempDir
    Path dir;

    @AfterEach
    void stopScheduler() {
        scheduler.shutdown();
    }

    private Platform open(String kernel, DeviceSpec... devices) throws ErrnoException {
        return provider.open(new PlatformConfig(kernel, Map.of(), List.of(devices)));
    }

    private Path image(String name, long size) throws Exception {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting for: " + what);
            }
            Thread.sleep(5);
        }
    }

    private long liveThreadsNamed(String namePrefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(namePrefix)).count();
    }

    @Test
    void theHostIsAlwaysSupportedAtTheLowestPriority() {
        HostPlatformProvider p = new HostPlatformProvider();
        assertEquals("host", p.name());
        Probe probe = p.probe();
        assertTrue(probe.supported());
        assertEquals(HostPlatformProvider.PRIORITY, probe.priority());
    }

    @Test
    void clocks() throws Exception {
        try (Platform p = open("k")) {
            assertEquals("host", p.name());
            assertEquals(Platform.HYPERCALL_VERSION, p.version());
            long before = p.monotonicNanos();
            p.sleepNanos(TimeUnit.MILLISECONDS.toNanos(2));
            assertTrue(p.monotonicNanos() - before >= TimeUnit.MILLISECONDS.toNanos(2), "slept at least as asked");
            long wall = p.wallClockNanos();
            long millis = System.currentTimeMillis();
            assertTrue(Math.abs(wall / 1_000_000 - millis) < 10_000, "wall clock is the epoch clock");
        }
    }

    @Test
    void wallClockHasSubMillisecondResolution() throws Exception {
        try (Platform p = open("k")) {
            boolean finer = false;
            for (int i = 0; i < 10_000 && !finer; i++) {
                finer = p.wallClockNanos() % 1_000_000 != 0;
            }
            assertTrue(finer, "some reading falls between milliseconds");
        }
    }

    @Test
    void entropy() throws Exception {
        try (Platform p = open("k")) {
            byte[] a = new byte[32];
            byte[] b = new byte[32];
            p.entropy(a);
            p.entropy(b);
            assertFalse(Arrays.equals(a, new byte[32]));
            assertFalse(Arrays.equals(a, b));
        }
    }

    @Test
    void loggerIsNamedAfterTheKernel() throws Exception {
        try (Platform p = open("tenant42")) {
            assertEquals("jrump.tenant42", p.logger().getName());
        }
    }

    @Test
    void kernelThreadsAreDaemonsNamedAfterTheKernelAndStopOnClose() throws Exception {
        HostPlatform p = (HostPlatform) open("k7");
        CountDownLatch running = new CountDownLatch(1);
        AtomicInteger interrupted = new AtomicInteger();
        Thread t = p.newThread("worker", () -> {
            running.countDown();
            try {
                Thread.sleep(TimeUnit.HOURS.toMillis(1));
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
            }
        });
        assertFalse(t.isAlive(), "not started");
        assertTrue(t.isDaemon());
        assertEquals("k7/worker", t.getName());
        t.start();
        assertTrue(running.await(WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals(1, p.liveThreads());
        p.close();
        assertFalse(t.isAlive(), "close joined the thread");
        assertEquals(1, interrupted.get());
        assertEquals(0, p.liveThreads());
        assertThrows(KernelClosedException.class, () -> p.newThread("late", () -> { }));
    }

    @Test
    void aThreadThatEndsLeavesTheKernel() throws Exception {
        try (HostPlatform p = (HostPlatform) open("k")) {
            Thread t = p.newThread("brief", () -> { });
            t.start();
            t.join();
            assertEquals(0, p.liveThreads());
        }
    }

    @Test
    void timersFire() throws Exception {
        try (HostPlatform p = (HostPlatform) open("k")) {
            CountDownLatch fired = new CountDownLatch(2);
            Platform.Timer now = p.schedule(0, fired::countDown);
            p.schedule(TimeUnit.MILLISECONDS.toNanos(20), fired::countDown);
            assertTrue(fired.await(WAIT_SECONDS, TimeUnit.SECONDS));
            assertFalse(now.cancel(), "a fired timer cannot be cancelled");
            await("fired timers forgotten", () -> p.pendingTimers() == 0);
        }
    }

    @Test
    void aCancelledTimerNeverFiresAndLeavesTheQueue() throws Exception {
        try (HostPlatform p = (HostPlatform) open("k")) {
            AtomicInteger runs = new AtomicInteger();
            Platform.Timer t = p.schedule(TimeUnit.HOURS.toNanos(1), runs::incrementAndGet);
            assertEquals(1, p.pendingTimers());
            assertTrue(t.cancel());
            assertFalse(t.cancel(), "second cancel does nothing");
            assertEquals(0, p.pendingTimers());
            assertEquals(0, scheduler.pendingCount(), "removed from the shared queue at once");
            assertEquals(0, runs.get());
        }
    }

    @Test
    void aFailingTimerTaskDoesNotStopTheScheduler() throws Exception {
        try (Platform p = open("k")) {
            p.schedule(0, () -> {
                throw new IllegalStateException("expected by the test");
            });
            CountDownLatch fired = new CountDownLatch(1);
            p.schedule(TimeUnit.MILLISECONDS.toNanos(10), fired::countDown);
            assertTrue(fired.await(WAIT_SECONDS, TimeUnit.SECONDS));
        }
    }

    @Test
    void closingAKernelCancelsOnlyItsTimers() throws Exception {
        HostPlatform a = (HostPlatform) open("a");
        try (HostPlatform b = (HostPlatform) open("b")) {
            AtomicInteger aRuns = new AtomicInteger();
            CountDownLatch bFired = new CountDownLatch(1);
            // a's timer is due well after the close even on a loaded machine; b's is due after
            // a's, so by the time b's fires a's would have fired had the close not cancelled it.
            a.schedule(TimeUnit.SECONDS.toNanos(2), aRuns::incrementAndGet);
            a.schedule(TimeUnit.HOURS.toNanos(1), aRuns::incrementAndGet);
            a.close();
            b.schedule(TimeUnit.MILLISECONDS.toNanos(2500), bFired::countDown);
            assertEquals(0, a.pendingTimers());
            assertTrue(bFired.await(WAIT_SECONDS, TimeUnit.SECONDS), "the other kernel's timer still fires");
            assertEquals(0, aRuns.get());
            Platform.Timer late = a.schedule(0, aRuns::incrementAndGet);
            assertFalse(late.cancel(), "a timer set after close was never pending");
            await("shared queue drained", () -> scheduler.pendingCount() == 0);
            assertEquals(0, aRuns.get());
        }
    }

    @Test
    void timerThreadsExistOnlyWhileTimersArePending() throws Exception {
        try (HostPlatform p = (HostPlatform) open("k")) {
            assertEquals(0, scheduler.threadCount(), "no timer yet, no thread");
            Platform.Timer far = p.schedule(TimeUnit.HOURS.toNanos(1), () -> { });
            assertTrue(scheduler.threadCount() > 0, "a pending timer has a thread waiting for it");
            Thread.sleep(200); // several keep-alive periods: a pending timer keeps its thread
            assertTrue(scheduler.threadCount() > 0);
            far.cancel();
            await("timer threads gone after cancel", () -> scheduler.threadCount() == 0 && liveThreadsNamed(prefix + "-") == 0);

            CountDownLatch fired = new CountDownLatch(1);
            p.schedule(TimeUnit.MILLISECONDS.toNanos(10), fired::countDown);
            assertTrue(fired.await(WAIT_SECONDS, TimeUnit.SECONDS));
            await("timer threads gone after firing", () -> scheduler.threadCount() == 0 && liveThreadsNamed(prefix + "-") == 0);
        }
    }

    @Test
    void idleKernelsOwnNoThreads() throws Exception {
        Platform[] kernels = new Platform[1000];
        for (int i = 0; i < kernels.length; i++) {
            kernels[i] = open("idle" + i);
        }
        assertEquals(0, scheduler.threadCount());
        assertEquals(0, liveThreadsNamed("idle"));
        for (Platform k : kernels) {
            k.close();
        }
    }

    @Test
    void openingAKernelWithoutDevicesAllocatesAlmostNothing() throws Exception {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean,
                "no per-thread allocation counter in this JVM");
        com.sun.management.ThreadMXBean counter = (com.sun.management.ThreadMXBean) mx;
        org.junit.jupiter.api.Assumptions.assumeTrue(counter.isThreadAllocatedMemorySupported(), "this JVM does not count allocated bytes per thread");
        PlatformConfig config = new PlatformConfig("k", Map.of(), List.of());
        Platform[] kept = new Platform[10_000];
        for (int i = 0; i < kept.length; i++) { // warm up
            kept[i] = provider.open(config);
        }
        long id = Thread.currentThread().getId();
        long before = counter.getThreadAllocatedBytes(id);
        for (int i = 0; i < kept.length; i++) {
            kept[i] = provider.open(config);
        }
        long perKernel = (counter.getThreadAllocatedBytes(id) - before) / kept.length;
        assertTrue(perKernel <= 256, "open() allocated " + perKernel + " bytes per kernel");
    }

    @Test
    void devicesAreListedInConfigurationOrder() throws Exception {
        Path img = image("disk.img", 1 << 20);
        MemoryBlockDevice mine = new MemoryBlockDevice("mine", 4096);
        try (Platform p = open("k", DeviceSpec.file("disk0", img, true), DeviceSpec.memory("mem0", 1L << 30),
                DeviceSpec.provided("ext0", mine))) {
            List<DeviceInfo> infos = p.devices();
            assertEquals(List.of("disk0", "mem0", "ext0"), infos.stream().map(DeviceInfo::name).toList());
            assertEquals(1 << 20, infos.get(0).size());
            assertTrue(infos.get(0).readOnly());
            assertTrue(infos.get(0).description().contains(img.toString()));
            assertEquals(1L << 30, infos.get(1).size());
            assertFalse(infos.get(1).readOnly());
            assertEquals(4096, infos.get(2).size());
            assertTrue(infos.stream().allMatch(i -> i.type() == DeviceInfo.Type.BLOCK));
        }
    }

    @Test
    void devicesOpenOnceAndCloseWithTheKernelExceptProvidedOnes() throws Exception {
        Path img = image("disk.img", 1 << 20);
        MemoryBlockDevice mine = new MemoryBlockDevice("mine", 4096);
        Platform p = open("k", DeviceSpec.file("disk0", img, false), DeviceSpec.memory("mem0", 1 << 20),
                DeviceSpec.provided("ext0", mine));
        BlockDevice disk = p.blockDevice("disk0");
        BlockDevice mem = p.blockDevice("mem0");
        assertInstanceOf(FileBlockDevice.class, disk);
        assertInstanceOf(MemoryBlockDevice.class, mem);
        assertSame(disk, p.blockDevice("disk0"));
        assertSame(mem, p.blockDevice("mem0"));
        assertSame(mine, p.blockDevice("ext0"));
        assertFalse(disk.isReadOnly());
        disk.write(0, ByteBuffer.allocate(512));
        mem.write(0, ByteBuffer.allocate(512));
        p.close();
        assertEquals(Errno.ENXIO, assertThrows(ErrnoException.class, () -> disk.read(0, ByteBuffer.allocate(512))).errno());
        assertEquals(Errno.ENXIO, assertThrows(ErrnoException.class, () -> mem.read(0, ByteBuffer.allocate(512))).errno());
        mine.read(0, ByteBuffer.allocate(512)); // the caller's device stays open
        assertEquals(Errno.ENXIO, assertThrows(ErrnoException.class, () -> p.blockDevice("disk0")).errno());
        p.close(); // again: nothing
    }

    @Test
    void eachKernelGetsItsOwnMemoryDisk() throws Exception {
        try (Platform a = open("a", DeviceSpec.memory("m", 1 << 20));
             Platform b = open("b", DeviceSpec.memory("m", 1 << 20))) {
            a.blockDevice("m").write(0, ByteBuffer.wrap(new byte[512]).put(0, (byte) 1));
            ByteBuffer buf = ByteBuffer.allocate(512);
            b.blockDevice("m").read(0, buf);
            assertEquals(0, buf.get(0));
            assertNotEquals(a.blockDevice("m"), b.blockDevice("m"));
        }
    }

    @Test
    void aReadOnlyFileDeviceRefusesWrites() throws Exception {
        try (Platform p = open("k", DeviceSpec.file("disk0", image("ro.img", 8192), true))) {
            BlockDevice d = p.blockDevice("disk0");
            assertTrue(d.isReadOnly());
            assertEquals(Errno.EROFS, assertThrows(ErrnoException.class, () -> d.write(0, ByteBuffer.allocate(512))).errno());
        }
    }

    @Test
    void unknownDevicesAreEnxio() throws Exception {
        try (Platform p = open("k", DeviceSpec.memory("m", 4096))) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> p.blockDevice("disk9"));
            assertEquals(Errno.ENXIO, e.errno());
            assertTrue(e.getMessage().contains("disk9"), e.getMessage());
            assertEquals(Errno.ENXIO, assertThrows(ErrnoException.class, () -> p.netDevice("tap0")).errno());
        }
        try (Platform none = open("k")) {
            assertEquals(List.of(), none.devices());
            assertEquals(Errno.ENXIO, assertThrows(ErrnoException.class, () -> none.blockDevice("m")).errno());
        }
    }

    @Test
    void badDevicesFailTheBootNamingDeviceAndFile() throws Exception {
        Path missing = dir.resolve("missing.img");
        ErrnoException e = assertThrows(ErrnoException.class, () -> open("k", DeviceSpec.file("disk0", missing, false)));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("disk0") && e.getMessage().contains(missing.toString()), e.getMessage());

        assertEquals(Errno.EISDIR, assertThrows(ErrnoException.class,
                () -> open("k", DeviceSpec.file("disk0", dir, false))).errno());
        Path odd = image("odd.img", 1000);
        ErrnoException size = assertThrows(ErrnoException.class, () -> open("k", DeviceSpec.file("disk0", odd, false)));
        assertEquals(Errno.EINVAL, size.errno());
        assertTrue(size.getMessage().contains("disk0") && size.getMessage().contains("1000"), size.getMessage());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class,
                () -> open("k", DeviceSpec.memory("m", 1000))).errno());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class,
                () -> open("k", DeviceSpec.memory("m", 4096), DeviceSpec.memory("m", 4096))).errno());
    }

    @Test
    void aFileIsOnlyOpenedWhenFirstUsed() throws Exception {
        Path img = image("lazy.img", 8192);
        try (Platform p = open("k", DeviceSpec.file("disk0", img, false))) {
            Files.delete(img); // checked at boot, not yet opened: opening now finds it gone
            assertEquals(Errno.ENOENT, assertThrows(ErrnoException.class, () -> p.blockDevice("disk0")).errno());
        }
    }
}
