package io.jrump.bench.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Linux's own ext2 driver on the image through a loop device ({@code mount -o loop}); needs root. */
final class LoopMount implements Contender {
    private final Path dir;

    /** @param dir an empty directory to mount on */
    LoopMount(Path dir) {
        this.dir = dir;
    }

    @Override
    public String key() {
        return "loop";
    }

    @Override
    public String description() {
        return "Linux ext2, loop mount (FileChannel)";
    }

    @Override
    public String unavailability() {
        if (!Host.isRoot()) {
            return "not root: a loop mount needs root";
        }
        if (!Host.hasTool("mount") || !Files.exists(Path.of("/dev/loop-control"))) {
            return "no mount command or no /dev/loop-control";
        }
        return null;
    }

    @Override
    public MountedFs mount(Path image) throws IOException {
        Host.run("mount", "-t", "ext2", "-o", "loop", image.toString(), dir.toString());
        return new HostFs(dir, () -> Host.run("umount", dir.toString()));
    }
}
