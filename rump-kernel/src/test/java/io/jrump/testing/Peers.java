package io.jrump.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.platform.host.HostTools;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What the tests of every module use to run a real peer (e2fsck, sfdisk, tcpdump, ...) or to
 * do what only root may: a test whose peer is missing, or that needs root when it is not, is
 * skipped with the reason, which {@link SkipReporter} prints on the console. Tools are found
 * and run by {@link HostTools}, as the demo and the benchmarks find and run them, so an
 * ordinary user whose PATH lacks {@code /usr/sbin} runs the same tests as root.
 */
public final class Peers {
    /** Long enough for e2fsck or mke2fs on the largest test image on a loaded machine. */
    private static final long TIMEOUT_SECONDS = 120;

    private Peers() {
    }

    /** Skips the calling test unless {@code tool} is installed; returns the path it runs from. */
    public static Path require(String tool, String debianPackage) {
        Path p = HostTools.find(tool).orElse(null);
        assumeTrue(p != null, () -> HostTools.notInstalled(tool, debianPackage));
        return p;
    }

    /** Skips the calling test unless it runs as root; {@code why} says what needs root. */
    public static void requireRoot(String why) {
        assumeTrue(HostTools.isRoot(), () -> "not root: " + why);
    }

    /** Runs a command (its program found as {@link HostTools#find} finds it) and returns status and merged output. */
    public static HostTools.Result run(String... command) throws IOException, InterruptedException {
        return HostTools.run(TIMEOUT_SECONDS, null, List.of(command));
    }

    /** {@link #run} for a command that must succeed: a non-zero exit fails the test with the output. */
    public static String ok(String... command) throws IOException, InterruptedException {
        return okWithInput(null, command);
    }

    /** {@link #ok} feeding {@code stdin} to the command. */
    public static String okWithInput(String stdin, String... command) throws IOException, InterruptedException {
        HostTools.Result r = HostTools.run(TIMEOUT_SECONDS, stdin, List.of(command));
        if (r.status() != 0) {
            throw new AssertionError(String.join(" ", command) + ": exit " + r.status() + "\n" + r.output());
        }
        return r.output();
    }
}
