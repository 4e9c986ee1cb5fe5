package io.jrump.kern.internal;

import io.jrump.api.ErrnoException;

/**
 * How a system call names itself in its failure ("open /x: ENOENT (...)"): the call's body
 * runs in one of these, which adds the call and its argument to the {@link ErrnoException} it
 * throws ({@code withContext} keeps the innermost, so a call made inside another, as readdir's
 * getdents, keeps its own name). A descriptor is turned into its name only on failure. The
 * helpers are small enough to be inlined, which lets the JIT see each lambda's class and drop
 * its allocation.
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
