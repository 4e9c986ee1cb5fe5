package io.jrump.cli;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.Stat;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Copies files and trees between two {@link FileSide}s, as {@code cp} does: regular files
 * byte for byte with their permission bits, directories (with {@code -r}) entry by entry,
 * symbolic links inside a tree as links; with {@code -p} also the times. The named sources
 * themselves are followed if they are links, as {@code cp} without {@code -P} follows them.
 *
 * <p>Trees are walked by {@link TreeWalk}: a directory cycle in the source is reported (ELOOP)
 * and left out, and the copy goes on. Within one file system, a directory this copy made is
 * never copied again (copying {@code /a} into {@code /a/copy} would otherwise fill
 * {@code /a/copy/copy/...} until the path is too long): like GNU cp, the copy reports that it
 * cannot copy a directory into itself and goes on. Such problems go to the sink given; every
 * other failure ends the copy.
 */
final class TreeCopier {
    private static final int BUFFER = 1 << 16;

    private final FileSide from;
    private final FileSide to;
    private final boolean recursive;
    private final boolean preserve;
    private final ByteProgress progress;
    private final Consumer<ErrnoException> problems;
    /** Directories this copy made, when source and destination are one file system. */
    private final Set<TreeWalk.Key> made = new HashSet<>();

    TreeCopier(FileSide from, FileSide to, boolean recursive, boolean preserve, ByteProgress progress, Consumer<ErrnoException> problems) {
        this.from = from;
        this.to = to;
        this.recursive = recursive;
        this.preserve = preserve;
        this.progress = progress;
        this.problems = problems;
    }

    /** Bytes of regular files a copy of {@code path} moves, for the progress line (problems are left to the copy to report). */
    long size(String path) throws ErrnoException {
        long[] sum = {0};
        new TreeWalk(from, "cp -r", e -> { }).walk(path, from.stat(path), new TreeWalk.Visitor() {
            @Override
            public List<String> enter(String p, String rel, Stat st, List<String> names) {
                return recursive ? names : null;
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

    /** Copies {@code src} (followed if it is a link) to {@code dst}. */
    void copy(String src, String dst) throws ErrnoException {
        new TreeWalk(from, "cp -r", problems).walk(src, from.stat(src), new TreeWalk.Visitor() {
            @Override
            public List<String> enter(String path, String rel, Stat st, List<String> names) throws ErrnoException {
                if (!recursive) {
                    throw new ErrnoException(Errno.EISDIR, "cp", from.display(path), "a directory: copy it with -r");
                }
                if (made.contains(TreeWalk.Key.of(st))) {
                    problems.accept(new ErrnoException(Errno.EINVAL, "cp -r", from.display(path), "cannot copy a directory into itself"));
                    return null;
                }
                String d = target(dst, rel);
                if (!to.exists(d)) {
                    to.mkdir(d, (st.mode() & FileMode.ALLPERMS) | 0700); // writable while filling it; the real bits follow
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
                String d = target(dst, rel);
                if (st.isSymlink()) {
                    to.symlink(from.readlink(path), d);
                    return;
                }
                if (!st.isRegularFile()) {
                    throw new ErrnoException(Errno.EOPNOTSUPP, "cp", from.display(path), "not a regular file, directory or link");
                }
                copyData(path, d, st.mode() & FileMode.ALLPERMS);
                if (preserve) {
                    to.utimes(d, st.atime(), st.mtime());
                }
            }

            @Override
            public void leave(String path, String rel, Stat st) throws ErrnoException {
                String d = target(dst, rel);
                to.chmod(d, st.mode() & FileMode.ALLPERMS);
                if (preserve) {
                    to.utimes(d, st.atime(), st.mtime());
                }
            }
        });
    }

    private static String target(String dst, String rel) {
        return rel.isEmpty() ? dst : FileSide.join(dst, rel);
    }

    private void copyData(String src, String dst, int perms) throws ErrnoException {
        try (InputStream in = from.openRead(src); OutputStream out = to.create(dst, perms)) {
            byte[] buf = new byte[BUFFER];
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
        to.chmod(dst, perms);
    }
}
