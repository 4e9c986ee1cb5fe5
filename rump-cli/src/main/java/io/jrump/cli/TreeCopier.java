package io.jrump.cli;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.Stat;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Copies files and trees between two {@link FileSide}s, as {@code cp} does: regular files
 * byte for byte with their permission bits, directories (with {@code -r}) entry by entry,
 * symbolic links inside a tree as links; with {@code -p} also the times. The named sources
 * themselves are followed if they are links, as {@code cp} without {@code -P} follows them.
 */
final class TreeCopier {
    private static final int BUFFER = 1 << 16;

    private final FileSide from;
    private final FileSide to;
    private final boolean recursive;
    private final boolean preserve;
    private final ByteProgress progress;

    TreeCopier(FileSide from, FileSide to, boolean recursive, boolean preserve, ByteProgress progress) {
        this.from = from;
        this.to = to;
        this.recursive = recursive;
        this.preserve = preserve;
        this.progress = progress;
    }

    /** Bytes of regular files a copy of {@code path} moves, for the progress line. */
    long size(String path, boolean top) throws ErrnoException {
        Stat st = top ? from.stat(path) : from.lstat(path);
        if (st.isRegularFile()) {
            return st.size();
        }
        long sum = 0;
        if (st.isDirectory() && recursive) {
            for (String name : from.list(path)) {
                sum += size(FileSide.join(path, name), false);
            }
        }
        return sum;
    }

    void copy(String src, String dst, boolean top) throws ErrnoException {
        Stat st = top ? from.stat(src) : from.lstat(src);
        int perms = st.mode() & FileMode.ALLPERMS;
        if (st.isDirectory()) {
            if (!recursive) {
                throw new ErrnoException(Errno.EISDIR, "cp", from.display(src), "a directory: copy it with -r");
            }
            if (!to.exists(dst)) {
                to.mkdir(dst, perms | 0700); // writable while filling it; the real bits follow
            } else if (!to.stat(dst).isDirectory()) {
                throw new ErrnoException(Errno.ENOTDIR, "cp", to.display(dst), "cannot put a directory over a file");
            }
            for (String name : from.list(src)) {
                copy(FileSide.join(src, name), FileSide.join(dst, name), false);
            }
            to.chmod(dst, perms);
        } else if (st.isSymlink()) {
            to.symlink(from.readlink(src), dst);
            return;
        } else if (st.isRegularFile()) {
            copyData(src, dst, perms);
        } else {
            throw new ErrnoException(Errno.EOPNOTSUPP, "cp", from.display(src), "not a regular file, directory or link");
        }
        if (preserve) {
            to.utimes(dst, st.atime(), st.mtime());
        }
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
