package io.jrump.cli;

import io.jrump.api.DirEntry;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.Stat;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.List;

/**
 * One end of a copy: the host's file system or a file system in an image, with the few
 * operations {@code cp} needs, so one copier serves host-to-image, image-to-host and
 * image-to-image. Paths are absolute in their file system; every failure is an
 * {@link ErrnoException} naming the path as the user wrote it ({@link #display}).
 */
interface FileSide {
    /** The path as messages show it ({@code disk.img:/etc/x}, or the host path). */
    String display(String path);

    /**
     * Whether this side and {@code other} are one set of files, so that equal (device, inode)
     * pairs from the two mean one file: both the host, or both the same image. Device numbers
     * of two kernels (or of a kernel and the host) are unrelated and may be equal.
     */
    boolean sameFiles(FileSide other);

    Stat stat(String path) throws ErrnoException;

    Stat lstat(String path) throws ErrnoException;

    /** {@code true} when {@code path} exists (without following a last symbolic link). */
    boolean exists(String path) throws ErrnoException;

    /** The names in a directory, without "." and "..", sorted. */
    List<String> list(String dir) throws ErrnoException;

    /**
     * The entries of a directory, without "." and "..", sorted by name, with their
     * {@code DT_*} types where this side knows them ({@code DT_UNKNOWN} otherwise: the host
     * side, as the JDK does not pass on {@code d_type}).
     */
    default List<DirEntry> entries(String dir) throws ErrnoException {
        return list(dir).stream().map(n -> new DirEntry(0, FileMode.DT_UNKNOWN, n)).toList();
    }

    /**
     * A regular file opened for reading, with its stat taken from the open file, and how this
     * side closes it.
     */
    record OpenFile(Stat stat, InputStream in, Closing closing) implements AutoCloseable {
        /** What closing the file does on its side, with that side's message on failure. */
        interface Closing {
            void close() throws ErrnoException;
        }

        @Override
        public void close() throws ErrnoException {
            closing.close();
        }
    }

    /**
     * Opens {@code path} for reading if it is a regular file, without following a symbolic
     * link; null when it is anything else, or (on a side that opens first) cannot be opened,
     * so that the caller stats it and takes the ordinary way, which reports what fails. Where
     * the side can stat an open file, one name lookup instead of the two of {@code lstat} and
     * {@link #openRead}.
     */
    default OpenFile openFile(String path) throws ErrnoException {
        Stat st = lstat(path);
        if (!st.isRegularFile()) {
            return null;
        }
        InputStream in = openRead(path);
        return new OpenFile(st, in, () -> {
            try {
                in.close();
            } catch (ErrnoException e) {
                throw e;
            } catch (java.io.IOException e) {
                throw HostSide.errno("close", display(path), e);
            }
        });
    }

    InputStream openRead(String path) throws ErrnoException;

    /**
     * Creates a regular file with {@code mode}'s permission bits less this side's umask, or
     * truncates an existing one, keeping its mode: open(2) with {@code O_CREAT | O_TRUNC}.
     */
    OutputStream create(String path, int mode) throws ErrnoException;

    /** Makes a directory with {@code mode}'s permission bits less this side's umask, as mkdir(2). */
    void mkdir(String path, int mode) throws ErrnoException;

    /** The bits this side takes off the modes of files it creates (the host's umask, or the image kernel's process's). */
    int umask() throws ErrnoException;

    String readlink(String path) throws ErrnoException;

    void symlink(String target, String path) throws ErrnoException;

    void chmod(String path, int mode) throws ErrnoException;

    /** Sets access and modification times, of a symbolic link itself when {@code follow} is false; any date, past 2262 too. */
    void utimes(String path, Instant atime, Instant mtime, boolean follow) throws ErrnoException;

    /** Adds the name {@code path} for the file {@code existing} (a hard link). */
    void link(String existing, String path) throws ErrnoException;

    /** Makes a FIFO, socket or device node: {@code mode} has the type and permission bits, {@code rdev} is a device's {@link io.jrump.api.DeviceNumber}. */
    void mknod(String path, int mode, long rdev) throws ErrnoException;

    /** Sets owner and group, of a symbolic link itself (EPERM when not allowed). */
    void lchown(String path, int uid, int gid) throws ErrnoException;

    /**
     * The extended attributes' names of {@code path} itself (a link is not followed) that this
     * side can copy: every namespace in an image, {@code user.*} on the host (what the JDK's
     * {@code user} view reaches).
     */
    List<String> listxattr(String path) throws ErrnoException;

    /** An extended attribute's value, of {@code path} itself. */
    byte[] getxattr(String path, String name) throws ErrnoException;

    /** Sets an extended attribute of {@code path} itself (EOPNOTSUPP where it cannot be kept). */
    void setxattr(String path, String name, byte[] value) throws ErrnoException;

    /** {@code dir/name}. */
    static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    /** The last name of a path ("/" for the root). */
    static String baseName(String path) {
        String p = path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        int slash = p.lastIndexOf('/');
        return slash < 0 || p.length() == 1 ? p : p.substring(slash + 1);
    }
}
