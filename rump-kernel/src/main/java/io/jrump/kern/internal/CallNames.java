package io.jrump.kern.internal;

import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;

/**
 * How a system call names itself in its failure ("open /x: ENOENT (...)"): the call's body
 * runs in one of these, which adds the call and its argument to the {@link ErrnoException} it
 * throws ({@code withContext} keeps the innermost, so a call made inside another, as readdir's
 * getdents, keeps its own name). A descriptor is turned into its name only on failure.
 *
 * <p>A body that captures the call's arguments is an object made per call, which costs nothing
 * only when the JIT inlines the helper and the body into the call and then sees that it does
 * not escape; on deep calls it sometimes does not (a tmpfs {@code pread} allocated 56 bytes
 * instead of 24 in some runs of AccountingBenchmark). The calls that move data or a position,
 * the hot ones, therefore go through {@link #data}, whose body is handed its arguments and
 * captures nothing: such a body is one constant object, and the call allocates nothing
 * whatever the JIT decides.
 */
final class CallNames {
    private CallNames() {
    }

    static String fdName(int fd) {
        return "fd " + fd;
    }

    /** A system call's body. */
    @FunctionalInterface
    interface Body<T> {
        T run() throws ErrnoException;
    }

    /** A system call's body that returns an int (a descriptor, a count). */
    @FunctionalInterface
    interface IntBody {
        int run() throws ErrnoException;
    }

    /** A system call's body that returns nothing. */
    @FunctionalInterface
    interface VoidBody {
        void run() throws ErrnoException;
    }

    /**
     * The body of a call that moves data or a file position ({@code read}, {@code pread},
     * {@code lseek}, {@code send}...): handed the group of calls it belongs to and the call's
     * arguments, the ones a call does not have given as 0, so it need capture nothing.
     */
    @FunctionalInterface
    interface DataBody<S> {
        long run(S calls, int fd, ByteBuffer buf, long offset, int flags) throws ErrnoException;
    }

    /** Runs a data call's {@code body}, which must capture nothing (a method reference to a method of {@code S}). */
    static <S> long data(String call, S calls, int fd, ByteBuffer buf, long offset, int flags, DataBody<S> body) throws ErrnoException {
        try {
            return body.run(calls, fd, buf, offset, flags);
        } catch (ErrnoException e) {
            throw e.withContext(call, fdName(fd));
        }
    }

    static <T> T call(String call, String path, Body<T> body) throws ErrnoException {
        try {
            return body.run();
        } catch (ErrnoException e) {
            throw e.withContext(call, path);
        }
    }

    static int callInt(String call, String path, IntBody body) throws ErrnoException {
        try {
            return body.run();
        } catch (ErrnoException e) {
            throw e.withContext(call, path);
        }
    }

    static void run(String call, String path, VoidBody body) throws ErrnoException {
        try {
            body.run();
        } catch (ErrnoException e) {
            throw e.withContext(call, path);
        }
    }

    static <T> T callFd(String call, int fd, Body<T> body) throws ErrnoException {
        try {
            return body.run();
        } catch (ErrnoException e) {
            throw e.withContext(call, fdName(fd));
        }
    }

    static int callFdInt(String call, int fd, IntBody body) throws ErrnoException {
        try {
            return body.run();
        } catch (ErrnoException e) {
            throw e.withContext(call, fdName(fd));
        }
    }

    static void runFd(String call, int fd, VoidBody body) throws ErrnoException {
        try {
            body.run();
        } catch (ErrnoException e) {
            throw e.withContext(call, fdName(fd));
        }
    }
}
