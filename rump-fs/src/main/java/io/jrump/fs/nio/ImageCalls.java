package io.jrump.fs.nio;

import io.jrump.api.ErrnoException;
import io.jrump.api.Stat;
import io.jrump.api.Syscalls;
import java.io.IOException;

/** The few kernel calls on a {@link RumpPath} that several NIO operations make, with their errors in NIO's terms. */
final class ImageCalls {
    private ImageCalls() {
    }

    /** Whether a directory has entries besides "." and "..". */
    static boolean hasEntries(RumpPath dir) throws IOException {
        try {
            return dir.getFileSystem().sys().readdir(dir.kernelPath()).stream()
                    .anyMatch(e -> !e.name().equals(".") && !e.name().equals(".."));
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, dir, null);
        }
    }

    static Stat stat(RumpPath p) throws IOException {
        try {
            return p.getFileSystem().sys().stat(p.kernelPath());
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, p, null);
        }
    }

    static Stat lstat(RumpPath p) throws IOException {
        try {
            return p.getFileSystem().sys().lstat(p.kernelPath());
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, p, null);
        }
    }

    static Stat lstatOrNull(RumpPath p) throws IOException {
        try {
            return p.getFileSystem().sys().lstat(p.kernelPath());
        } catch (ErrnoException e) {
            if (e.errno() == io.jrump.api.Errno.ENOENT) {
                return null;
            }
            throw NioErrors.translate(e, p, null);
        }
    }

    /** Removes a file or an empty directory, whichever it is. */
    static void delete(RumpPath p) throws IOException {
        p.getFileSystem().checkWritable();
        Syscalls sys = p.getFileSystem().sys();
        try {
            if (sys.lstat(p.kernelPath()).isDirectory()) {
                sys.rmdir(p.kernelPath());
            } else {
                sys.unlink(p.kernelPath());
            }
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, p, null);
        }
    }

    /** Whether two stat results are one file. */
    static boolean isSame(Stat a, Stat b) {
        return a.dev() == b.dev() && a.ino() == b.ino();
    }
}
