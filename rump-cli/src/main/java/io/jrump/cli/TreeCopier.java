package io.jrump.cli;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.Stat;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Copies files and trees between two {@link FileSide}s, as {@code cp} does: regular files
 * byte for byte, directories (with {@code -r}) entry by entry, symbolic links inside a tree as
 * links, FIFOs, sockets and device nodes inside a tree as such (mknod). The named sources
 * themselves are followed if they are links, as {@code cp} without {@code -P} follows them.
 *
 * <p>Modes as GNU cp sets them: without {@code -p}, what the copy makes takes the source's
 * permission bits less the destination's umask (a regular file without its set-id and sticky
 * bits, which it gets in the open(2) that makes it, so no chmod follows), and what was there
 * already keeps its mode; with {@code -p} (or {@code -a}) every copy gets the source's mode
 * exactly, and its times.
 *
 * <p>{@link Options#archive} is {@code cp -a} (and what {@code mke2fs -d} keeps): recursive, the
 * named sources not followed, files with several names copied once and linked again, and
 * owners, modes and times (far dates too) of everything, links included. Owners are set
 * before modes, since a chown clears set-id bits; where the destination refuses the owner
 * (EPERM: not root on the host), the copy goes on without it and without the set-id bits, as
 * GNU cp does.
 *
 * <p>Trees are walked by {@link TreeWalk}: a directory cycle in the source is reported (ELOOP)
 * and left out, and the copy goes on. Within one file system, a directory this copy made is
 * never copied again (copying {@code /a} into {@code /a/copy} would otherwise fill
 * {@code /a/copy/copy/...} until the path is too long): like GNU cp, the copy reports that it
 * cannot copy a directory into itself and goes on. A special file the destination cannot make
 * (a device node on the host when not root) is reported and the rest copied. Such problems go
 * to the sink given; every other failure ends the copy.
 */
final class TreeCopier {
    private static final int BUFFER = 1 << 16;
    private static final int SET_ID = FileMode.S_ISUID | FileMode.S_ISGID;

    /** What a copy does besides the data and permission bits of what it is named. */
    record Options(boolean recursive, boolean times, boolean archive, boolean xattrs) {
        Options(boolean recursive, boolean times, boolean archive) {
            this(recursive, times, archive, false);
        }

        /** Extended attributes are copied with {@code --xattrs}, and by {@code -a} (whose failures to keep them are not errors where the destination keeps none). */
        boolean copiesXattrs() {
            return xattrs || archive;
        }

        boolean walks() {
            return recursive || archive;
        }

        boolean keepsTimes() {
            return times || archive;
        }

        /** {@code -p} and {@code -a} keep modes exactly; otherwise the umask applies to what the copy makes, as in cp. */
        boolean keepsModes() {
            return times || archive;
        }
    }

    private final FileSide from;
    private final FileSide to;
    private final Options options;
    private final ByteProgress progress;
    private final Consumer<ErrnoException> problems;
    /** Directories this copy made, when source and destination are one file system. */
    private final Set<TreeWalk.Key> made = new HashSet<>();
    /** With {@link Options#archive}: the first copy of each file with several names, by its source identity. */
    private final Map<TreeWalk.Key, String> copiedLinks = new HashMap<>();
    /** Directories this copy made whose mode is set when they are left (not with {@link Options#keepsModes}, which sets every one). */
    private final Map<String, Integer> modeWhenLeft = new HashMap<>();
    /** The destination's umask, asked once per copy ({@link #copy}); -1 before. */
    private int umask = -1;
    /** One buffer for every file's data: a copier runs on one thread, and a fresh 64 KiB per file is zeroed 60,000 times in a large tree. */
    private final byte[] buf = new byte[BUFFER];

    TreeCopier(FileSide from, FileSide to, Options options, ByteProgress progress, Consumer<ErrnoException> problems) {
        this.from = from;
        this.to = to;
        this.options = options;
        this.progress = progress;
        this.problems = problems;
    }

    private Stat top(String path) throws ErrnoException {
        return options.archive() ? from.lstat(path) : from.stat(path);
    }

    /** Bytes of regular files a copy of {@code path} moves, for the progress line (problems are left to the copy to report). */
    long size(String path) throws ErrnoException {
        long[] sum = {0};
        new TreeWalk(from, "cp -r", e -> { }).walk(path, top(path), new TreeWalk.Visitor() {
            @Override
            public List<String> enter(String p, String rel, Stat st, List<String> names) {
                return options.walks() ? names : null;
            }

            @Override
            public void leaf(String p, String rel, Stat st) {
                if (st.isRegularFile()) {
                    sum[0] += st.size();
                }
            }

            @Override
            public void leave(String p, String rel, Stat st) {
            }
        });
        return sum[0];
    }

    /** Copies {@code src} (followed if it is a link, unless archiving) to {@code dst}. */
    void copy(String src, String dst) throws ErrnoException {
        umask = options.keepsModes() ? 0 : to.umask();
        new TreeWalk(from, "cp -r", problems).walk(src, top(src), new TreeWalk.Visitor() {
            @Override
            public List<String> enter(String path, String rel, Stat st, List<String> names) throws ErrnoException {
                if (!options.walks()) {
                    throw new ErrnoException(Errno.EISDIR, "cp", from.display(path), "a directory: copy it with -r");
                }
                if (made.contains(TreeWalk.Key.of(st))) {
                    problems.accept(new ErrnoException(Errno.EINVAL, "cp -r", from.display(path), "cannot copy a directory into itself"));
                    return null;
                }
                String d = target(dst, rel);
                if (!to.exists(d)) {
                    makeDir(d, st);
                    if (to.sameFiles(from)) {
                        made.add(TreeWalk.Key.of(to.lstat(d)));
                    }
                } else if (!to.stat(d).isDirectory()) {
                    throw new ErrnoException(Errno.ENOTDIR, "cp", to.display(d), "cannot put a directory over a file");
                }
                return names;
            }

            @Override
            public void leaf(String path, String rel, Stat st) throws ErrnoException {
                copyLeaf(path, target(dst, rel), st, null);
            }

            /** A regular file by its entry: opened first and its stat taken from the open file (one lookup, not two). */
            @Override
            public boolean file(String path, String rel) throws ErrnoException {
                try (FileSide.OpenFile src = from.openFile(path)) {
                    if (src == null) {
                        return false; // not a regular file after all: stat it as anything else
                    }
                    copyLeaf(path, target(dst, rel), src.stat(), src.in());
                    return true;
                }
            }

            @Override
            public void leave(String path, String rel, Stat st) throws ErrnoException {
                attributes(path, target(dst, rel), st);
            }
        });
    }

    /**
     * A directory of the copy, writable and searchable by its owner while it is filled (GNU cp
     * too): its mode is set when it is left if it is not yet the one it should have.
     */
    private void makeDir(String d, Stat st) throws ErrnoException {
        int perms = st.mode() & FileMode.ALLPERMS;
        int want = options.keepsModes() ? perms : perms & ~umask;
        to.mkdir(d, want | 0700);
        if (options.keepsModes()) {
            return; // attributes() sets the exact mode of every directory
        }
        if (((want | 0700) & 0777 & umask) != 0) {
            to.chmod(d, want | 0700); // a umask that takes the owner's bits off: cp still fills the directory
        }
        if ((want | 0700) != want || (want & ~0777) != 0) {
            modeWhenLeft.put(d, want);
        }
    }

    private static String target(String dst, String rel) {
        return rel.isEmpty() ? dst : FileSide.join(dst, rel);
    }

    /**
     * Anything but a directory: linked again if archiving and already copied under another name,
     * else made anew; {@code in}, when not null, is the regular file {@code path} already open.
     */
    private void copyLeaf(String path, String d, Stat st, InputStream in) throws ErrnoException {
        TreeWalk.Key key = TreeWalk.Key.of(st);
        boolean severalNames = options.archive() && st.nlink() > 1;
        if (severalNames && copiedLinks.containsKey(key)) {
            to.link(copiedLinks.get(key), d);
            return;
        }
        if (st.isSymlink()) {
            to.symlink(from.readlink(path), d);
        } else if (st.isRegularFile()) {
            copyData(path, in, d, st.mode() & 0777); // the set-id and sticky bits only with -p, from attributes()
        } else if (!options.walks()) {
            problems.accept(new ErrnoException(Errno.EOPNOTSUPP, "cp", from.display(path), "a special file: copy it with -r or -a"));
            return;
        } else {
            try {
                to.mknod(d, st.mode() & (FileMode.S_IFMT | FileMode.ALLPERMS), st.rdev());
            } catch (ErrnoException e) {
                problems.accept(e); // a device node on a host that allows none: said, and the rest copied
                return;
            }
        }
        if (severalNames) {
            copiedLinks.put(key, d);
        }
        attributes(path, d, st);
    }

    /**
     * Owner (archive), extended attributes (--xattrs, archive), permission bits (not of a link,
     * which has none of its own: exactly with -p or archive; otherwise only where making the
     * copy could not give them, a directory kept writable while filled or a special file) and
     * times (-p, archive) of a copy; the attributes before the mode, so a file made read-only
     * still takes them.
     */
    private void attributes(String s, String d, Stat st) throws ErrnoException {
        if (options.copiesXattrs()) {
            copyXattrs(s, d);
        }
        int perms = st.mode() & FileMode.ALLPERMS;
        if (options.archive()) {
            try {
                to.lchown(d, st.uid(), st.gid());
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EPERM) {
                    throw e;
                }
                perms &= ~SET_ID; // not the owner's: not their privileges either
            }
        }
        if (options.keepsModes()) {
            if (!st.isSymlink()) {
                to.chmod(d, perms);
            }
        } else if (st.isDirectory()) {
            Integer want = modeWhenLeft.remove(d);
            if (want != null) {
                to.chmod(d, want);
            }
        } else if (!st.isSymlink() && !st.isRegularFile()) {
            to.chmod(d, perms & ~umask); // mknod on the host makes 0666 less the umask, whatever the source had
        }
        if (options.keepsTimes() && (!st.isSymlink() || options.archive())) {
            to.utimes(d, st.atime(), st.mtime(), !st.isSymlink());
        }
    }

    /**
     * Copies every extended attribute the source side reaches. One the destination refuses is
     * reported and the copy goes on, as GNU cp does; with {@code -a} alone a destination that
     * keeps none (EOPNOTSUPP) is not reported, as {@code cp -a} is silent about it.
     */
    private void copyXattrs(String s, String d) {
        List<String> names;
        try {
            names = from.listxattr(s);
        } catch (ErrnoException e) {
            problems.accept(e); // damaged attributes in the source: said, and the rest copied
            return;
        }
        for (String name : names) {
            try {
                to.setxattr(d, name, from.getxattr(s, name));
            } catch (ErrnoException e) {
                if (options.xattrs() || e.errno() != Errno.EOPNOTSUPP) {
                    problems.accept(e);
                }
            }
        }
    }

    /** Copies the regular file {@code src}, read from {@code open} when not null (the caller closes it), else opened here. */
    private void copyData(String src, InputStream open, String dst, int perms) throws ErrnoException {
        try (InputStream own = open == null ? from.openRead(src) : null; OutputStream out = to.create(dst, perms)) {
            InputStream in = open != null ? open : own;
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                progress.add(n);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (java.io.IOException e) {
            throw HostSide.errno("cp", from.display(src) + " -> " + to.display(dst), e);
        }
    }
}
