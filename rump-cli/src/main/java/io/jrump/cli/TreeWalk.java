package io.jrump.cli;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.DirEntry;
import io.jrump.api.FileMode;
import io.jrump.api.Stat;
import java.util.ArrayDeque;
import java.util.ArrayList;
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

        /**
         * A name its directory lists as a regular file ({@code d_type} {@code DT_REG}), before any
         * stat: a visitor that opens files can take the stat from the open file, one name lookup
         * where a stat and an open take two. Returns false to have the walk {@code lstat} the name
         * and go on as for any other (the default).
         */
        default boolean file(String path, String rel) throws ErrnoException {
            return false;
        }

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
        /** The {@code DT_*} type of each of {@link #names} as the directory lists it, or null when unknown. */
        final int[] types;
        int next;

        Frame(String path, String rel, Stat st, List<String> names, int[] types) {
            this.path = path;
            this.rel = rel;
            this.st = st;
            this.names = names;
            this.types = types;
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
                int i = f.next++;
                String name = f.names.get(i);
                String path = FileSide.join(f.path, name);
                String rel = f.rel.isEmpty() ? name : f.rel + "/" + name;
                if (f.types != null && f.types[i] == FileMode.DT_REG && v.file(path, rel)) {
                    continue;
                }
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
        List<DirEntry> entries = side.entries(path);
        List<String> all = new ArrayList<>(entries.size());
        int[] types = new int[entries.size()];
        for (DirEntry e : entries) {
            types[all.size()] = e.type();
            all.add(e.name());
        }
        List<String> names = v.enter(path, rel, st, all);
        if (names != null) {
            onPath.put(Key.of(st), path);
            stack.push(new Frame(path, rel, st, names, names == all ? types : null)); // a list the visitor made has no types
        }
    }
}
