package io.jrump.cli;

import io.jrump.api.ErrnoException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code rump mv IMAGE:SRC IMAGE:DST}: renames inside one image (a {@code rename} call, so
 * atomic); into DST when DST is an existing directory. Moving between images or to the host
 * is a copy and a removal: {@code rump cp -r} then {@code rump rm -r}.
 */
@Command(name = "mv", description = "Rename or move a file inside an image.")
final class MvCommand extends ImageCommand {
    @Parameters(index = "0", paramLabel = "IMAGE:SRC")
    String source;

    @Parameters(index = "1", paramLabel = "IMAGE:DST")
    String target;

    @Override
    void run(ImageSession session) throws ErrnoException {
        ImageAddress src = address(source);
        ImageAddress dst = address(target);
        if (!src.image().toAbsolutePath().normalize().equals(dst.image().toAbsolutePath().normalize())
                || src.partition() != dst.partition()) {
            throw usage("mv works inside one image; between images use cp -r and rm -r");
        }
        ImageSide side = session.side(src, true);
        String to = dst.path();
        if (side.exists(to) && side.stat(to).isDirectory()) {
            to = FileSide.join(to, FileSide.baseName(src.path())); // as mv: into an existing directory
        }
        String from = src.path();
        String dest = to;
        side.run("rename", from, (sys, k) -> sys.rename(k, side.image().path(dest)));
    }
}
