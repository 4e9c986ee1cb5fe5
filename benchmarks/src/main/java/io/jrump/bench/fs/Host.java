package io.jrump.bench.fs;

import io.jrump.platform.host.HostTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The host commands and files the comparison needs: who we are, tools (found by {@link HostTools}), mounts, the page cache. */
final class Host {
    private static final Path DROP_CACHES = Path.of("/proc/sys/vm/drop_caches");
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
    private static final long COMMAND_SECONDS = 120;

    private Host() {
    }

    static boolean isRoot() {
        return HostTools.isRoot();
    }

    /** Whether {@code tool} is installed (on the PATH or in the sbin directories, where mke2fs lives). */
    static boolean hasTool(String tool) {
        return HostTools.find(tool).isPresent();
    }

    /** Runs a command to its end; fails with its output when it exits non-zero. Returns the output. */
    static String run(String... command) throws IOException {
        Process p = HostTools.processBuilder(List.of(command)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = waitFor(p, COMMAND_SECONDS, String.join(" ", command));
        if (status != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + status + ": " + out.strip());
        }
        return out;
    }

    static int waitFor(Process p, long seconds, String what) throws IOException {
        try {
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(what + ": still running after " + seconds + " s");
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(what + ": interrupted", e);
        }
    }

    /** Whether something is mounted exactly at {@code dir}. */
    static boolean isMountPoint(Path dir) throws IOException {
        String target = dir.toRealPath().toString();
        for (String line : Files.readAllLines(MOUNTINFO)) {
            String[] f = line.split(" ");
            if (f.length > 4 && f[4].equals(target)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writes back dirty pages and drops the clean page cache, dentries and inodes, so that the
     * next phase starts cold. Returns {@code null}, or why the caches could not be dropped.
     */
    static String dropCaches() {
        try {
            run("sync");
            Files.writeString(DROP_CACHES, "3");
            return null;
        } catch (IOException | SecurityException e) {
            return "could not drop caches (" + e.getMessage() + ")";
        }
    }

    /**
     * Removes the comparison's working directory, first unmounting whatever a failed run left
     * mounted in it, and never descending into a mount.
     */
    static void deleteWorkspace(Path work) throws IOException {
        if (!Files.isDirectory(work)) {
            return;
        }
        try (var entries = Files.list(work)) {
            for (Path p : entries.toList()) {
                if (Files.isDirectory(p) && isMountPoint(p)) {
                    run("umount", p.toString());
                }
                if (Files.isDirectory(p) && !isMountPoint(p)) {
                    try (var inner = Files.list(p)) {
                        if (inner.findAny().isPresent()) {
                            throw new IOException(p + " is not empty; left in place");
                        }
                    }
                }
                Files.delete(p);
            }
        }
        Files.delete(work);
    }

    /** Commands that run in the background, like fuse2fs in the foreground of its own process. */
    static Process start(List<String> command, Path log) throws IOException {
        return HostTools.processBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
