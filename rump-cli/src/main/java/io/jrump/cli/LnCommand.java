package io.jrump.cli;

import io.jrump.api.ErrnoException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rump ln [-s] TARGET IMAGE:LINK}: makes a hard link, or with {@code -s} a symbolic
 * link whose text is TARGET, exactly as given. For a hard link TARGET is a path in LINK's
 * image ({@code /etc/x}, or {@code IMAGE:/etc/x} naming the same image).
 */
@Command(name = "ln", description = "Make a hard link, or a symbolic link with -s, in an image.")
final class LnCommand extends ImageCommand {
    @Option(names = "-s", description = "Make a symbolic link holding TARGET as its text.")
    boolean symbolic;

    @Parameters(index = "0", paramLabel = "TARGET")
    String target;

    @Parameters(index = "1", paramLabel = "IMAGE:LINK")
    String link;

    @Override
    void run(ImageSession session) throws ErrnoException {
        ImageAddress l = address(link);
        ImageSide side = session.side(l, true);
        if (symbolic) {
            side.symlink(target, l.path());
            return;
        }
        String existing = target;
        if (target.indexOf(':') >= 0) {
            ImageAddress t = address(target);
            if (!t.image().toAbsolutePath().normalize().equals(l.image().toAbsolutePath().normalize()) || t.partition() != l.partition()) {
                throw usage("a hard link must stay inside one image");
            }
            existing = t.path();
        }
        if (!existing.startsWith("/")) {
            throw usage("TARGET of a hard link must be an absolute path in the image: " + target);
        }
        String from = existing;
        side.run("link", l.path(), (sys, k) -> sys.link(side.image().path(from), k));
    }
}
