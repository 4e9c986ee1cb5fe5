package io.jrump.kern.internal;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.kern.KFile;
import java.util.Arrays;

/**
 * A process's descriptor table: descriptor number to {@link KFile}, plus the close-on-exec
 * flag. Grows on demand from a few slots, since most kernels open few files. Descriptors are
 * allocated lowest-first, as POSIX requires.
 */
final class FdTable {
    /**
     * RLIMIT_NOFILE of a new process: the hard limit of a Linux process started by systemd
     * (524288 there), cut to what a program of many thousand connections needs. The JDK raises
     * its soft limit to the hard one at start, so NIO servers expect descriptors by the ten thousand.
     */
    static final int MAX_FDS = 65_536;
    private static final int INITIAL_SLOTS = 4;

    private KFile[] files = new KFile[INITIAL_SLOTS];
    private boolean[] cloexec = new boolean[INITIAL_SLOTS];
    private int lowestFree;
    private boolean closed;

    /** The file behind {@code fd}; EBADF when there is none. */
    synchronized KFile get(int fd) throws ErrnoException {
        if (fd < 0 || fd >= files.length || files[fd] == null) {
            throw new ErrnoException(Errno.EBADF, "descriptor " + fd + " is not open");
        }
        return files[fd];
    }

    /** Like {@link #get} but {@code null} instead of EBADF, for poll. */
    synchronized KFile peek(int fd) {
        return fd >= 0 && fd < files.length ? files[fd] : null;
    }

    /** Installs a new file (its reference count goes from 0 to 1) at the lowest free descriptor at or above {@code min}. */
    synchronized int install(KFile file, int min, boolean closeOnExec) throws ErrnoException {
        checkOpen();
        int fd = freeSlot(min);
        place(fd, file, closeOnExec);
        return fd;
    }

    synchronized int dup(int oldfd, int min) throws ErrnoException {
        KFile file = get(oldfd);
        int fd = freeSlot(min);
        place(fd, file, false);
        return fd;
    }

    /** dup2: closes {@code newfd} first when open; returns the file that was replaced (to be released by the caller), or null. */
    KFile dup2(int oldfd, int newfd) throws ErrnoException {
        KFile replaced;
        synchronized (this) {
            KFile file = get(oldfd);
            if (newfd < 0 || newfd >= MAX_FDS) {
                throw new ErrnoException(Errno.EBADF, "descriptor " + newfd + " out of range");
            }
            if (oldfd == newfd) {
                return null;
            }
            ensureCapacity(newfd + 1);
            replaced = files[newfd];
            files[newfd] = null;
            place(newfd, file, false);
        }
        return replaced == null ? null : unrefToRelease(replaced);
    }

    /** Removes {@code fd}; returns the file when this was its last descriptor (the caller closes it), else null. */
    KFile remove(int fd) throws ErrnoException {
        KFile file;
        synchronized (this) {
            file = get(fd);
            files[fd] = null;
            cloexec[fd] = false;
            if (fd < lowestFree) {
                lowestFree = fd;
            }
        }
        return unrefToRelease(file);
    }

    synchronized boolean closeOnExec(int fd) throws ErrnoException {
        get(fd);
        return cloexec[fd];
    }

    synchronized void closeOnExec(int fd, boolean on) throws ErrnoException {
        get(fd);
        cloexec[fd] = on;
    }

    /** Empties the table for process exit; returns the files whose last descriptor this was. */
    KFile[] closeAll() {
        KFile[] old;
        synchronized (this) {
            closed = true;
            old = files;
            files = new KFile[0];
            cloexec = new boolean[0];
        }
        int n = 0;
        for (KFile f : old) {
            if (f != null && unrefToRelease(f) != null) {
                old[n++] = f;
            }
        }
        return Arrays.copyOf(old, n);
    }

    synchronized int openCount() {
        int n = 0;
        for (KFile f : files) {
            if (f != null) {
                n++;
            }
        }
        return n;
    }

    private void checkOpen() throws ErrnoException {
        if (closed) {
            throw new ErrnoException(Errno.EBADF, "process has exited");
        }
    }

    private int freeSlot(int min) throws ErrnoException {
        if (min < 0 || min >= MAX_FDS) {
            throw new ErrnoException(Errno.EINVAL, "descriptor " + min + " out of range");
        }
        int start = Math.max(min, lowestFree);
        for (int fd = start; fd < files.length; fd++) {
            if (files[fd] == null) {
                return fd;
            }
        }
        int fd = Math.max(files.length, start);
        if (fd >= MAX_FDS) {
            throw new ErrnoException(Errno.EMFILE);
        }
        ensureCapacity(fd + 1);
        return fd;
    }

    private void ensureCapacity(int n) {
        if (n > files.length) {
            int size = Math.min(MAX_FDS, Math.max(n, files.length * 2));
            files = Arrays.copyOf(files, size);
            cloexec = Arrays.copyOf(cloexec, size);
        }
    }

    private void place(int fd, KFile file, boolean closeOnExec) {
        file.descriptorAdded();
        files[fd] = file;
        cloexec[fd] = closeOnExec;
        if (fd == lowestFree) {
            int next = fd + 1;
            while (next < files.length && files[next] != null) {
                next++;
            }
            lowestFree = next;
        }
    }

    private static KFile unrefToRelease(KFile file) {
        return file.descriptorRemoved() ? file : null;
    }
}
