package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rump serve --access-log FILE}: lines in the common log format go to the file, which is closed when the command stops. */
class ServeAccessLogTest {
    @TempDir
    Path dir;

    /** How many descriptors of this JVM refer to {@code file} (Linux's /proc/self/fd). */
    private static long openDescriptors(Path file) throws IOException {
        Path fds = Path.of("/proc/self/fd");
        try (Stream<Path> s = Files.list(fds)) {
            return s.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file);
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        }
    }

    @Test
    void theLogFileHasTheRequestsAndIsClosedOnShutdown() throws Exception {
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "hello\n");
        Path log = dir.toRealPath().resolve("access.log"); // as /proc/self/fd names it
        StringWriter out = new StringWriter();
        int[] status = {-1};
        Thread serving = ServeTestSupport.serve(out, status, "serve", "--listen", "127.0.0.1:0", "--access-log", log.toString(), www.toString());
        serving.start();
        InetSocketAddress address = ServeTestSupport.await(out, serving, ServeTestSupport.LOOPBACK_URL);
        try (HttpClientConnection c = new HttpClientConnection(address)) {
            assertEquals(200, c.request("GET", "/a.txt").status());
            assertEquals(404, c.request("GET", "/missing").status());
        }
        assertEquals(1, openDescriptors(log), "the log is open while serving");
        serving.interrupt();
        serving.join(20_000);
        assertEquals(0, status[0], out.toString());
        assertEquals(0, openDescriptors(log), "the log file is closed when serving stops");
        List<String> lines = Files.readAllLines(log);
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).matches("\\S+ - - \\[\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} \\+0000\\] \"GET /a.txt HTTP/1.1\" 200 6"), lines.get(0));
        assertTrue(lines.get(1).endsWith("\"GET /missing HTTP/1.1\" 404 " + "404 Not Found\n".length()), lines.get(1));
    }
}
