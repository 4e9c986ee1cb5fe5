package io.jrump.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.platform.host.HostTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

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

    /**
     * The flag of a listening socket in {@code /proc/net/unix} ({@code __SO_ACCEPTCON} in
     * Linux's {@code include/linux/net.h}).
     */
    private static final int SO_ACCEPTCON = 0x10000;

    private Peers() {
    }

    /**
     * Waits until {@code daemon} listens on the Unix socket {@code socket}. A daemon's socket file
     * appears at {@code bind()}, before {@code listen()}: a connect in between is refused. Listening
     * is read from {@code /proc/net/unix}, so the daemon sees no probe connection (a
     * vhost-user backend serves one frontend at a time and would take a probe for one).
     *
     * @param log the file the daemon writes to, quoted in the failure message
     * @throws AssertionError when the daemon ends or 20 s pass first
     */
    public static void awaitListening(Process daemon, Path socket, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String path = socket.toAbsolutePath().toString();
        while (!listening(path)) {
            if (!daemon.isAlive() || System.nanoTime() > deadline) {
                daemon.destroyForcibly();
                throw new AssertionError(daemon.info().command().orElse("daemon") + " is not listening on " + socket
                        + (daemon.isAlive() ? " after 20 s" : " (exited)") + ": " + (Files.exists(log) ? Files.readString(log) : ""));
            }
            Thread.sleep(10);
        }
    }

    private static boolean listening(String path) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 8 && f[7].equals(path) && f[3].matches("[0-9A-Fa-f]+")
                    && (Integer.parseInt(f[3], 16) & SO_ACCEPTCON) != 0) {
                return true;
            }
        }
        return false;
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
