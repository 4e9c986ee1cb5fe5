package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jrump.platform.host.HostTools;
import io.jrump.testing.Peers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real peer: e2fsprogs' {@code mke2fs}, {@code e2fsck} and {@code debugfs}, run as
 * processes (found as {@link HostTools} finds them). Tests that need them call
 * {@link #assumeAvailable()}, which skips with the reason when they are not installed.
 */
final class E2fsprogs {
    private E2fsprogs() {
    }

    static void assumeAvailable() {
        for (String tool : new String[] {"mke2fs", "e2fsck", "debugfs"}) {
            Peers.require(tool, "e2fsprogs");
        }
    }

    record Result(int exit, String output) {
    }

    static Result run(List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = HostTools.processBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("E2FSPROGS_FAKE_TIME");
        pb.environment().put("MKE2FS_CONFIG", "/etc/mke2fs.conf");
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + cmd);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Makes a file system image of {@code bytes} with {@code mke2fs -t TYPE -b BS}, plus {@code extra} arguments. */
    static Path mkfs(Path image, String type, int blockSize, long bytes, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("mke2fs", "-q", "-F", "-t", type, "-b", Integer.toString(blockSize)));
        cmd.addAll(List.of(extra));
        cmd.add(image.toString());
        cmd.add(Long.toString(bytes / 1024) + "k");
        Result r = run(cmd);
        assertEquals(0, r.exit(), "mke2fs failed: " + cmd + "\n" + r.output());
        return image;
    }

    /** A tool's exit code and its two output streams kept apart (a library's warnings on stderr would otherwise cut stdout lines in two). */
    record Streams(int exit, String stdout, String stderr) {
    }

    /** Runs a tool, keeping stdout and stderr apart. */
    static Streams runApart(List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = HostTools.processBuilder(cmd);
        pb.environment().put("MKE2FS_CONFIG", "/etc/mke2fs.conf");
        Process p = pb.start();
        java.util.concurrent.CompletableFuture<byte[]> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + cmd);
        }
        return new Streams(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err.join(), StandardCharsets.UTF_8));
    }

    /** {@code e2fsck -fn}: the result, exit 0 meaning clean. */
    static Result fsck(Path image) throws IOException, InterruptedException {
        return run(List.of("e2fsck", "-fn", image.toString()));
    }

    /** Asserts that {@code e2fsck -fn} finds nothing to fix. */
    static void assertClean(Path image) throws IOException, InterruptedException {
        Result r = fsck(image);
        assertEquals(0, r.exit(), "e2fsck -fn " + image + " is not clean:\n" + r.output());
    }

    /** Removes the lost+found that mke2fs makes, leaving an empty root (e2fsck accepts its absence). */
    static void removeLostAndFound(Path image) throws IOException, InterruptedException {
        Result r = run(List.of("debugfs", "-w", "-R", "rmdir lost+found", image.toString()));
        assertEquals(0, r.exit(), "debugfs rmdir lost+found: " + r.output());
    }

    /** Runs a debugfs request against an image, read-only. */
    static Result debugfs(Path image, String request) throws IOException, InterruptedException {
        return run(List.of("debugfs", "-R", request, image.toString()));
    }
}
