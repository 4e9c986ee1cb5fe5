package io.jrump.cli;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Stat;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rump rm [-r] [-f] IMAGE:PATH...}: removes files (and with -r directories) in an image.
 * Trees are walked by {@link TreeWalk}, so no depth overflows the stack and a directory cycle is
 * reported (ELOOP) rather than followed.
 */
@Command(name = "rm", description = "Remove files or (with -r) directories in an image.")
final class RmCommand extends ImageCommand {
    @Option(names = {"-r", "-R"}, description = "Remove directories and their contents.")
    boolean recursive;

    @Option(names = "-f", description = "Ignore paths that do not exist.")
    boolean force;

    @Parameters(arity = "1..*", paramLabel = "IMAGE:PATH")
    List<String> paths;

    @Override
    void run(ImageSession session) throws ErrnoException {
        for (String p : paths) {
            ImageAddress a = address(p);
            ImageSide side = session.side(a, true);
            if (force && !side.exists(a.path())) {
                continue;
            }
            remove(side, a.path());
        }
    }

    /** Removes a file, or with -r a tree, entries before their directories; a directory cycle is reported and left alone. */
    private void remove(ImageSide side, String path) throws ErrnoException {
        new TreeWalk(side, "rm -r", this::problem).walk(path, side.lstat(path), new TreeWalk.Visitor() {
            @Override
            public List<String> enter(String dir, String rel, Stat st, List<String> names) throws ErrnoException {
                if (!recursive) {
                    throw new ErrnoException(Errno.EISDIR, "rm", side.display(dir), "a directory: remove it with -r");
                }
                return names;
            }

            @Override
            public void leaf(String file, String rel, Stat st) throws ErrnoException {
                side.run("unlink", file, (sys, k) -> sys.unlink(k));
            }

            @Override
            public void leave(String dir, String rel, Stat st) throws ErrnoException {
                side.run("rmdir", dir, (sys, k) -> sys.rmdir(k));
            }
        });
    }
}
