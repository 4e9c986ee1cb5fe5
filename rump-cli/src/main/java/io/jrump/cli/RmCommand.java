package io.jrump.cli;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Stat;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code rump rm [-r] [-f] IMAGE:PATH...}: removes files (and with -r directories) in an image. */
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

    private void remove(ImageSide side, String path) throws ErrnoException {
        Stat st = side.lstat(path);
        if (!st.isDirectory()) {
            side.run("unlink", path, (sys, k) -> sys.unlink(k));
            return;
        }
        if (!recursive) {
            throw new ErrnoException(Errno.EISDIR, "rm", side.display(path), "a directory: remove it with -r");
        }
        for (String name : side.list(path)) {
            remove(side, FileSide.join(path, name));
        }
        side.run("rmdir", path, (sys, k) -> sys.rmdir(k));
    }
}
