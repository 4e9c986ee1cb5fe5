package io.jrump.netinet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The real peers the network tests run (tcpdump, tshark): whether one is installed, and running one. */
public final class PeerTools {
    private PeerTools() {
    }

    /** Whether {@code tool} is an executable on the PATH. */
    public static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code cmd} and returns its standard output; it must exit 0 within
     * {@code timeoutSeconds}. Standard error (tshark warns there when run as root) is shown
     * only when the command fails.
     */
    public static String run(long timeoutSeconds, String... cmd) throws Exception {
        Path err = Files.createTempFile("jrump-tool", ".err");
        try {
            Process pr = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            String out = new String(pr.getInputStream().readAllBytes());
            assertTrue(pr.waitFor(timeoutSeconds, TimeUnit.SECONDS), "tool finished");
            assertEquals(0, pr.exitValue(), String.join(" ", cmd) + ":\n" + out + Files.readString(err));
            return out;
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
