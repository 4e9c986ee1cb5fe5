package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.fs.ext2.disk.Feature;
import io.jrump.fs.ext2.disk.Superblock;
import io.jrump.testing.Peers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Linux's own ext2/3/4 driver as a peer: an image mounted through a loop device. Needs root
 * and a kernel that allows loop mounts here; {@link #mount} skips the test, with the reason
 * printed, when either is missing. Close to unmount.
 *
 * <p>The loop device is set up with {@code losetup --find} and detached on close, rather than
 * with {@code mount -o loop}: that reuses a loop device still bound to a file with the same
 * device and inode numbers, which a deleted image whose device is not yet released shares
 * with a new one, and the kernel then writes to the deleted file. Close also waits until the
 * image's superblock says it was cleanly unmounted: {@code umount} returns as soon as the mount
 * leaves this mount namespace, but a process that entered a new one meanwhile (another test's
 * {@code ip netns exec}, say) keeps a copy of the mount, and the file system is only shut
 * down, and its last writes made, when that process ends.
 */
final class LoopMount implements AutoCloseable {
    /** How long close waits for the file system to be shut down everywhere. */
    private static final long SHUTDOWN_WAIT_MILLIS = 120_000;

    private final Path image;
    private final Path dir;
    private final String loop;
    private boolean mounted;

    private LoopMount(Path image, Path dir, String loop) {
        this.image = image;
        this.dir = dir;
        this.loop = loop;
    }

    /** Mounts {@code image} on {@code dir} (made if absent) with {@code -o options}, the file system type found by mount. */
    static LoopMount mount(Path image, Path dir, String options) throws Exception {
        return mount(image, dir, null, options);
    }

    /** Mounts {@code image} on {@code dir} (made if absent) as {@code type} (null: found by mount) with {@code -o options}. */
    static LoopMount mount(Path image, Path dir, String type, String options) throws Exception {
        Peers.requireRoot("Linux loop mounts need root");
        Peers.require("mount", "mount");
        Peers.require("losetup", "mount");
        Files.createDirectories(dir);
        E2fsprogs.Result l = E2fsprogs.run(List.of("losetup", "--find", "--show", image.toString()));
        assumeTrue(l.exit() == 0, "no loop device here: " + l.output());
        String loop = l.output().trim();
        List<String> cmd = new ArrayList<>(List.of("mount"));
        if (type != null) {
            cmd.addAll(List.of("-t", type));
        }
        if (options != null) {
            cmd.addAll(List.of("-o", options));
        }
        cmd.addAll(List.of(loop, dir.toString()));
        E2fsprogs.Result r = E2fsprogs.run(cmd);
        if (r.exit() != 0) {
            E2fsprogs.run(List.of("losetup", "-d", loop));
        }
        assumeTrue(r.exit() == 0, "loop mount refused here: " + r.output());
        LoopMount m = new LoopMount(image, dir, loop);
        m.mounted = true;
        return m;
    }

    Path dir() {
        return dir;
    }

    @Override
    public void close() throws Exception {
        if (mounted) {
            mounted = false;
            E2fsprogs.Result r = E2fsprogs.run(List.of("umount", dir.toString()));
            if (r.exit() != 0) {
                throw new IllegalStateException("umount " + dir + ": " + r.output());
            }
            long start = System.currentTimeMillis();
            long deadline = start + SHUTDOWN_WAIT_MILLIS;
            boolean waited = false;
            while (!cleanlyUnmounted()) {
                waited = true;
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("umount " + dir + ": the file system on " + image
                            + " is still not shut down (held in another mount namespace?)");
                }
                Thread.sleep(100);
            }
            if (waited) {
                System.out.println("LoopMount: waited " + (System.currentTimeMillis() - start) + " ms for " + image + " to be shut down");
            }
            E2fsprogs.Result d = E2fsprogs.run(List.of("losetup", "-d", loop));
            if (d.exit() != 0) {
                throw new IllegalStateException("losetup -d " + loop + ": " + d.output());
            }
        }
    }

    /** Whether the image's superblock has the valid state and no needs_recovery, as a clean unmount leaves it. */
    private boolean cleanlyUnmounted() throws java.io.IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(image)) {
            java.nio.ByteBuffer sb = java.nio.ByteBuffer.allocate(Superblock.SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(sb, Superblock.OFFSET);
            Superblock s = new Superblock(sb, 0);
            return (s.state() & Superblock.STATE_VALID) != 0 && !s.has(Feature.RECOVER);
        }
    }
}
