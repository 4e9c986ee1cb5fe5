package io.jrump.net.summon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.KernelAccounting;
import io.jrump.api.Rump;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Summoning by a host listen address: JDK sockets on 127.0.0.1 reach an echo service whose kernel boots on the first connection. */
class ListenSummonTest {
    private final LinkedBlockingQueue<SummonReport> reports = new LinkedBlockingQueue<>();

    private SummonReport next() throws InterruptedException {
        SummonReport r = reports.poll(10, TimeUnit.SECONDS);
        assertNotNull(r, "no summon report");
        return r;
    }

    private static String exchange(InetSocketAddress at, String text) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(at, 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theFirstConnectionBootsAndAnIdleKernelGoes() throws Exception {
        try (Summoner summoner = new Summoner(reports::add)) {
            SummonedService svc = summoner.onListen("echo", Rump.builder().component("net"),
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 7, Duration.ofSeconds(1), new EchoService(7), null);
            InetSocketAddress at = Summoner.listenAddress(svc);
            Thread.sleep(50);
            assertNull(svc.kernel(), "booted before any connection");

            assertEquals("hello", exchange(at, "hello"));
            assertEquals(SummonReport.Event.BOOTED, next().event());
            assertEquals(0, svc.kernel().netconfig().counters().getOrDefault("tcp.retransmits", 0L));
            SummonReport down = next();
            assertEquals(SummonReport.Event.SHUTDOWN, down.event(), down.toString());
            KernelAccounting a = down.accounting();
            assertEquals(1, a.requests(), a.toString());
            assertEquals(5, a.bytesIn(), a.toString());
            assertEquals(5, a.bytesOut(), a.toString());
            assertTrue(a.cpuNanos() > 0 && a.cpuNanos() <= a.aliveNanos() * Runtime.getRuntime().availableProcessors(), a.toString());
            assertNull(svc.kernel());

            assertEquals("again", exchange(at, "again"));
            assertEquals(SummonReport.Event.BOOTED, next().event());
            assertEquals(2, svc.totals().boots());
            assertEquals(10, svc.totals().bytesIn());
        }
        assertEquals(SummonReport.Event.SHUTDOWN, next().event(), "closing the summoner shuts the running kernel down");
    }

    @Test
    void aBootThatFailsWithAnErrorClosesEachClientAndKeepsAccepting() throws Exception {
        try (Summoner summoner = new Summoner(reports::add)) {
            Service broken = kernel -> {
                throw new java.util.ServiceConfigurationError("no such provider");
            };
            SummonedService svc = summoner.onListen("broken", Rump.builder().component("net"),
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 7, Duration.ofSeconds(1), broken, null);
            InetSocketAddress at = Summoner.listenAddress(svc);
            for (int i = 0; i < 2; i++) {
                try {
                    assertEquals("", exchange(at, "hello"), "the client's connection is closed, not left waiting");
                } catch (java.net.SocketException reset) {
                    // closed with the client's bytes unread: a reset, as from any server that closes without reading
                }
                SummonReport r = next();
                assertEquals(SummonReport.Event.FAILED, r.event(), r.toString());
                assertTrue(r.detail().contains("no such provider"), r.toString());
            }
            assertNull(svc.kernel());
        }
    }
}
