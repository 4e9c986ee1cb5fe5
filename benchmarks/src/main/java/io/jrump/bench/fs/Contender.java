package io.jrump.bench.fs;

import java.io.IOException;
import java.nio.file.Path;

/** One side of the comparison: a way to mount an ext2 image and drive it. */
interface Contender {
    /** Short key for figures ("jrump", "loop", "fuse2fs"). */
    String key();

    /** What it is, for the table. */
    String description();

    /** {@code null} when it can run here; otherwise why not, printed in place of its figures. */
    String unavailability();

    MountedFs mount(Path image) throws IOException;

    /** jrump: a kernel on the image, ext2 mounted with {@code options}. */
    static Contender jrump(String options) {
        return new Contender() {
            @Override
            public String key() {
                return "jrump";
            }

            @Override
            public String description() {
                return "jrump ext2 through Syscalls (" + options + ")";
            }

            @Override
            public String unavailability() {
                return null;
            }

            @Override
            public MountedFs mount(Path image) throws IOException {
                return RumpFs.mount(image, options);
            }
        };
    }
}
