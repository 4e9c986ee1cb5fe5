package io.jrump.platform.host;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The host's own programs (e2fsck, mke2fs, sfdisk, tcpdump, ...) that the demo, the
 * benchmarks and the tests run as real peers: the one place that finds them and starts them.
 *
 * <p>Why this exists: Debian installs administration tools in {@code /usr/sbin} and
 * {@code /sbin}, which are on root's PATH but not on an ordinary user's, yet most of them
 * (e2fsck on an image file, sfdisk on a file) work for any user. A tool is therefore looked
 * up on the PATH and then in those two directories, and always run by the path found, so
 * that finding a tool and running it cannot disagree. The PATH of the child gets the same
 * directories, for tools that run helpers of their own ({@code mount} runs {@code mount.*}).
 */
public final class HostTools {
    /** Where Debian keeps administration tools (Filesystem Hierarchy Standard 3.0, 4.10 and 3.16). */
    private static final List<String> SBIN = List.of("/usr/sbin", "/sbin");

    /** Exit status and the merged standard output and error of one run. */
    public record Result(int status, String output) {
    }

    private HostTools() {
    }

    /** The directories searched, in order: the PATH, then {@code /usr/sbin} and {@code /sbin}. */
    static List<String> searchPath() {
        return searchPath(System.getenv().getOrDefault("PATH", ""));
    }

    /** {@link #searchPath()} for a given value of PATH. */
    static List<String> searchPath(String path) {
        List<String> dirs = new ArrayList<>();
        for (String d : path.split(File.pathSeparator)) {
            if (!d.isEmpty() && !dirs.contains(d)) {
                dirs.add(d);
            }
        }
        for (String d : SBIN) {
            if (!dirs.contains(d)) {
                dirs.add(d);
            }
        }
        return dirs;
    }

    /** The executable {@code tool} (a bare name), or empty when it is not installed. */
    public static Optional<Path> find(String tool) {
        return find(tool, searchPath());
    }

    /** {@link #find(String)} in the given directories. */
    static Optional<Path> find(String tool, List<String> dirs) {
        if (tool.contains("/")) {
            Path p = Path.of(tool);
            return Files.isExecutable(p) && !Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
        }
        for (String dir : dirs) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The sentence that says a tool is missing: {@code "e2fsck not installed (Debian package e2fsprogs)"}. */
    public static String notInstalled(String tool, String debianPackage) {
        return tool + " not installed (Debian package " + debianPackage + ")";
    }

    /** Whether this JVM runs as root (uid 0), which loop mounts, network namespaces and chown need. */
    public static boolean isRoot() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            return false; // no /proc or no unix view: not a host where root's powers can be used
        }
    }

    /**
     * A process builder for {@code command} whose program (the first element) is the path
     * {@link #find} gives; a program not found is left as named, so that starting it fails
     * with the host's own "Cannot run program" naming it.
     */
    public static ProcessBuilder processBuilder(List<String> command) {
        List<String> full = new ArrayList<>(command);
        find(full.get(0)).ifPresent(p -> full.set(0, p.toString()));
        ProcessBuilder pb = new ProcessBuilder(full);
        pb.environment().put("PATH", String.join(File.pathSeparator, searchPath()));
        return pb;
    }

    /**
     * Runs {@code command} to its end, feeding it {@code stdin} (or nothing), and returns its
     * status and output; a command still running after {@code timeoutSeconds} is killed and
     * reported as an {@link IOException}.
     */
    public static Result run(long timeoutSeconds, String stdin, List<String> command) throws IOException, InterruptedException {
        Process p = processBuilder(command).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": still running after " + timeoutSeconds + " s");
        }
        return new Result(p.exitValue(), out);
    }
}
