package io.jrump.cli;

import static io.jrump.cli.ServeTestSupport.LOOPBACK_URL;
import static io.jrump.cli.ServeTestSupport.await;
import static io.jrump.cli.ServeTestSupport.count;
import static io.jrump.cli.ServeTestSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rump serve --listen --summon --idle}: no kernel until the first connection, which the
 * summoned kernel's server answers; after the idle time the kernel is shut down and reported
 * with its accounting, and the next request summons a new one.
 */
class ServeSummonTest {
    @TempDir
    Path dir;

    @Test
    void theFirstRequestSummonsAKernelWhichGoesIdleAndIsSummonedAgain() throws Exception {
        byte[] body = new byte[70_000];
        new Random(5).nextBytes(body);
        Files.write(dir.resolve("a.bin"), body);
        StringWriter out = new StringWriter();
        int[] status = {-1};
        Thread serving = ServeTestSupport.serve(out, status, "serve", "--listen", "127.0.0.1:0", "--summon", "--idle", "1s",
                "--access-log", "off", dir.toString());
        serving.start();
        try {
            InetSocketAddress address = await(out, serving, LOOPBACK_URL);
            assertEquals(0, count(out.toString(), ": summoned "), "a kernel booted before any request: " + out);

            for (int round = 1; round <= 2; round++) {
                try (HttpClientConnection c = new HttpClientConnection(address)) {
                    HttpClientConnection.Reply r = c.request("GET", "/a.bin");
                    assertEquals(200, r.status(), out.toString());
                    assertArrayEquals(body, r.body());
                }
                waitFor(out, serving, "shut down (idle 1s)", round);
                assertEquals(round, count(out.toString(), ": summoned "), out.toString());
            }
        } finally {
            serving.interrupt();
            serving.join(20_000);
        }
        assertEquals(0, status[0], out.toString());
        assertTrue(out.toString().contains("rump serve: stopped; in all:"), out.toString());
    }
}
