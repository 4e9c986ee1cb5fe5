package io.jrump.cli;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Stat;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A depth-first walk of a tree on one {@link FileSide}, for {@code ls -R} and {@code cp -r}.
 *
 * <p>The walk keeps its own stack rather than recursing, so no tree, however deep, can
 * overflow the Java stack. It knows the directories on the current path by (device, inode),
 * as GNU ls and cp do: a directory that is also one of its own ancestors (a hard link to an
 * ancestor, which a damaged image can hold, or a bind mount on the host) is reported as ELOOP
 * to the walk's problem sink and skipped, and the walk goes on with the rest of the tree. The
 * entries inside a directory are {@code lstat}ed, so a symbolic link is never walked through.
 */
final class TreeWalk {
    /** What a walk does with what it finds. */
    interface Visitor {
        /**
         * A directory about to be walked, with the names in it (sorted, without "." and "..").
         *
         * @param rel the path below the walk's start ("" for the start itself)
         * @return the names to walk into, or {@code null} to leave the directory out (then {@link #leave} is not called)
         */
        List<String> enter(String path, String rel, Stat st, List<String> names) throws ErrnoException;

        /** Anything that is not a directory. */
        void leaf(String path, String rel, Stat st) throws ErrnoException;

        /** A directory whose entries have all been walked. */
        void leave(String path, String rel, Stat st) throws ErrnoException;
    }

    /** A directory's identity: equal for every name of one directory. */
    record Key(long dev, long ino) {
        static Key of(Stat st) {
            return new Key(st.dev(), st.ino());
        }
    }

    /** A directory on the current path and how far its entries have been walked. */
    private static final class Frame {
        final String path;
        final String rel;
        final Stat st;
        final List<String> names;
        int next;

        Frame(String path, String rel, Stat st, List<String> names) {
            this.path = path;
            this.rel = rel;
            this.st = st;
            this.names = names;
        }
    }

    private final FileSide side;
    private final String command;
    private final Consumer<ErrnoException> problems;

    /**
     * @param command how messages name the walk ({@code ls -R}, {@code cp -r})
     * @param problems where a cycle is reported; the walk goes on after it
     */
    TreeWalk(FileSide side, String command, Consumer<ErrnoException> problems) {
        this.side = side;
        this.command = command;
        this.problems = problems;
    }

    /** Walks from {@code top}, whose {@code stat} (or {@code lstat}, as the caller chose) is {@code topStat}. */
    void walk(String top, Stat topStat, Visitor v) throws ErrnoException {
        if (!topStat.isDirectory()) {
            v.leaf(top, "", topStat);
            return;
        }
        Deque<Frame> stack = new ArrayDeque<>();
        Map<Key, String> onPath = new HashMap<>();
        enter(stack, onPath, top, "", topStat, v);
        while (!stack.isEmpty()) {
            Frame f = stack.peek();
            if (f.next < f.names.size()) {
                String name = f.names.get(f.next++);
                String path = FileSide.join(f.path, name);
                String rel = f.rel.isEmpty() ? name : f.rel + "/" + name;
                Stat st = side.lstat(path);
                if (st.isDirectory()) {
                    enter(stack, onPath, path, rel, st, v);
                } else {
                    v.leaf(path, rel, st);
                }
            } else {
                stack.pop();
                onPath.remove(Key.of(f.st));
                v.leave(f.path, f.rel, f.st);
            }
        }
    }

    private void enter(Deque<Frame> stack, Map<Key, String> onPath, String path, String rel, Stat st, Visitor v) throws ErrnoException {
        String ancestor = onPath.get(Key.of(st));
        if (ancestor != null) {
            problems.accept(new ErrnoException(Errno.ELOOP, command, side.display(path),
                    "directory cycle: the same directory as " + side.display(ancestor)));
            return;
        }
        List<String> names = v.enter(path, rel, st, side.list(path));
        if (names != null) {
            onPath.put(Key.of(st), path);
            stack.push(new Frame(path, rel, st, names));
        }
    }
}
