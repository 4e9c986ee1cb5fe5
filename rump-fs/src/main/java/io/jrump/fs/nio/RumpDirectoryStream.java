package io.jrump.fs.nio;

import io.jrump.api.DirEntry;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Stat;
import io.jrump.api.Syscalls;
import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The entries of a directory, read with one {@code readdir} when the stream is opened (so
 * the listing is a snapshot, which {@link DirectoryStream}'s weak consistency allows) and
 * handed out without "." and "..". One iterator per stream, as the interface requires.
 *
 * <p>A directory that is also one of the directories its own path goes down through (a hard
 * link to an ancestor, which ext2 forbids but a damaged or hand-edited image can hold) is not
 * opened: {@link FileSystemLoopException}, with an ELOOP naming the ancestor as its cause. The
 * JDK's tree walker checks file keys for loops only when it follows symbolic links; without
 * this check {@code Files.walk} would go round such a cycle until the path grew past
 * {@code PATH_MAX}, some two thousand levels and seconds later.
 */
final class RumpDirectoryStream implements DirectoryStream<Path> {
    private final RumpPath dir;
    private final List<DirEntry> entries;
    private final Filter<? super Path> filter;
    private volatile boolean closed;
    private boolean iterated;

    private RumpDirectoryStream(RumpPath dir, List<DirEntry> entries, Filter<? super Path> filter) {
        this.dir = dir;
        this.entries = entries;
        this.filter = filter;
    }

    /** Reads the directory {@code dir}, after checking that it is a directory and not one of its own ancestors. */
    static RumpDirectoryStream open(RumpPath dir, Filter<? super Path> filter) throws IOException {
        Syscalls sys = dir.getFileSystem().sys();
        try {
            if (!sys.stat(dir.kernelPath()).isDirectory()) {
                throw new NotDirectoryException(dir.toString());
            }
            checkNotOwnAncestor(dir, sys);
            return new RumpDirectoryStream(dir, sys.readdir(dir.kernelPath()), filter);
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, dir, null);
        }
    }

    /**
     * Compares the directory with each directory above it on its path, by (device, inode) from
     * {@code lstat}, so a symbolic link on the way is never mistaken for its target. Only the
     * names after the last "." or ".." are a chain going down; a path ending in a symbolic link
     * names no hard-linked directory and is not checked.
     */
    private static void checkNotOwnAncestor(RumpPath dir, Syscalls sys) throws IOException, ErrnoException {
        RumpPath abs = dir.toAbsolutePath();
        int from = 0;
        for (int i = 0; i < abs.getNameCount(); i++) {
            String n = abs.getName(i).toString();
            if (n.equals(".") || n.equals("..")) {
                from = i + 1;
            }
        }
        if (abs.getNameCount() <= from) {
            return;
        }
        Stat self = sys.lstat(abs.kernelPath());
        if (!self.isDirectory()) {
            return;
        }
        for (RumpPath up = abs.getParent(); up != null && up.getNameCount() >= from; up = up.getParent()) {
            if (ImageCalls.isSame(self, sys.lstat(up.kernelPath()))) {
                FileSystemLoopException loop = new FileSystemLoopException(dir.toString());
                loop.initCause(new ErrnoException(Errno.ELOOP, "opendir", dir.toString(), "directory cycle: the same directory as " + up));
                throw loop;
            }
        }
    }

    @Override
    public synchronized Iterator<Path> iterator() {
        if (closed) {
            throw new IllegalStateException("directory stream of " + dir + " is closed");
        }
        if (iterated) {
            throw new IllegalStateException("directory stream of " + dir + " already gave its iterator");
        }
        iterated = true;
        return new Iterator<>() {
            private int next;
            private Path ahead;

            @Override
            public boolean hasNext() {
                while (ahead == null && !closed && next < entries.size()) {
                    String name = entries.get(next++).name();
                    if (name.equals(".") || name.equals("..")) {
                        continue;
                    }
                    Path p = dir.resolve(name);
                    try {
                        if (filter == null || filter.accept(p)) {
                            ahead = p;
                        }
                    } catch (IOException e) {
                        throw new DirectoryIteratorException(e);
                    }
                }
                return ahead != null;
            }

            @Override
            public Path next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Path p = ahead;
                ahead = null;
                return p;
            }
        };
    }

    @Override
    public void close() {
        closed = true;
    }
}
