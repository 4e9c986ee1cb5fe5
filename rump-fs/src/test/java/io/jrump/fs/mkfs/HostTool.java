package io.jrump.fs.mkfs;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real peer (e2fsck, debugfs, mke2fs) run as a process; a test whose peer is missing is skipped with the reason printed. */
public final class HostTool {
    /** Exit status and merged output of one run. */
    public record Result(int status, String output) {
    }

    private HostTool() {
    }

    /** Skips the calling test, printing why, unless {@code tool} is installed. */
    public static void require(String tool, String debianPackage) {
        boolean found = false;
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                found = true;
            }
        }
        if (!found) {
            System.out.println("SKIPPED: " + tool + " not installed (Debian package " + debianPackage + ")");
        }
        assumeTrue(found, tool + " not installed (Debian package " + debianPackage + ")");
    }

    public static Result run(String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(List.of(command)).redirectErrorStream(true);
        pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + ": timed out");
        }
        return new Result(p.exitValue(), out);
    }

    /** Runs a command that must succeed; returns its output. */
    public static String ok(String... command) throws IOException, InterruptedException {
        Result r = run(command);
        if (r.status() != 0) {
            throw new AssertionError(String.join(" ", command) + ": exit " + r.status() + "\n" + r.output());
        }
        return r.output();
    }
}
