package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./rump} launcher's first-use build, with a stand-in for Maven that colours its
 * output as Maven 3.8 does even in batch mode: when the launcher's output is not a terminal
 * (a CI log, a pipe), it holds no ANSI escape codes.
 */
class LauncherTest {
    /** The launcher at the top of the source tree; tests run in the module's directory. */
    private static final Path LAUNCHER = Path.of("..", "rump");

    @TempDir
    Path dir;

    @Test
    void firstUseBuildWritesNoEscapeCodesWhenNotOnATerminal() throws Exception {
        Path launcher = dir.resolve("rump");
        Files.copy(LAUNCHER, launcher);
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, "#!/bin/sh\n"
                + "printf '\\033[0m\\033[0m\\033[1;34m[INFO]\\033[0m built\\n'\n"
                + "mkdir -p rump-cli/target && : > rump-cli/target/rump-cli.jar\n");
        for (Path p : new Path[] {launcher, mvn}) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "version").redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":/usr/bin:/bin");
        pb.environment().put("JAVA", "/bin/echo"); // stands in for java: prints what it would run
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher finished");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("rump: building rump-cli"), out);
        assertTrue(out.contains("[INFO] built"), out);
        assertTrue(out.contains("-jar " + dir.toRealPath().resolve("rump-cli/target/rump-cli.jar") + " version"), out);
        assertFalse(out.contains("\u001b"), "escape codes in: " + out.replace("\u001b", "ESC"));
    }
}
