package io.jrump.dev;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A disk image in a host file, or a host block device, read and written with positional
 * {@link FileChannel} calls (pread/pwrite), which need no lock and run in parallel.
 *
 * <p>The file is checked when the device is made ({@link #inspect}): it must exist, be a
 * regular file or a block device, hold a positive whole number of 512-byte sectors and be
 * readable, and writable unless opened read-only. Every failure is an {@link ErrnoException}
 * naming the file. The size is fixed then; the device neither grows nor shrinks the file.
 *
 * <p><b>Interrupts.</b> A {@code FileChannel} closes itself when a thread blocked in it (or
 * entering it) is interrupted. Kernel threads are interrupted when their kernel closes and
 * callers interrupt their own threads, and neither should take the disk away from every other
 * thread. So when the channel closes under a transfer that this device did not close, the
 * device opens the file again and redoes the rest of the transfer (positional transfers are
 * idempotent); an interrupted caller gets its interrupt status back afterwards. The reopen is
 * by path: an image deleted or replaced while in use is not followed.
 *
 * <p><b>One writer per image.</b> Opening locks the file ({@link ImageLocks}): read-write
 * exclusively, read-only shared, against other processes and other devices of this JVM. A
 * conflicting open fails with EBUSY naming the image ({@code open disk.img: EBUSY (image is
 * open read-write by another process)}), or waits for the holder to let go when opened with
 * {@code wait}. Closing the device releases the lock.
 */
public final class FileBlockDevice implements BlockDevice {
    /** {@code S_IFMT} and {@code S_IFBLK} from POSIX {@code <sys/stat.h>}, for the "unix:mode" attribute. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    private final Path path;
    private final String name;
    private final boolean readOnly;
    private final long size;
    private final ImageLocks.Hold hold;
    private volatile boolean closed;

    private FileBlockDevice(Path path, boolean readOnly, long size, ImageLocks.Hold hold) {
        this.path = path;
        this.name = path.toString();
        this.readOnly = readOnly;
        this.size = size;
        this.hold = hold;
    }

    /**
     * Opens a disk image, failing at once when another opener holds it; read-only opens the
     * file for reading only.
     *
     * @throws ErrnoException as {@link #inspect}; EBUSY when the image is open read-write
     *     elsewhere, or anywhere when {@code readOnly} is false; when the file cannot be opened
     */
    public static FileBlockDevice open(Path path, boolean readOnly) throws ErrnoException {
        return open(path, readOnly, false);
    }

    /**
     * Opens a disk image; {@code wait} waits for a conflicting holder (another process, or
     * another device of this JVM) to close it instead of failing with EBUSY.
     *
     * @throws ErrnoException as {@link #open(Path, boolean)}; EINTR when interrupted while waiting
     */
    public static FileBlockDevice open(Path path, boolean readOnly, boolean wait) throws ErrnoException {
        long size = inspect(path, readOnly);
        return new FileBlockDevice(path, readOnly, size, ImageLocks.acquire(path, readOnly, wait));
    }

    /**
     * Makes {@code path} a disk image of {@code size} bytes and opens it read-write: creates the
     * file if missing (sparse), locks it, and only then sets its length, so an image another
     * opener holds is refused (EBUSY) before a byte of it changes.
     *
     * @throws ErrnoException EINVAL for a size that is not positive whole sectors, EISDIR, EBUSY,
     *     what the host reports
     */
    public static FileBlockDevice create(Path path, long size) throws ErrnoException {
        Sectors.checkSize(path.toString(), size, Sectors.SIZE);
        if (Files.isDirectory(path)) {
            throw new ErrnoException(Errno.EISDIR, path + ": is a directory, not a disk image");
        }
        try {
            Files.createFile(path);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // resized below, once it is ours
        } catch (IOException e) {
            throw hostError(path, e);
        }
        ImageLocks.Hold hold = ImageLocks.acquire(path, false, false);
        try {
            FileChannel ch = hold.channel();
            if (ch.size() > size) {
                ch.truncate(size);
            } else if (ch.size() < size) {
                ch.write(ByteBuffer.allocate(1), size - 1); // extends the file; the gap reads as zeros
            }
        } catch (IOException e) {
            hold.release();
            ErrnoException err = new ErrnoException(Errno.EIO, path + ": cannot size the image: " + e.getMessage());
            err.initCause(e);
            throw err;
        }
        return new FileBlockDevice(path, false, size, hold);
    }

    /**
     * Checks that {@code path} can serve as a disk, without keeping it open, and returns its size
     * in bytes. Cheap for a regular file (one {@code stat}); a block device is opened for a moment,
     * because only the device itself knows its size.
     *
     * @throws ErrnoException ENOENT (missing), EISDIR (a directory), ENOTBLK (neither a regular
     *     file nor a block device), EINVAL (empty, or not whole sectors), EACCES (not readable, or
     *     not writable when {@code readOnly} is false), EIO (anything else the host reports)
     */
    public static long inspect(Path path, boolean readOnly) throws ErrnoException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (IOException e) {
            throw hostError(path, e);
        }
        long size;
        if (attrs.isDirectory()) {
            throw new ErrnoException(Errno.EISDIR, path + ": is a directory, not a disk image");
        } else if (attrs.isRegularFile()) {
            size = attrs.size();
        } else if (isBlockDevice(path)) {
            size = blockDeviceSize(path);
        } else {
            throw new ErrnoException(Errno.ENOTBLK, path + ": neither a regular file nor a block device");
        }
        if (!Files.isReadable(path)) {
            throw new ErrnoException(Errno.EACCES, path + ": not readable");
        }
        if (!readOnly && !Files.isWritable(path)) {
            throw new ErrnoException(Errno.EACCES, path + ": not writable (open it read-only?)");
        }
        if (size == 0) {
            throw new ErrnoException(Errno.EINVAL, path + ": empty file, not a disk image");
        }
        Sectors.checkSize(path.toString(), size, Sectors.SIZE);
        return size;
    }

    /**
     * Only the device knows its size; when this JVM holds it already, its channel is asked,
     * since closing a descriptor of the device would drop this process's lock on it.
     */
    private static long blockDeviceSize(Path path) throws ErrnoException {
        long held = ImageLocks.sizeIfHeld(path);
        if (held >= 0) {
            return held;
        }
        try (FileChannel ch = ImageLocks.openChannel(path, true)) {
            return ch.size();
        } catch (IOException e) {
            throw e instanceof ErrnoException ee ? ee : hostError(path, e);
        }
    }

    /** The file behind this device. */
    public Path path() {
        return path;
    }

    @Override
    public int sectorSize() {
        return Sectors.SIZE;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public void read(long sector, ByteBuffer dst) throws ErrnoException {
        Sectors.checkRead(name, this, sector, dst);
        transfer(sector * Sectors.SIZE, dst, false);
    }

    @Override
    public void write(long sector, ByteBuffer src) throws ErrnoException {
        Sectors.checkWrite(name, this, sector, src);
        transfer(sector * Sectors.SIZE, src, true);
    }

    /** Forces the file's data (not its metadata: the size never changes) to the host's disk. */
    @Override
    public void flush() throws ErrnoException {
        if (readOnly) {
            checkOpen();
            return;
        }
        boolean interrupted = false;
        try {
            while (true) {
                FileChannel ch = checkOpen();
                try {
                    ch.force(false);
                    return;
                } catch (ClosedChannelException e) {
                    interrupted |= clearInterrupt(e);
                    reopen(ch);
                } catch (IOException e) {
                    throw ioError("flush", e);
                }
            }
        } finally {
            restoreInterrupt(interrupted);
        }
    }

    /**
     * Checks the range and keeps the sectors: punching holes is not portable through
     * {@code FileChannel}, and a discard is only advice.
     */
    @Override
    public void discard(long sector, long count) throws ErrnoException {
        Sectors.checkDiscard(name, this, sector, count);
        checkOpen();
    }

    /** Closes the file, unless another device of this JVM shares it, and releases this device's lock. */
    @Override
    public void close() throws ErrnoException {
        synchronized (hold) {
            if (closed) {
                return;
            }
            closed = true;
        }
        hold.release();
    }

    @Override
    public String toString() {
        return "FileBlockDevice[" + path + (readOnly ? ", read-only" : "") + ", " + size + " bytes]";
    }

    private void transfer(long pos, ByteBuffer buf, boolean write) throws ErrnoException {
        boolean interrupted = false;
        try {
            while (buf.hasRemaining()) {
                FileChannel ch = checkOpen();
                try {
                    int n = write ? ch.write(buf, pos) : ch.read(buf, pos);
                    if (n < 0) {
                        throw new ErrnoException(Errno.EIO, name + ": end of file at byte " + pos
                                + ", inside the device's " + size + " bytes (did the file shrink?)");
                    }
                    pos += n;
                } catch (ClosedChannelException e) {
                    interrupted |= clearInterrupt(e);
                    reopen(ch);
                } catch (IOException e) {
                    if (e instanceof ErrnoException ee) {
                        throw ee;
                    }
                    throw ioError(write ? "write" : "read", e);
                }
            }
        } finally {
            restoreInterrupt(interrupted);
        }
    }

    private FileChannel checkOpen() throws ErrnoException {
        if (closed) {
            throw Sectors.closed(name);
        }
        return hold.channel();
    }

    /**
     * Replaces a channel that an interrupt closed (and the lock that went with it), unless
     * another thread already did or this device was closed on purpose.
     */
    private void reopen(FileChannel failed) throws ErrnoException {
        if (closed) {
            throw Sectors.closed(name);
        }
        hold.reopen(failed);
    }

    /** Clears the interrupt that closed the channel, so the retry can run; true when this thread was the one interrupted. */
    private static boolean clearInterrupt(ClosedChannelException e) {
        return e instanceof ClosedByInterruptException && Thread.interrupted();
    }

    private static void restoreInterrupt(boolean interrupted) {
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean isBlockDevice(Path path) {
        try {
            Object mode = Files.getAttribute(path, "unix:mode");
            return mode instanceof Integer m && (m & S_IFMT) == S_IFBLK;
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
            return false; // no "unix" view: this host has no block devices we could tell apart
        }
    }

    /** Turns what the host said about opening {@code path} into an errno. */
    static ErrnoException hostError(Path path, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new ErrnoException(Errno.ENOENT, path + ": no such file");
        }
        if (e instanceof AccessDeniedException) {
            return new ErrnoException(Errno.EACCES, path + ": permission denied");
        }
        String reason = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : String.valueOf(e);
        ErrnoException err = new ErrnoException(Errno.EIO, path + ": " + reason);
        err.initCause(e);
        return err;
    }

    private ErrnoException ioError(String op, IOException e) {
        ErrnoException err = new ErrnoException(Errno.EIO, name + ": " + op + " failed: " + e);
        err.initCause(e);
        return err;
    }
}
