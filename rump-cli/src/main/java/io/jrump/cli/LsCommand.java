package io.jrump.cli;

import io.jrump.api.ErrnoException;
import io.jrump.api.Stat;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code rump ls [-l] [-R] [-a] IMAGE:PATH...}: lists directories in an image, as {@code ls} does. */
@Command(name = "ls", description = "List directories in an image (IMAGE:PATH, IMAGE@N:PATH).")
final class LsCommand extends ImageCommand {
    /** Times in UTC: an image has no time zone, and the output must not depend on the host's. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

    @Option(names = "-l", description = "Long format: mode, links, owner, group, size, time (UTC), name.")
    boolean longFormat;

    @Option(names = "-R", description = "List subdirectories recursively.")
    boolean recursive;

    @Option(names = "-a", description = "Show names starting with '.' too.")
    boolean all;

    @Parameters(arity = "1..*", paramLabel = "IMAGE:PATH")
    List<String> targets;

    @Override
    void run(ImageSession session) throws ErrnoException {
        boolean headers = targets.size() > 1 || recursive;
        boolean first = true;
        for (String t : targets) {
            ImageAddress a = address(t);
            ImageSide side = session.side(a, false);
            Stat st = side.lstat(a.path());
            if (!st.isDirectory()) {
                print(side, a.path(), a.toString(), st);
                continue;
            }
            first = listDir(side, a, a.path(), headers, first);
        }
    }

    private boolean listDir(ImageSide side, ImageAddress a, String dir, boolean headers, boolean first) throws ErrnoException {
        if (headers) {
            out().println((first ? "" : "\n") + a.withPath(dir) + ":");
        }
        List<String> names = side.list(dir).stream().filter(n -> all || !n.startsWith(".")).toList();
        for (String name : names) {
            String p = FileSide.join(dir, name);
            print(side, p, name, longFormat ? side.lstat(p) : null);
        }
        if (recursive) {
            for (String name : names) {
                String p = FileSide.join(dir, name);
                if (side.lstat(p).isDirectory()) {
                    listDir(side, a, p, true, false);
                }
            }
        }
        return false;
    }

    private void print(ImageSide side, String path, String shown, Stat st) throws ErrnoException {
        if (!longFormat) {
            out().println(shown);
            return;
        }
        Stat s = st != null ? st : side.lstat(path);
        String link = s.isSymlink() ? " -> " + side.readlink(path) : "";
        out().printf("%s %3d %5d %5d %10d %s %s%s%n", Modes.symbolic(s.mode()), s.nlink(), s.uid(), s.gid(), s.size(),
                TIME.format(s.mtime()), shown, link);
    }
}
