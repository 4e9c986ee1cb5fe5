package io.jrump.dev;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * One writer or any number of readers per image file, across processes and within this JVM:
 * a read-write open takes an exclusive lock, a read-only open a shared one, and an open that
 * conflicts fails with EBUSY naming the image, or waits when asked to.
 *
 * <p><b>Why a registry, and one channel per file.</b> Across processes the lock is a POSIX
 * record lock over the whole file ({@code fcntl(F_SETLK)}, which {@link FileChannel#tryLock}
 * takes on Linux), so other programs that lock the same way ({@code lockf}, another JVM) see it.
 * Such locks belong to the process and the file, not to a descriptor: the JDK refuses a
 * second lock on the file in the same JVM ({@link OverlappingFileLockException}), and POSIX
 * drops all of a process's locks on a file as soon as <em>any</em> descriptor of it is
 * closed. So this JVM keeps, per file (its {@code fileKey}: device and inode, which sees
 * through links and other names), one channel holding one lock, shared by every device of
 * the file and counted; the channel closes, and the lock goes, when the last holder lets go.
 * This is the one piece of state kernels share, because the lock it mirrors is per process.
 * Code that opens and closes an image file behind jrump's back while jrump holds it drops
 * the lock for other processes (the in-JVM check still holds), a limit of POSIX locks.
 */
final class ImageLocks {
    /** Files held by this JVM, by identity; guarded by itself. */
    private static final Map<Object, Entry> HELD = new HashMap<>();

    private ImageLocks() {
    }

    /** One file held by this JVM: its channel and lock, and how many devices use them. */
    private static final class Entry {
        final Object key;
        final Path path;
        final boolean writable;
        int holders = 1;
        /** Set when the lock is taken; until then later openers wait for the first. */
        boolean ready;
        /** The first opener waits for another process to let go. */
        boolean blocked;
        /** Read without the registry's monitor, so transfers of many kernels never meet there. */
        volatile FileChannel channel;
        FileLock lock;

        Entry(Object key, Path path, boolean writable) {
            this.key = key;
            this.path = path;
            this.writable = writable;
        }
    }

    /** A device's share of a held file: the channel to read and write through, until {@link #release}. */
    static final class Hold {
        private final Entry entry;
        private boolean released;

        private Hold(Entry entry) {
            this.entry = entry;
        }

        /** The channel of the file; replaced by {@link #reopen} when an interrupt closed it. */
        FileChannel channel() {
            return entry.channel;
        }

        /**
         * Replaces {@code failed}, a channel that an interrupt closed, and takes the lock again
         * (closing the channel dropped it), unless another holder already did.
         *
         * @throws ErrnoException EBUSY when another process took the image in between
         */
        FileChannel reopen(FileChannel failed) throws ErrnoException {
            synchronized (HELD) {
                if (released) {
                    throw Sectors.closed(entry.path.toString());
                }
                if (entry.channel == failed && !failed.isOpen()) {
                    FileChannel ch = openChannel(entry.path, !entry.writable);
                    try {
                        FileLock l = ch.tryLock(0, Long.MAX_VALUE, !entry.writable);
                        if (l == null) {
                            throw new ErrnoException(Errno.EBUSY, "open", entry.path.toString(),
                                    "another process took the image while it was reopened after an interrupt");
                        }
                        entry.lock = l;
                    } catch (IOException | RuntimeException e) {
                        closeQuietly(ch);
                        throw e instanceof ErrnoException ee ? ee : lockError(entry.path, e);
                    }
                    entry.channel = ch;
                }
                return entry.channel;
            }
        }

        /** Lets go; the last holder releases the lock and closes the channel. */
        void release() throws ErrnoException {
            synchronized (HELD) {
                if (released) {
                    return;
                }
                released = true;
                if (--entry.holders > 0) {
                    return;
                }
                HELD.remove(entry.key);
                HELD.notifyAll();
                // still under the registry's monitor: an opener must not lock the file before this lock is gone
                try {
                    entry.channel.close(); // releases the lock too
                } catch (IOException e) {
                    ErrnoException err = new ErrnoException(Errno.EIO, entry.path + ": close failed: " + e);
                    err.initCause(e);
                    throw err;
                }
            }
        }
    }

    /**
     * Takes {@code path} for reading ({@code readOnly}, shared) or writing (exclusive).
     *
     * @param wait wait for a conflicting holder to let go instead of failing
     * @throws ErrnoException EBUSY naming the image and who holds it; EINTR when interrupted
     *     while waiting; what opening the file reports
     */
    static Hold acquire(Path path, boolean readOnly, boolean wait) throws ErrnoException {
        Object key = identity(path);
        Entry e;
        synchronized (HELD) {
            while (true) {
                Entry cur = HELD.get(key);
                if (cur == null) {
                    e = new Entry(key, path, !readOnly);
                    HELD.put(key, e);
                    break;
                }
                boolean compatible = readOnly && !cur.writable;
                if (compatible && cur.ready) {
                    cur.holders++;
                    return new Hold(cur);
                }
                if (!wait && !(compatible && !cur.blocked)) {
                    throw busy(path, cur.blocked ? "image is held by another process, and an opener in this process waits for it"
                            : "image is already open " + (cur.writable ? "read-write" : "read-only") + " in this process");
                }
                try {
                    HELD.wait();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new ErrnoException(Errno.EINTR, "open", path.toString(), "interrupted while waiting for the image");
                }
            }
        }
        try {
            e.channel = openChannel(path, readOnly);
            e.lock = lock(e, wait);
        } catch (ErrnoException | RuntimeException x) {
            synchronized (HELD) {
                if (e.channel != null) {
                    closeQuietly(e.channel);
                }
                HELD.remove(key);
                HELD.notifyAll();
            }
            throw x;
        }
        synchronized (HELD) {
            e.ready = true;
            e.blocked = false;
            HELD.notifyAll();
        }
        return new Hold(e);
    }

    /** The size of {@code path} through the channel this JVM holds it with, or -1 when it holds none. */
    static long sizeIfHeld(Path path) throws ErrnoException {
        Object key = identity(path);
        synchronized (HELD) {
            Entry e = HELD.get(key);
            if (e == null || !e.ready) {
                return -1;
            }
            try {
                return e.channel.size();
            } catch (IOException x) {
                throw lockError(path, x);
            }
        }
    }

    private static FileLock lock(Entry e, boolean wait) throws ErrnoException {
        boolean shared = !e.writable;
        try {
            FileLock l = e.channel.tryLock(0, Long.MAX_VALUE, shared);
            if (l != null) {
                return l;
            }
            if (!wait) {
                throw busy(e.path, "image is open " + holderOf(e.channel, shared) + " by another process");
            }
            synchronized (HELD) {
                e.blocked = true;
                HELD.notifyAll(); // readers waiting for this opener may now give up
            }
            return e.channel.lock(0, Long.MAX_VALUE, shared);
        } catch (ErrnoException x) {
            throw x;
        } catch (OverlappingFileLockException x) {
            throw busy(e.path, "image is locked by other code of this process");
        } catch (AsynchronousCloseException x) { // ClosedByInterruptException included
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR, "open", e.path.toString(), "interrupted while waiting for the image");
        } catch (IOException x) {
            throw lockError(e.path, x);
        }
    }

    /**
     * Who holds the lock an exclusive request could not get: read-only holders let a shared
     * probe through. A shared request fails only against a writer.
     */
    private static String holderOf(FileChannel ch, boolean shared) throws IOException {
        if (shared) {
            return "read-write";
        }
        FileLock probe = ch.tryLock(0, Long.MAX_VALUE, true);
        if (probe == null) {
            return "read-write";
        }
        probe.release();
        return "read-only";
    }

    /** The file's identity: its device and inode where the host tells them, else its real path. */
    private static Object identity(Path path) throws ErrnoException {
        try {
            Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            return key != null ? key : path.toRealPath();
        } catch (IOException e) {
            throw FileBlockDevice.hostError(path, e);
        }
    }

    static FileChannel openChannel(Path path, boolean readOnly) throws ErrnoException {
        try {
            return readOnly
                    ? FileChannel.open(path, StandardOpenOption.READ)
                    : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw FileBlockDevice.hostError(path, e);
        }
    }

    private static ErrnoException busy(Path path, String why) {
        return new ErrnoException(Errno.EBUSY, "open", path.toString(), why);
    }

    /** The host cannot lock the file (ENOLCK from a network file system, say): refused rather than opened unprotected. */
    private static ErrnoException lockError(Path path, Exception e) {
        ErrnoException err = new ErrnoException(Errno.ENOLCK, "open", path.toString(), "cannot lock the image: " + e);
        err.initCause(e);
        return err;
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // failing anyway: the error that brought us here is the one to report
        }
    }
}
