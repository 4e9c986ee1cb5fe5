package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Credentials;
import io.jrump.api.OpenFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.net.http.HttpFileServer;
import io.jrump.net.http.HttpOptions;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link HttpFileServer}'s event loops with clients on the same kernel's loopback (127.0.0.1): many
 * connections held open at once on one loop thread, responses larger than a tiny send buffer
 * (every write partial), and a client that never reads while others are served.
 */
class HttpEventLoopTest {
    private static final int LARGE = 1 << 20;

    private RumpKernel kernel;
    private Syscalls clients;
    private byte[] small;
    private byte[] large;

    @BeforeEach
    void boot() throws Exception {
        kernel = Rump.builder().component("vfs", "net").boot();
        Syscalls sys = kernel.sys();
        Random r = new Random(7);
        small = new byte[1000];
        large = new byte[LARGE];
        r.nextBytes(small);
        r.nextBytes(large);
        sys.mkdir("/www", 0755);
        put(sys, "/www/small.bin", small);
        put(sys, "/www/large.bin", large);
        clients = kernel.spawn(Credentials.of(0, 0)).sys(); // a descriptor table of their own
    }

    @AfterEach
    void close() {
        kernel.close();
    }

    private static void put(Syscalls sys, String path, byte[] data) throws Exception {
        int fd = sys.open(path, OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644);
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) {
            sys.write(fd, b);
        }
        sys.close(fd);
    }

    private HttpFileServer start(HttpOptions options) throws Exception {
        return HttpFileServer.start(kernel, new InetSocketAddress("127.0.0.1", 0), "/www", options);
    }

    private long loopThreads() {
        String prefix = "httpd-" + kernel.name() + "-";
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).count();
    }

    private static void await(String what, java.util.function.BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + 30_000_000_000L;
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out waiting: " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void threeHundredConnectionsAtOnceOnOneLoopThread() throws Exception {
        int n = 300;
        try (HttpFileServer server = start(HttpOptions.defaults().withLoopThreads(1).withIdleTimeout(Duration.ofSeconds(60)))) {
            List<KernelHttpClient> open = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    KernelHttpClient c = new KernelHttpClient(clients, server.address(), 0);
                    open.add(c);
                    c.send("GET /small.bin HTTP/1.1\r\nHost: t\r\n\r\n");
                }
                await("all connections accepted", () -> server.stats().active() == n);
                assertEquals(1, loopThreads(), "one thread serves every connection");
                for (KernelHttpClient c : open) {
                    KernelHttpClient.Reply r = c.read(false);
                    assertEquals(200, r.status());
                    assertArrayEquals(small, r.body());
                }
                for (KernelHttpClient c : open) { // and each connection is kept alive for a second request
                    assertArrayEquals(small, c.get("/small.bin").body());
                }
                assertEquals(n, server.stats().active());
                assertEquals(2L * n, server.stats().requests());
            } finally {
                for (KernelHttpClient c : open) {
                    c.close();
                }
            }
            await("connections ended", () -> server.stats().active() == 0);
        }
        await("closing the server ends its loop", () -> loopThreads() == 0); // the loop counts down its latch just before its thread ends
    }

    /**
     * Many idle connections on one loop, each with a deadline in the loop's heap, and one busy
     * connection whose deadline moves on with every request: the idle ones are all closed at
     * their idle timeout while the busy one, past its first deadline long before the end, is
     * served throughout.
     */
    @Test
    void fiveHundredIdleConnectionsTimeOutWhileABusyOneIsServed() throws Exception {
        int n = 500;
        try (HttpFileServer server = start(HttpOptions.defaults().withLoopThreads(1).withIdleTimeout(Duration.ofSeconds(2)))) {
            List<KernelHttpClient> idle = new ArrayList<>();
            try (KernelHttpClient busy = new KernelHttpClient(clients, server.address(), 0)) {
                for (int i = 0; i < n; i++) {
                    idle.add(new KernelHttpClient(clients, server.address(), 0));
                }
                await("all connections accepted", () -> server.stats().active() == n + 1);
                long served = 0;
                long end = System.nanoTime() + 60_000_000_000L;
                while (server.stats().active() > 1) {
                    assertTrue(System.nanoTime() < end, "idle connections still open: " + (server.stats().active() - 1));
                    assertArrayEquals(small, busy.get("/small.bin").body());
                    served++;
                }
                assertArrayEquals(small, busy.get("/small.bin").body());
                assertEquals(1, server.stats().active(), "only the busy connection is left");
                assertEquals(served + 1, server.stats().requests());
            } finally {
                for (KernelHttpClient c : idle) {
                    c.close();
                }
            }
        }
    }

    @Test
    void twoHundredClientsOnTheirOwnThreadsAtOnce() throws Exception {
        int n = 200;
        try (HttpFileServer server = start(HttpOptions.defaults().withLoopThreads(2).withIdleTimeout(Duration.ofSeconds(60)))) {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
            java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(n);
            try {
                List<java.util.concurrent.Future<Boolean>> results = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    String file = i % 2 == 0 ? "/small.bin" : "/large.bin";
                    byte[] expected = i % 2 == 0 ? small : large;
                    results.add(pool.submit(() -> {
                        try (KernelHttpClient c = new KernelHttpClient(clients, server.address(), 0)) {
                            connected.countDown();
                            connected.await();
                            for (int k = 0; k < 3; k++) {
                                assertArrayEquals(expected, c.get(file).body());
                            }
                            return true;
                        }
                    }));
                }
                for (java.util.concurrent.Future<Boolean> f : results) {
                    assertTrue(f.get(120, java.util.concurrent.TimeUnit.SECONDS));
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void responsesLargerThanATinySendBufferArriveWhole() throws Exception {
        try (HttpFileServer server = start(HttpOptions.defaults().withLoopThreads(1).withSendBuffer(2048));
             KernelHttpClient c = new KernelHttpClient(clients, server.address(), 0)) {
            assertArrayEquals(large, c.get("/large.bin").body());
            // pipelined: a large, a small, a range of the large, a HEAD, a miss; answered in order
            c.send("GET /large.bin HTTP/1.1\r\nHost: t\r\n\r\nGET /small.bin HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET /large.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=1000-299999\r\n\r\nHEAD /large.bin HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET /none HTTP/1.1\r\nHost: t\r\n\r\n");
            assertArrayEquals(large, c.read(false).body());
            assertArrayEquals(small, c.read(false).body());
            KernelHttpClient.Reply part = c.read(false);
            assertEquals(206, part.status());
            assertArrayEquals(java.util.Arrays.copyOfRange(large, 1000, 300_000), part.body());
            assertEquals(String.valueOf(LARGE), c.read(true).headers().get("content-length"));
            assertEquals(404, c.read(false).status());
        }
    }

    @Test
    void aClientThatNeverReadsIsCutOffWhileOthersAreServed() throws Exception {
        HttpOptions options = HttpOptions.defaults().withLoopThreads(1).withSendTimeout(Duration.ofSeconds(1)).withSendBuffer(16 * 1024);
        try (HttpFileServer server = start(options);
             KernelHttpClient stuck = new KernelHttpClient(clients, server.address(), 4096)) {
            StringBuilder many = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                many.append("GET /large.bin HTTP/1.1\r\nHost: t\r\n\r\n");
            }
            stuck.send(many.toString()); // 8 MiB asked for, none of it read
            await("the stuck client's connection accepted", () -> server.stats().active() == 1);
            long start = System.nanoTime();
            try (KernelHttpClient other = new KernelHttpClient(clients, server.address(), 0)) {
                for (int i = 0; i < 5; i++) {
                    assertArrayEquals(large, other.get("/large.bin").body());
                    assertArrayEquals(small, other.get("/small.bin").body());
                }
            }
            await("the stuck client cut off", () -> server.stats().active() == 0);
            assertTrue(System.nanoTime() - start >= 1_000_000_000L, "not before the send timeout");
            // what the stuck client finds is part of the first response, then the end of the connection
            byte[] sink = new byte[64 * 1024];
            long got = 0;
            try {
                int k;
                while ((k = clients.read(stuck.fd, ByteBuffer.wrap(sink))) > 0) {
                    got += k;
                }
            } catch (io.jrump.api.ErrnoException reset) {
                // a reset: the server closed with bytes unsent
            }
            assertTrue(got < 8L * LARGE, "only part of what it asked for: " + got);
        }
    }
}
