package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rump serve} prints what its kernel cost when it stops, summoned or not, and with one
 * address per source serves each source as a service of its own, summoned on its own.
 */
class ServeAccountingTest {
    /** "cpu 1.234 ms, 12 syscalls, 1 request, 10 B in, 120 B out, 1 boot, alive 2.001 s" (KernelAccounting.toString). */
    private static final Pattern COST = Pattern.compile(
            "cpu ([0-9.]+) ms, (\\d+) syscalls?, (\\d+) requests?, (\\d+) B in, (\\d+) B out, (\\d+) boots?, alive ([0-9.]+) s");

    @TempDir
    Path dir;

    @Test
    void aBootedKernelsCostIsPrintedAtShutdownAndAddsUp() throws Exception {
        byte[] body = new byte[50_000];
        new Random(7).nextBytes(body);
        Files.write(dir.resolve("a.bin"), body);
        StringWriter out = new StringWriter();
        Thread serving = serve(out, "serve", "--listen", "127.0.0.1:0", "--access-log", "off", dir.toString());
        try {
            InetSocketAddress a = ServeTestSupport.await(out, serving, ServeTestSupport.LOOPBACK_URL);
            for (int i = 0; i < 3; i++) {
                try (HttpClientConnection c = new HttpClientConnection(a)) {
                    HttpClientConnection.Reply r = c.request("GET", "/a.bin");
                    assertEquals(200, r.status());
                    assertArrayEquals(body, r.body());
                }
            }
        } finally {
            serving.interrupt();
            serving.join(20_000);
        }
        Matcher m = Pattern.compile("rump serve: rump-\\d+ cost " + COST.pattern()).matcher(out.toString());
        assertTrue(m.find(), out.toString());
        double cpuMs = Double.parseDouble(m.group(1));
        double aliveS = Double.parseDouble(m.group(7));
        assertTrue(cpuMs > 0, m.group());
        assertTrue(cpuMs / 1000 <= aliveS * Runtime.getRuntime().availableProcessors(), "cpu time beyond wall time x cores: " + m.group());
        assertEquals(3, Long.parseLong(m.group(3)), "requests: " + m.group());
        assertTrue(Long.parseLong(m.group(4)) > 0, "bytes in: " + m.group());
        assertTrue(Long.parseLong(m.group(5)) >= 3L * body.length, "bytes out: " + m.group());
        assertEquals(1, Long.parseLong(m.group(6)), m.group());
    }

    @Test
    void oneAddressPerSourceMakesServicesSummonedEachOnItsOwn() throws Exception {
        Path a = Files.createDirectories(dir.resolve("alpha"));
        Path b = Files.createDirectories(dir.resolve("beta"));
        Files.writeString(a.resolve("x.txt"), "from alpha\n");
        Files.writeString(b.resolve("x.txt"), "from beta\n");
        StringWriter out = new StringWriter();
        Thread serving = serve(out, "serve", "--summon", "--idle", "30s", "--listen", "127.0.0.1:0", "--listen", "127.0.0.1:0",
                "--access-log", "off", a.toString(), b.toString());
        try {
            InetSocketAddress alpha = ServeTestSupport.await(out, serving, Pattern.compile("at http://127\\.0\\.0\\.1:(\\d+)/.* as alpha"));
            InetSocketAddress beta = ServeTestSupport.await(out, serving, Pattern.compile("at http://127\\.0\\.0\\.1:(\\d+)/.* as beta"));
            try (HttpClientConnection c = new HttpClientConnection(beta)) {
                HttpClientConnection.Reply r = c.request("GET", "/x.txt");
                assertEquals("from beta\n", new String(r.body()), out.toString());
            }
            assertTrue(out.toString().contains("beta: summoned"), out.toString());
            assertTrue(!out.toString().contains("alpha: summoned"), "a request to beta summoned alpha: " + out);
            try (HttpClientConnection c = new HttpClientConnection(alpha)) {
                assertEquals("from alpha\n", new String(c.request("GET", "/x.txt").body()), out.toString());
            }
            assertTrue(out.toString().contains("alpha: summoned"), out.toString());
        } finally {
            serving.interrupt();
            serving.join(20_000);
        }
        assertTrue(out.toString().contains("in all for alpha: cpu"), out.toString());
        assertTrue(out.toString().contains("in all for beta: cpu"), out.toString());
    }

    @Test
    void severalAddressesWithoutSummonOrForTheWrongCountAreUsageErrors() {
        StringWriter out = new StringWriter();
        var cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        assertEquals(2, cli.execute("serve", "--listen", "127.0.0.1:0", "--listen", "127.0.0.1:0", dir.toString(), dir.toString()), out.toString());
        assertTrue(out.toString().contains("need --summon"), out.toString());
        assertEquals(2, cli.execute("serve", "--summon", "--listen", "127.0.0.1:0", "--listen", "127.0.0.1:0", dir.toString()), out.toString());
        assertTrue(out.toString().contains("2 addresses for 1 sources"), out.toString());
    }

    private static Thread serve(StringWriter out, String... args) {
        Thread t = ServeTestSupport.serve(out, new int[1], args);
        t.start();
        return t;
    }
}
