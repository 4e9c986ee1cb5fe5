package io.jrump.dev.part;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the host's partitioning tools; a test whose tool is missing is skipped with the reason printed. */
final class HostTools {
    private HostTools() {
    }

    /** Skips the calling test, saying why, unless {@code tool} is on the PATH (or in /sbin). */
    static void require(String tool, String debianPackage) {
        boolean found = false;
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                found = true;
                break;
            }
        }
        if (!found) {
            System.out.println("SKIPPED: " + tool + " not installed (Debian package " + debianPackage + ")");
        }
        assumeTrue(found, tool + " not installed (Debian package " + debianPackage + ")");
    }

    /** Runs a command with {@code stdin} fed to it; returns its output, failing the test on a non-zero exit. */
    static String run(String stdin, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + ": timed out");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + ": exit " + p.exitValue() + "\n" + out);
        }
        return out;
    }
}
