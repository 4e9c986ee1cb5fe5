package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.testing.Peers;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rump serve --listen} as a user runs it, without root: a host directory copied into
 * the kernel, served by the kernel's HTTP server, reached through the host forward, so every
 * request crosses jrump's TCP. Clients are JDK sockets sending exact bytes, and curl.
 */
class ServeListenTest {
    private static final int FILES = 20;

    @TempDir
    static Path dir;
    static final List<byte[]> contents = new ArrayList<>();
    static Thread serving;
    static StringWriter out;
    static InetSocketAddress address;
    static int status = -1;

    @BeforeAll
    static void start() throws Exception {
        Random r = new Random(12);
        for (int i = 0; i < FILES; i++) {
            byte[] b = new byte[i == 0 ? 1 : r.nextInt(200_000)];
            r.nextBytes(b);
            contents.add(b);
            Files.write(dir.resolve("f" + i + ".bin"), b);
        }
        Files.writeString(dir.resolve("secret.txt"), "nobody may read this\n");
        Files.setPosixFilePermissions(dir.resolve("secret.txt"), PosixFilePermissions.fromString("rw-------"));
        Files.createDirectories(dir.resolve("docs"));
        Files.writeString(dir.resolve("docs/index.html"), "<p>docs</p>\n");
        Files.createDirectories(dir.resolve("list"));
        Files.writeString(dir.resolve("list/<b>&.txt"), "x");
        Files.createSymbolicLink(dir.resolve("passwd"), Path.of("/etc/passwd"));
        out = new StringWriter();
        var cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        serving = new Thread(() -> status = cli.execute("serve", "--listen", "127.0.0.1:0", "--header-timeout", "2s", "--idle-timeout", "60s",
                "--access-log", "-", dir.toString()));
        serving.start();
        address = ServeTestSupport.await(out, serving, ServeTestSupport.LOOPBACK_URL);
    }

    @AfterAll
    static void stop() throws Exception {
        if (serving != null) {
            serving.interrupt();
            serving.join(20_000);
            assertEquals(0, status, out.toString());
            assertTrue(out.toString().contains("rump serve: stopped after"), out.toString());
        }
    }

    @Test
    void twoHundredConcurrentClientsAllGetTheirBodies() throws Exception {
        int clients = 200;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch connected = new CountDownLatch(clients);
        try {
            List<Future<byte[]>> got = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int file = i % FILES;
                got.add(pool.submit(() -> {
                    try (HttpClientConnection c = new HttpClientConnection(address)) {
                        connected.countDown();
                        connected.await(60, TimeUnit.SECONDS); // all 200 connections open at once
                        HttpClientConnection.Reply reply = c.request("GET", "/f" + file + ".bin");
                        assertEquals(200, reply.status());
                        return reply.body();
                    }
                }));
            }
            for (int i = 0; i < clients; i++) {
                assertArrayEquals(contents.get(i % FILES), got.get(i).get(120, TimeUnit.SECONDS), "client " + i);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSlowlorisClientIsCutOffWhileOthersAreServed() throws Exception {
        byte[] head = "GET /f1.bin HTTP/1.1\r\nHost: test\r\nX-Slow: one byte a second\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        try (HttpClientConnection slow = new HttpClientConnection(address)) {
            slow.socket.setSoTimeout(1000);
            int sent = 0;
            HttpClientConnection.Reply cut = null;
            boolean othersServed = false;
            while (sent < head.length) {
                slow.send(new byte[] {head[sent++]});
                if (!othersServed) {
                    // while the slow client holds its connection, others get whole answers
                    try (HttpClientConnection c = new HttpClientConnection(address)) {
                        for (int i = 0; i < 10; i++) {
                            assertArrayEquals(contents.get(i), c.request("GET", "/f" + i + ".bin").body());
                        }
                    }
                    othersServed = true;
                }
                try {
                    cut = slow.read(false); // waits up to a second: the pace of the slow client
                    break;
                } catch (SocketTimeoutException stillWaiting) {
                    // the server is still waiting for the head
                }
            }
            assertTrue(othersServed);
            assertNotNull(cut, "the slow client sent its whole head without being cut off");
            assertEquals(408, cut.status());
            assertTrue(sent < head.length, "cut off after " + sent + " of " + head.length + " bytes");
            assertEquals("close", cut.headers().get("connection"));
            slow.socket.setSoTimeout(10_000);
            assertTrue(slow.closedByServer());
        }
    }

    @Test
    void keepAliveAndPipelining() throws Exception {
        try (HttpClientConnection c = new HttpClientConnection(address)) {
            for (int i = 0; i < 5; i++) {
                HttpClientConnection.Reply r = c.request("GET", "/f" + i + ".bin");
                assertArrayEquals(contents.get(i), r.body());
                assertNull(r.headers().get("connection"));
            }
            c.send("GET /f3.bin HTTP/1.1\r\nHost: a\r\n\r\nHEAD /f4.bin HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "GET /f5.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            assertArrayEquals(contents.get(3), c.read(false).body());
            HttpClientConnection.Reply head = c.read(true);
            assertEquals(String.valueOf(contents.get(4).length), head.headers().get("content-length"));
            assertEquals(404, c.read(false).status());
            HttpClientConnection.Reply last = c.read(false);
            assertArrayEquals(contents.get(5), last.body());
            assertEquals("close", last.headers().get("connection"));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void conditionalAndRangeRequests() throws Exception {
        try (HttpClientConnection c = new HttpClientConnection(address)) {
            HttpClientConnection.Reply full = c.request("GET", "/f2.bin");
            String etag = full.headers().get("etag");
            String modified = full.headers().get("last-modified");
            assertEquals("application/octet-stream", full.headers().get("content-type"));
            assertEquals(304, c.request("GET", "/f2.bin", "If-None-Match: " + etag).status());
            assertEquals(304, c.request("GET", "/f2.bin", "If-Modified-Since: " + modified).status());
            assertEquals(200, c.request("GET", "/f2.bin", "If-None-Match: \"other\"", "If-Modified-Since: " + modified).status());
            byte[] b = contents.get(2);
            HttpClientConnection.Reply part = c.request("GET", "/f2.bin", "Range: bytes=100-199");
            assertEquals(206, part.status());
            assertEquals("bytes 100-199/" + b.length, part.headers().get("content-range"));
            assertArrayEquals(java.util.Arrays.copyOfRange(b, 100, 200), part.body());
            HttpClientConnection.Reply tail = c.request("GET", "/f2.bin", "Range: bytes=-10");
            assertArrayEquals(java.util.Arrays.copyOfRange(b, b.length - 10, b.length), tail.body());
            HttpClientConnection.Reply past = c.request("GET", "/f2.bin", "Range: bytes=" + b.length + "-");
            assertEquals(416, past.status());
            assertEquals("bytes */" + b.length, past.headers().get("content-range"));
            assertEquals(200, c.request("GET", "/f2.bin", "Range: bytes=0-1", "If-Range: \"stale\"").status());
        }
    }

    @Test
    void directoriesAndTypes() throws Exception {
        try (HttpClientConnection c = new HttpClientConnection(address)) {
            HttpClientConnection.Reply redirect = c.request("GET", "/docs");
            assertEquals(301, redirect.status());
            assertEquals("/docs/", redirect.headers().get("location"));
            HttpClientConnection.Reply index = c.request("GET", "/docs/");
            assertEquals("<p>docs</p>\n", index.text());
            assertEquals("text/html; charset=utf-8", index.headers().get("content-type"));
            HttpClientConnection.Reply listing = c.request("GET", "/list/");
            assertEquals(200, listing.status());
            assertTrue(listing.text().contains("href=\"%3Cb%3E%26.txt\">&lt;b&gt;&amp;.txt</a>"), listing.text());
            assertTrue(c.request("GET", "/").text().contains("f19.bin"));
        }
    }

    /** The "bad input": each gets its 4xx, and nothing outside the served tree is ever sent. */
    @Test
    void hostileRequestsGetTheRight4xx() throws Exception {
        assertEquals(400, once("GET /../../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n").status());
        assertEquals(400, once("GET /docs/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n").status());
        assertEquals(400, once("GET /f1.bin%00.txt HTTP/1.1\r\nHost: a\r\n\r\n").status());
        assertEquals(400, once("GET /docs%2findex.html HTTP/1.1\r\nHost: a\r\n\r\n").status());
        assertEquals(400, once("GARBAGE\r\n\r\n").status());
        assertEquals(400, once("GET / HTTP/1.1\r\n\r\n").status());
        assertEquals(421, once("GET http://elsewhere.example/f1.bin HTTP/1.1\r\nHost: a\r\n\r\n").status());
        assertEquals(200, once("GET http://a/f0.bin HTTP/1.1\r\nHost: a\r\n\r\n").status());
        assertEquals(405, once("POST /f1.bin HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc").status());
        assertEquals(405, once("DELETE /f1.bin HTTP/1.1\r\nHost: a\r\n\r\n").status());
        assertEquals(414, once("GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: a\r\n\r\n").status());
        assertEquals(431, once("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n").status());
        StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 150; i++) {
            many.append("X-").append(i).append(": 1\r\n");
        }
        assertEquals(431, once(many + "\r\n").status());
        assertEquals(403, once("GET /secret.txt HTTP/1.1\r\nHost: a\r\n\r\n").status(), "0600 is not for the server's user");
        assertEquals(404, once("GET /passwd HTTP/1.1\r\nHost: a\r\n\r\n").status(), "a link to /etc/passwd resolves inside the kernel");
        assertEquals(505, once("GET / HTTP/3.0\r\nHost: a\r\n\r\n").status());
    }

    private static HttpClientConnection.Reply once(String raw) throws IOException {
        try (HttpClientConnection c = new HttpClientConnection(address)) {
            c.send(raw);
            return c.read(false);
        }
    }

    @Test
    void curlRangeKeepAliveAnd404() throws Exception {
        Path curl = Peers.require("curl", "curl");
        String base = "http://127.0.0.1:" + address.getPort();
        String range = Peers.ok(curl.toString(), "-sS", "-r", "0-9", "-w", "\\n%{http_code}", base + "/f3.bin", "-o", dir.resolve("range.out").toString());
        assertEquals("206", range.trim());
        assertArrayEquals(java.util.Arrays.copyOfRange(contents.get(3), 0, 10), Files.readAllBytes(dir.resolve("range.out")));
        String seq = Peers.ok(curl.toString(), "-sS", "-v", base + "/f4.bin", "-o", dir.resolve("a.out").toString(),
                base + "/f5.bin", "-o", dir.resolve("b.out").toString(), base + "/f6.bin", "-o", dir.resolve("c.out").toString());
        assertTrue(seq.contains("Re-using existing connection"), seq);
        assertEquals(1, seq.split("Connected to", -1).length - 1, "one connection for three requests:\n" + seq);
        assertArrayEquals(contents.get(4), Files.readAllBytes(dir.resolve("a.out")));
        assertArrayEquals(contents.get(5), Files.readAllBytes(dir.resolve("b.out")));
        assertArrayEquals(contents.get(6), Files.readAllBytes(dir.resolve("c.out")));
        String missing = Peers.ok(curl.toString(), "-sS", "-o", "/dev/null", "-w", "%{http_code}", base + "/no/such/file");
        assertEquals("404", missing.trim());
        assertTrue(out.toString().contains("\"GET /no/such/file HTTP/1.1\" 404"), "access log: " + out);
    }
}
