package io.jrump.net.summon;

import static io.jrump.api.SocketConstants.AF_INET;
import static io.jrump.api.SocketConstants.SOCK_STREAM;
import static io.jrump.api.SocketConstants.SOL_SOCKET;
import static io.jrump.api.SocketConstants.SO_RCVTIMEO;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.KernelAccounting;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.net.dev.EthernetBus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Summoning on an in-memory bus: a client kernel talks to echo services that boot on its first frame. */
class SummonerTest {
    private final LinkedBlockingQueue<SummonReport> reports = new LinkedBlockingQueue<>();
    private final AtomicInteger boots = new AtomicInteger();
    private EthernetBus bus;
    private RumpKernel client;
    private Summoner summoner;

    @BeforeEach
    void setUp() throws Exception {
        bus = new EthernetBus();
        client = Rump.builder().component("net").boot();
        client.netconfig().ifcreate("shm0", bus.port());
        client.netconfig().ipv4Address("shm0", "10.0.0.1/24");
        summoner = new Summoner(reports::add);
    }

    @AfterEach
    void tearDown() {
        summoner.close();
        client.close();
    }

    private DeviceService echo(String name, String cidr, int port, Duration idle) {
        Service counted = kernel -> {
            boots.incrementAndGet();
            return new EchoService(port).start(kernel);
        };
        return (DeviceService) summoner.onDevice(name, Rump.builder().component("net"), bus.port(), ServiceAddress.of("eth0", cidr, port),
                idle, counted);
    }

    private SummonReport next(SummonReport.Event event) throws InterruptedException {
        SummonReport r = reports.poll(10, TimeUnit.SECONDS);
        assertNotNull(r, "no report of " + event);
        assertEquals(event, r.event(), r.toString());
        return r;
    }

    /** Connects, sends {@code text}, reads the echo back and closes; returns what came back. */
    private String exchange(String ip, int port, String text) throws Exception {
        Syscalls sys = client.sys();
        int s = sys.socket(AF_INET, SOCK_STREAM, 0);
        sys.setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, 5000);
        sys.connect(s, new InetSocketAddress(InetAddress.getByName(ip), port));
        byte[] out = text.getBytes(StandardCharsets.UTF_8);
        sys.write(s, ByteBuffer.wrap(out));
        ByteBuffer in = ByteBuffer.allocate(out.length);
        while (in.hasRemaining()) {
            if (sys.read(s, in) <= 0) {
                break;
            }
        }
        sys.close(s);
        return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
    }

    private long retransmits(RumpKernel k) throws Exception {
        return k.netconfig().counters().getOrDefault("tcp.retransmits", 0L);
    }

    @Test
    void nothingBootsUntilTheFirstFrameAndTheHandshakeNeedsNoRetransmission() throws Exception {
        DeviceService svc = echo("echo", "10.0.0.2/24", 7, Duration.ofSeconds(30));
        Thread.sleep(50);
        assertNull(svc.kernel(), "booted before any traffic");
        assertEquals(0, boots.get());

        assertEquals("hello", exchange("10.0.0.2", 7, "hello"));
        SummonReport booted = next(SummonReport.Event.BOOTED);
        assertTrue(booted.summonNanos() > 0, booted.toString());
        RumpKernel k = svc.kernel();
        assertNotNull(k);
        assertTrue(svc.replayed() >= 1, "the summoning ARP request was replayed");
        assertEquals(0, retransmits(client), "client retransmitted");
        assertEquals(0, retransmits(k), "server retransmitted");
        assertEquals(1, boots.get());
    }

    /** Live threads outside the JVM's own "system" group. */
    private static java.util.Set<Thread> liveThreads() {
        java.util.Set<Thread> live = new java.util.HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            ThreadGroup g = t.getThreadGroup();
            if (t.isAlive() && g != null && !"system".equals(g.getName())) {
                live.add(t);
            }
        }
        return live;
    }

    @Test
    void aColdSummonsRunsTheServiceOnParkedThreadsAndStartsNone() throws Exception {
        DeviceService svc = (DeviceService) summoner.onDevice("echo", Rump.builder().component("net"), bus.port(),
                ServiceAddress.of("eth0", "10.0.0.2/24", 7), Duration.ofMillis(100), new EchoService(7));
        svc.warmUp();
        assertEquals("warm", exchange("10.0.0.2", 7, "warm")); // the first summons: the client learns the MAC, the platform starts its timers
        next(SummonReport.Event.BOOTED);
        next(SummonReport.Event.SHUTDOWN);

        java.util.Set<Thread> before = liveThreads();
        Syscalls sys = client.sys();
        int s = sys.socket(AF_INET, SOCK_STREAM, 0);
        sys.setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, 5000);
        sys.connect(s, new InetSocketAddress(InetAddress.getByName("10.0.0.2"), 7));
        sys.write(s, ByteBuffer.wrap(new byte[] {42}));
        ByteBuffer in = ByteBuffer.allocate(1);
        assertEquals(1, sys.read(s, in));
        next(SummonReport.Event.BOOTED);
        // the accept loop and the connection's echo are running now, both on threads parked before the summons
        java.util.Set<Thread> started = liveThreads();
        started.removeAll(before);
        sys.close(s);
        assertTrue(started.isEmpty(), "threads started by a cold summons: " + started);
    }

    @Test
    void aKernelSummonedByASynAnswersWithoutAskingForTheClientsMac() throws Exception {
        echo("echo", "10.0.0.2/24", 7, Duration.ofMillis(200));
        assertEquals("one", exchange("10.0.0.2", 7, "one")); // summoned by ARP: the client learns the service's MAC
        next(SummonReport.Event.BOOTED);
        next(SummonReport.Event.SHUTDOWN);
        long before = client.netconfig().counters().get("arp.requests_received");
        assertEquals("two", exchange("10.0.0.2", 7, "two")); // summoned by the SYN
        next(SummonReport.Event.BOOTED);
        long requests = client.netconfig().counters().get("arp.requests_received") - before;
        // the one request is the new kernel's gratuitous ARP for its own address; none asks who 10.0.0.1 is
        assertEquals(1, requests, "ARP requests the client received from the summoned kernel");
        assertEquals(0, retransmits(client), "client retransmitted");
    }

    @Test
    void aConnectionLeftOpenWhenItsKernelWentIdleIsResetNotLeftHanging() throws Exception {
        DeviceService svc = echo("echo", "10.0.0.2/24", 7, Duration.ofMillis(200));
        Syscalls sys = client.sys();
        int s = sys.socket(AF_INET, SOCK_STREAM, 0);
        try {
            sys.setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, 5000);
            sys.connect(s, new InetSocketAddress(InetAddress.getByName("10.0.0.2"), 7));
            sys.write(s, ByteBuffer.wrap(new byte[] {1}));
            assertEquals(1, sys.read(s, ByteBuffer.allocate(1)));
            next(SummonReport.Event.BOOTED);
            next(SummonReport.Event.SHUTDOWN); // idle while the client keeps the connection open

            sys.write(s, ByteBuffer.wrap(new byte[] {2}));
            ErrnoException e = assertThrows(ErrnoException.class, () -> sys.read(s, ByteBuffer.allocate(1)));
            assertEquals(Errno.ECONNRESET, e.errno(), e.getMessage());
            assertEquals(1, svc.resets());
            assertNull(svc.kernel(), "a segment of a connection that is gone summons nothing");
        } finally {
            sys.close(s);
        }
    }

    @Test
    void framesQueuedWhileBootingAreReplayedAndBothHandshakesComplete() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger starts = new AtomicInteger();
        // the second kernel's service start waits until both clients' SYNs are queued
        Service gated = kernel -> {
            AutoCloseable h = new EchoService(7).start(kernel);
            if (starts.incrementAndGet() == 2) {
                release.await(10, TimeUnit.SECONDS);
            }
            return h;
        };
        DeviceService svc = (DeviceService) summoner.onDevice("gated", Rump.builder().component("net"), bus.port(),
                ServiceAddress.of("eth0", "10.0.0.2/24", 7), Duration.ofSeconds(1), gated);
        assertEquals("warm", exchange("10.0.0.2", 7, "warm")); // the client learns the MAC: its next first frames are SYNs
        next(SummonReport.Event.BOOTED);
        next(SummonReport.Event.SHUTDOWN);
        long before = svc.replayed();
        CompletableFuture<String> a = new CompletableFuture<>();
        CompletableFuture<String> b = new CompletableFuture<>();
        new Thread(() -> a.complete(call("10.0.0.2", "first"))).start();
        new Thread(() -> b.complete(call("10.0.0.2", "second"))).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (svc.queued() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(2, svc.queued(), "both SYNs wait in the queue while the kernel boots");
        release.countDown();
        assertEquals("first", a.get(20, TimeUnit.SECONDS));
        assertEquals("second", b.get(20, TimeUnit.SECONDS));
        next(SummonReport.Event.BOOTED);
        assertTrue(svc.replayed() - before >= 2, "both SYNs were replayed: " + (svc.replayed() - before));
        assertEquals(0, retransmits(client), "client retransmitted");
        RumpKernel k = svc.kernel();
        assertNotNull(k);
        assertEquals(0, retransmits(k), "server retransmitted");
        assertEquals(2, k.accounting().requests());
    }

    private String call(String ip, String text) {
        try {
            return exchange(ip, 7, text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anIdleKernelShutsDownWithItsAccountingAndTheNextRequestSummonsAnother() throws Exception {
        DeviceService svc = echo("echo", "10.0.0.2/24", 7, Duration.ofSeconds(1));
        String text = "x".repeat(10_000);
        long wallStart = System.nanoTime();
        assertEquals(text, exchange("10.0.0.2", 7, text));
        next(SummonReport.Event.BOOTED);
        SummonReport down = next(SummonReport.Event.SHUTDOWN);
        long wall = System.nanoTime() - wallStart;
        assertNull(svc.kernel());
        KernelAccounting a = down.accounting();
        assertEquals(1, a.requests(), a.toString());
        assertEquals(text.length(), a.bytesIn(), a.toString());
        assertEquals(text.length(), a.bytesOut(), a.toString());
        assertEquals(1, a.boots());
        assertTrue(a.cpuNanos() > 0, a.toString());
        assertTrue(a.cpuNanos() <= a.aliveNanos() * Runtime.getRuntime().availableProcessors(), "more CPU than alive x cores: " + a);
        assertTrue(a.aliveNanos() <= wall, a + " alive longer than the test's " + wall + " ns");

        assertEquals("again", exchange("10.0.0.2", 7, "again"));
        next(SummonReport.Event.BOOTED);
        assertTrue(svc.replayed() >= 2, "the second summons (a SYN: the client knows the MAC) was replayed");
        assertEquals(0, retransmits(client), "client retransmitted");
        assertEquals(0, retransmits(svc.kernel()), "server retransmitted");
        KernelAccounting total = svc.totals();
        assertEquals(2, total.boots());
        assertEquals(2, total.requests());
        assertEquals(text.length() + 5, total.bytesIn());
        assertEquals(2, boots.get());
    }

    @Test
    void twoServicesAreSummonedAndShutDownEachOnItsOwn() throws Exception {
        DeviceService a = echo("a", "10.0.0.2/24", 7, Duration.ofSeconds(1));
        DeviceService b = echo("b", "10.0.0.3/24", 7, Duration.ofSeconds(30));
        assertEquals("to a", exchange("10.0.0.2", 7, "to a"));
        assertEquals("a", next(SummonReport.Event.BOOTED).service());
        assertNull(b.kernel(), "b was summoned by traffic for a");
        assertEquals("to b", exchange("10.0.0.3", 7, "to b"));
        assertEquals("b", next(SummonReport.Event.BOOTED).service());
        SummonReport down = next(SummonReport.Event.SHUTDOWN);
        assertEquals("a", down.service());
        assertNull(a.kernel());
        assertNotNull(b.kernel(), "b went down with a");
        assertEquals(4, b.totals().bytesIn());
        assertEquals(4, a.totals().bytesIn());
    }

    @Test
    void durationsParseAsACommandLineWritesThem() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(2), Durations.parse("2s"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        for (String bad : new String[] {"5", "ms", "2x", "-1s", "0s", "", "99999999999999s"}) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad));
            assertTrue(e.getMessage().contains("duration"), e.getMessage());
        }
    }

    @Test
    void echoesByteForByte() throws Exception {
        echo("echo", "10.0.0.2/24", 7, Duration.ofSeconds(30));
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        String s = new String(all, StandardCharsets.ISO_8859_1);
        assertArrayEquals("ab".getBytes(StandardCharsets.UTF_8), exchange("10.0.0.2", 7, "ab").getBytes(StandardCharsets.UTF_8));
        assertEquals(256, s.length());
    }

    /**
     * Two services on one device, each at its own address: traffic for one boots it alone, and
     * each goes idle on its own while the other keeps running.
     */
    @Test
    void twoServicesOnOneDeviceAreSummonedAndShutDownEachOnItsOwn() throws Exception {
        io.jrump.api.NetDevice shared = bus.port();
        DeviceService a = (DeviceService) summoner.onDevice("a", Rump.builder().component("net"), shared,
                ServiceAddress.of("eth0", "10.0.0.2/24", 7), Duration.ofMillis(300), new EchoService(7));
        DeviceService b = (DeviceService) summoner.onDevice("b", Rump.builder().component("net"), shared,
                ServiceAddress.of("eth0", "10.0.0.3/24", 9), Duration.ofSeconds(30), new EchoService(9));
        assertEquals(2, summoner.services().size());

        assertEquals("to a", exchange("10.0.0.2", 7, "to a"));
        assertEquals("a", next(SummonReport.Event.BOOTED).service());
        assertNotNull(a.kernel());
        assertNull(b.kernel(), "traffic for a summoned b");

        assertEquals("to b", exchange("10.0.0.3", 9, "to b"));
        assertEquals("b", next(SummonReport.Event.BOOTED).service());
        RumpKernel bKernel = b.kernel();
        assertNotNull(bKernel);

        SummonReport down = next(SummonReport.Event.SHUTDOWN);
        assertEquals("a", down.service(), "a went idle on its own");
        assertNull(a.kernel());
        assertEquals(bKernel, b.kernel(), "b kept running while a shut down");
        assertEquals("again", exchange("10.0.0.3", 9, "again"));
        assertEquals(0, retransmits(client), "client retransmitted");
        assertEquals("a again", exchange("10.0.0.2", 7, "a again"));
        assertEquals("a", next(SummonReport.Event.BOOTED).service(), "a is summoned again by its next request");
        assertEquals(bKernel, b.kernel());
    }

    /** A rehearsal starts the service off the device, leaves no kernel running, and fails for a service that does not listen. */
    @Test
    void aWarmUpStartsTheServiceOffTheDeviceAndCatchesOneThatDoesNotListen() throws Exception {
        DeviceService svc = echo("echo", "10.0.0.2/24", 7, Duration.ofSeconds(30));
        svc.warmUp();
        assertEquals(1, boots.get(), "the service was started once");
        assertNull(svc.kernel(), "a kernel still runs after the rehearsal");
        assertEquals(0, svc.totals().boots(), "the rehearsal was accounted");
        assertNull(reports.poll(), "the rehearsal was reported");
        assertEquals("hi", exchange("10.0.0.2", 7, "hi"));
        assertEquals(SummonReport.Event.BOOTED, next(SummonReport.Event.BOOTED).event());

        SummonedService deaf = summoner.onDevice("deaf", Rump.builder().component("net"), bus.port(), ServiceAddress.of("eth0", "10.0.0.9/24", 80),
                Duration.ofSeconds(30), kernel -> () -> { });
        io.jrump.api.ErrnoException e = org.junit.jupiter.api.Assertions.assertThrows(io.jrump.api.ErrnoException.class, deaf::warmUp);
        assertEquals(io.jrump.api.Errno.ECONNREFUSED, e.errno(), e.getMessage());
    }
}
