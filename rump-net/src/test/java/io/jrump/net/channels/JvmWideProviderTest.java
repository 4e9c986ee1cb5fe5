package io.jrump.net.channels;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The JVM-wide switch in a forked JVM (the provider is chosen once per JVM): the JDK's own
 * HttpServer and HttpClient run unmodified over one kernel's loopback.
 */
class JvmWideProviderTest {
    @Test
    void jdkHttpServerAndClientRunOverTheKernel() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        int requests = 50;
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                "-Djava.nio.channels.spi.SelectorProvider=" + SystemSelectorProvider.class.getName(),
                HttpServerOnKernel.class.getName(), Integer.toString(requests)))
                .redirectErrorStream(true).start();
        boolean ended = p.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.println(out);
        assertTrue(ended, "the forked JVM ended:\n" + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("provider " + SystemSelectorProvider.class.getName()), out);
        assertTrue(out.contains("ok " + requests + " served " + requests), out);
    }
}
