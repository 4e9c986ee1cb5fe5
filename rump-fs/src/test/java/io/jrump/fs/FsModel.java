package io.jrump.fs;

import io.jrump.api.Errno;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * A file system as plain Java objects, for the random test to compare a real one against:
 * directories, files with link counts, symbolic links, and the POSIX rules (which errno, in
 * which order) for the operations {@link FsOp} performs as root. Paths are relative to the
 * mount point; link targets are either relative names without ".." or absolute paths under
 * the mount point, so a lookup never leaves the model.
 */
final class FsModel {
    /** NetBSD MAXSYMLINKS. */
    private static final int MAX_HOPS = 32;

    abstract static class Node {
        int perms;
        /** Names of a non-directory; directories count theirs from their subdirectories. */
        int nlink = 1;
    }

    static final class Dir extends Node {
        final TreeMap<String, Node> entries = new TreeMap<>();
        Dir parent;

        Dir(Dir parent, int perms) {
            this.parent = parent == null ? this : parent;
            this.perms = perms;
        }

        int subdirs() {
            int n = 0;
            for (Node c : entries.values()) {
                if (c instanceof Dir) {
                    n++;
                }
            }
            return n;
        }
    }

    static final class File extends Node {
        byte[] data = new byte[0];

        File(int perms) {
            this.perms = perms;
        }

        void write(long offset, byte[] bytes) {
            long end = offset + bytes.length;
            if (end > data.length) {
                data = Arrays.copyOf(data, (int) end);
            }
            System.arraycopy(bytes, 0, data, (int) offset, bytes.length);
        }

        void truncate(long length) {
            data = Arrays.copyOf(data, (int) length);
        }
    }

    static final class Link extends Node {
        final String target;

        Link(String target) {
            this.target = target;
            this.perms = 0777;
        }
    }

    /** An operation's outcome in the model: an errno, or success. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Errno errno;

        Failure(Errno errno) {
            super(errno.name(), null, false, false);
            this.errno = errno;
        }
    }

    /** A directory and the last name in it. */
    record Place(Dir dir, String name) {
        Node node() {
            return dir.entries.get(name);
        }
    }

    final Dir root = new Dir(null, 0755);
    private final String mountPoint;

    FsModel(String mountPoint) {
        this.mountPoint = mountPoint;
    }

    /** The directory holding the last component of {@code rel} ("a/b/c"), following links on the way. */
    Place parent(String rel) throws Failure {
        return walk(root, rel, new int[1]);
    }

    /** The node {@code rel} names; links in the last component followed when {@code follow}. */
    Node resolve(String rel, boolean follow) throws Failure {
        int[] hops = new int[1];
        Place p = walk(root, rel, hops);
        Node n = p.node();
        while (n instanceof Link l && follow) {
            p = linkTarget(p.dir(), l, hops);
            n = p.node();
        }
        if (n == null) {
            throw new Failure(Errno.ENOENT);
        }
        return n;
    }

    /** Where a link found in {@code dir} points: the parent of its target and the target's last name. */
    Place linkTarget(Dir dir, Link l, int[] hops) throws Failure {
        if (++hops[0] > MAX_HOPS) {
            throw new Failure(Errno.ELOOP);
        }
        if (l.target.isEmpty()) {
            throw new Failure(Errno.ENOENT);
        }
        if (l.target.startsWith("/")) {
            String rel = l.target.equals(mountPoint) ? "" : l.target.substring(mountPoint.equals("/") ? 1 : mountPoint.length() + 1);
            return walk(root, rel, hops);
        }
        return walk(dir, l.target, hops);
    }

    private Place walk(Dir start, String rel, int[] hops) throws Failure {
        ArrayDeque<String> rest = new ArrayDeque<>(split(rel));
        Dir cur = start;
        if (rest.isEmpty()) {
            return new Place(cur.parent, nameIn(cur.parent, cur));
        }
        while (rest.size() > 1) {
            Node n = cur.entries.get(rest.pollFirst());
            while (n instanceof Link l) {
                Place t = linkTarget(cur, l, hops);
                n = t.node();
                if (n == null) {
                    throw new Failure(Errno.ENOENT);
                }
                cur = t.dir();
            }
            if (n == null) {
                throw new Failure(Errno.ENOENT);
            }
            if (!(n instanceof Dir d)) {
                throw new Failure(Errno.ENOTDIR);
            }
            cur = d;
        }
        return new Place(cur, rest.pollFirst());
    }

    private static String nameIn(Dir parent, Dir child) {
        for (var e : parent.entries.entrySet()) {
            if (e.getValue() == child) {
                return e.getKey();
            }
        }
        return ".";
    }

    static List<String> split(String rel) {
        List<String> out = new ArrayList<>();
        for (String c : rel.split("/")) {
            if (!c.isEmpty()) {
                out.add(c);
            }
        }
        return out;
    }

    /** Whether {@code a} is {@code d} or one of the directories above it. */
    static boolean isAncestorOrSelf(Dir a, Dir d) {
        Dir v = d;
        while (true) {
            if (v == a) {
                return true;
            }
            if (v.parent == v) {
                return false;
            }
            v = v.parent;
        }
    }
}
