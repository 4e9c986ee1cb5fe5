package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Linux's own ext2/3/4 driver as a peer: an image mounted through a loop device. Needs root
 * and a kernel that allows loop mounts here; {@link #mount} skips the test, with the reason
 * printed, when either is missing. Close to unmount.
 */
final class LoopMount implements AutoCloseable {
    private final Path dir;
    private boolean mounted;

    private LoopMount(Path dir) {
        this.dir = dir;
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Mounts {@code image} on {@code dir} (made if absent) with {@code -o loop[,options]}. */
    static LoopMount mount(Path image, Path dir, String options) throws Exception {
        assumeTrue(isRoot() && E2fsprogs.tool("mount") != null, "not root (or no mount(8)): Linux loop mounts need root");
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>(List.of("mount", "-o", options == null ? "loop" : "loop," + options, image.toString(), dir.toString()));
        E2fsprogs.Result r = E2fsprogs.run(cmd);
        assumeTrue(r.exit() == 0, "loop mount refused here: " + r.output());
        LoopMount m = new LoopMount(dir);
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
        }
    }
}
