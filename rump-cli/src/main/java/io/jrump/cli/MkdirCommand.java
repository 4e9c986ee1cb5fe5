package io.jrump.cli;

import io.jrump.api.ErrnoException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code rump mkdir [-p] IMAGE:PATH...}: makes directories in an image (mode 0777 less the umask, 022). */
@Command(name = "mkdir", description = "Make directories in an image.")
final class MkdirCommand extends ImageCommand {
    private static final int MODE = 0777;

    @Option(names = "-p", description = "Make missing parents too; an existing directory is no error.")
    boolean parents;

    @Parameters(arity = "1..*", paramLabel = "IMAGE:PATH")
    List<String> dirs;

    @Override
    void run(ImageSession session) throws ErrnoException {
        for (String d : dirs) {
            ImageAddress a = address(d);
            ImageSide side = session.side(a, true);
            if (!parents) {
                side.mkdir(a.path(), MODE);
                continue;
            }
            StringBuilder p = new StringBuilder();
            for (String name : a.path().split("/")) {
                if (name.isEmpty()) {
                    continue;
                }
                p.append('/').append(name);
                String path = p.toString();
                if (!side.exists(path) || !side.stat(path).isDirectory()) {
                    side.mkdir(path, MODE); // an existing non-directory fails here with EEXIST
                }
            }
        }
    }
}
