package io.jrump.fs.nio;

import io.jrump.api.DirEntry;
import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The entries of a directory, read with one {@code readdir} when the stream is opened (so
 * the listing is a snapshot, which {@link DirectoryStream}'s weak consistency allows) and
 * handed out without "." and "..". One iterator per stream, as the interface requires.
 */
final class RumpDirectoryStream implements DirectoryStream<Path> {
    private final RumpPath dir;
    private final List<DirEntry> entries;
    private final Filter<? super Path> filter;
    private volatile boolean closed;
    private boolean iterated;

    RumpDirectoryStream(RumpPath dir, List<DirEntry> entries, Filter<? super Path> filter) {
        this.dir = dir;
        this.entries = entries;
        this.filter = filter;
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
