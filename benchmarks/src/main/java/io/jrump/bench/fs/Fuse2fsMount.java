package io.jrump.bench.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The image mounted by {@code fuse2fs} (e2fsprogs' user-space ext2 driver over FUSE), kept in
 * the foreground ({@code -f}) as our child process so that unmounting can wait until it has
 * written everything back and closed the image.
 */
final class Fuse2fsMount implements Contender {
    private static final long MOUNT_WAIT_MILLIS = 15_000;
    private static final long EXIT_WAIT_SECONDS = 120;

    private final Path dir;
    private final Path log;

    /** @param dir an empty directory to mount on; {@code log} receives fuse2fs's output */
    Fuse2fsMount(Path dir, Path log) {
        this.dir = dir;
        this.log = log;
    }

    @Override
    public String key() {
        return "fuse2fs";
    }

    @Override
    public String description() {
        return "fuse2fs (FileChannel)";
    }

    @Override
    public String unavailability() {
        if (!Host.hasTool("fuse2fs")) {
            return "fuse2fs not installed (Debian package fuse2fs)";
        }
        if (!Files.exists(Path.of("/dev/fuse"))) {
            return "no /dev/fuse";
        }
        if (!Host.isRoot() && !Host.hasTool("fusermount")) {
            return "not root and no fusermount to mount with";
        }
        return null;
    }

    @Override
    public MountedFs mount(Path image) throws IOException {
        List<String> command = new ArrayList<>(List.of("fuse2fs", image.toString(), dir.toString(), "-f"));
        if (!Host.isRoot()) {
            command.addAll(List.of("-o", "fakeroot"));
        }
        Process daemon = Host.start(command, log);
        long deadline = System.currentTimeMillis() + MOUNT_WAIT_MILLIS;
        while (!Host.isMountPoint(dir)) {
            if (!daemon.isAlive() || System.currentTimeMillis() > deadline) {
                daemon.destroy();
                throw new IOException("fuse2fs did not mount " + image + ": " + Files.readString(log, StandardCharsets.UTF_8).strip());
            }
            pause();
        }
        return new HostFs(dir, () -> {
            if (Host.isRoot()) {
                Host.run("umount", dir.toString());
            } else {
                Host.run("fusermount", "-u", dir.toString());
            }
            int status = Host.waitFor(daemon, EXIT_WAIT_SECONDS, "fuse2fs");
            if (status != 0) {
                throw new IOException("fuse2fs exited with " + status + ": " + Files.readString(log, StandardCharsets.UTF_8).strip());
            }
        });
    }

    private static void pause() throws IOException {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for fuse2fs", e);
        }
    }
}
