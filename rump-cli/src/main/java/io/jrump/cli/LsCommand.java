package io.jrump.cli;

import io.jrump.api.ErrnoException;
import io.jrump.api.Stat;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rump ls [-l] [-R] [-a] IMAGE:PATH...}: lists directories in an image, as {@code ls}
 * does. With {@code -R} the tree is walked by {@link TreeWalk}: a directory cycle is reported
 * (ELOOP) and the listing goes on, exiting 1 at the end, as GNU ls does.
 */
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
        boolean[] first = {true};
        for (String t : targets) {
            ImageAddress a = address(t);
            ImageSide side = session.side(a, false);
            Stat st = side.lstat(a.path());
            if (!st.isDirectory()) {
                print(side, a.path(), a.toString(), st);
                continue;
            }
            if (!recursive) {
                listing(side, a, a.path(), side.list(a.path()), headers, first);
                continue;
            }
            new TreeWalk(side, "ls -R", this::problem).walk(a.path(), st, new TreeWalk.Visitor() {
                @Override
                public List<String> enter(String path, String rel, Stat dir, List<String> names) throws ErrnoException {
                    return listing(side, a, path, names, true, first); // the walk goes into those that are directories
                }

                @Override
                public void leaf(String path, String rel, Stat file) {
                }

                @Override
                public void leave(String path, String rel, Stat dir) {
                }
            });
        }
    }

    /** Prints one directory's listing (with its header if asked); returns the names shown. */
    private List<String> listing(ImageSide side, ImageAddress a, String dir, List<String> names, boolean header, boolean[] first)
            throws ErrnoException {
        if (header) {
            out().println((first[0] ? "" : "\n") + a.withPath(dir) + ":");
        }
        first[0] = false;
        List<String> shown = names.stream().filter(n -> all || !n.startsWith(".")).toList();
        for (String name : shown) {
            String p = FileSide.join(dir, name);
            print(side, p, name, longFormat ? side.lstat(p) : null);
        }
        return shown;
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
