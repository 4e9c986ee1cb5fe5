package io.jrump.netinet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.platform.host.HostTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Running the network tests' real peers (tcpdump, tshark) with standard error kept apart:
 * tshark warns there when run as root, which must not mix with the fields the tests compare.
 * Finding them, and skipping when one is missing, is {@link io.jrump.testing.Peers}'s job.
 */
public final class PeerTools {
    private PeerTools() {
    }

    /**
     * Runs {@code cmd} and returns its standard output; it must exit 0 within
     * {@code timeoutSeconds}. Standard error is shown only when the command fails.
     */
    public static String run(long timeoutSeconds, String... cmd) throws Exception {
        Path err = Files.createTempFile("jrump-tool", ".err");
        try {
            Process pr = HostTools.processBuilder(List.of(cmd)).redirectError(err.toFile()).start();
            pr.getOutputStream().close();
            String out = new String(pr.getInputStream().readAllBytes());
            assertTrue(pr.waitFor(timeoutSeconds, TimeUnit.SECONDS), "tool finished");
            assertEquals(0, pr.exitValue(), String.join(" ", cmd) + ":\n" + out + Files.readString(err));
            return out;
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
