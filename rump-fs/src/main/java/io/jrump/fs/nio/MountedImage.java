package io.jrump.fs.nio;

import io.jrump.api.BlockDevice;
import io.jrump.api.BootException;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpBuilder;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.dev.FileBlockDevice;
import io.jrump.fs.VfsComponent;
import io.jrump.dev.part.PartitionTable;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * A disk image (or one partition of it) mounted in a kernel of its own: the one way the NIO
 * provider and the {@code rump} command open images, so both find partitions, recognise file
 * systems, lock images and report failures alike.
 *
 * <p>The kernel is booted with the VFS only and the image as its one disk, {@value #DISK},
 * mounted as the kernel's root ({@link VfsComponent#ROOT_OPTION}): a path inside the image is
 * the kernel's path, ".." at the image's top stays there and an absolute symbolic link in the
 * image resolves inside it, so no path reaches anything but the image. Everything after
 * opening goes through the kernel's {@link Syscalls}, as for any other user of jrump.
 *
 * <p>The image file is locked while open (see {@link FileBlockDevice}): read-write by one
 * opener, read-only by any number, in this JVM and across processes; a conflicting open fails
 * with EBUSY naming the image, or waits when asked to.
 *
 * <p>Closing writes everything back (an {@code fsync}, whose failure is reported), closes the
 * kernel (which unmounts), then the file, which releases the lock.
 */
public final class MountedImage implements AutoCloseable {
    /** The kernel's name for the image's device. */
    public static final String DISK = "disk0";

    private final String name;
    private final RumpKernel kernel;
    private final FileBlockDevice disk;
    private final String type;
    private final String label;
    private final boolean readOnly;
    private boolean closed;

    private MountedImage(String name, RumpKernel kernel, FileBlockDevice disk, String type, String label, boolean readOnly) {
        this.name = name;
        this.kernel = kernel;
        this.disk = disk;
        this.type = type;
        this.label = label;
        this.readOnly = readOnly;
    }

    /**
     * Opens {@code image} and mounts its file system, failing at once (EBUSY) when another
     * opener holds the image.
     *
     * @param partition the partition number, or 0 for the whole image
     * @param type the file system type, or {@code null} to recognise it from the superblock
     * @throws ErrnoException naming the image: what the host, the lock, the partition table,
     *     the probe or the mount found wrong (EINVAL when no file system is recognised)
     */
    public static MountedImage open(Path image, int partition, String type, boolean readOnly) throws ErrnoException {
        return open(image, partition, type, readOnly, false);
    }

    /**
     * {@link #open(Path, int, String, boolean)}; {@code wait} waits for another opener of the
     * image to close it instead of failing with EBUSY.
     */
    public static MountedImage open(Path image, int partition, String type, boolean readOnly, boolean wait) throws ErrnoException {
        String name = partition > 0 ? image + "@" + partition : image.toString();
        FileBlockDevice disk;
        try {
            disk = FileBlockDevice.open(image, readOnly, wait);
        } catch (ErrnoException e) {
            throw named(e, "open", name);
        }
        try {
            BlockDevice dev;
            PartitionTable table = null;
            try {
                if (partition > 0) {
                    table = PartitionTable.read(disk, image.toString());
                    dev = table.partition(partition).open(disk, name);
                } else {
                    dev = disk;
                }
            } catch (ErrnoException e) {
                throw named(e, "open", name);
            }
            FsType found = FsTypes.detect(dev);
            String mountType;
            if (type != null) {
                mountType = found != null && (type.equals(found.name()) || type.equals(found.mountType())) ? found.mountType() : type;
            } else if (found != null) {
                mountType = found.mountType();
            } else {
                throw new ErrnoException(Errno.EINVAL, "mount", name, "no file system recognised (looked for " + FsTypes.KNOWN + ")"
                        + (partition == 0 ? partitionHint(disk, image) : ""));
            }
            RumpKernel kernel = boot(name, Rump.builder().component("vfs").device(DISK, dev)
                    .option(VfsComponent.ROOT_OPTION, DISK)
                    .option(VfsComponent.ROOT_TYPE_OPTION, mountType)
                    .option(VfsComponent.ROOT_READ_ONLY_OPTION, String.valueOf(readOnly)));
            return new MountedImage(name, kernel, disk, found != null ? found.name() : mountType,
                    found != null ? found.label() : "", readOnly);
        } catch (ErrnoException | RuntimeException e) {
            try {
                disk.close(); // releases the lock: a failed open leaves the image free
            } catch (ErrnoException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /**
     * The file system on {@code image} (or its partition), or {@code null} when none is
     * recognised; reads the image without mounting or changing it (and so fails with EBUSY
     * while it is open read-write).
     */
    public static FsType probe(Path image, int partition) throws ErrnoException {
        return probe(image, partition, false);
    }

    /** {@link #probe(Path, int)}; {@code wait} waits for a writer of the image to close it instead of EBUSY. */
    public static FsType probe(Path image, int partition, boolean wait) throws ErrnoException {
        try (FileBlockDevice disk = FileBlockDevice.open(image, true, wait)) {
            return FsTypes.detect(partition == 0 ? disk
                    : PartitionTable.read(disk, image.toString()).partition(partition).open(disk, image + "@" + partition));
        }
    }

    /**
     * A kernel whose root is a tmpfs of {@code bytes} (0: the default, half of the heap) where
     * an image would be: lets the provider and its tests run where no disk driver is wanted.
     */
    static MountedImage memory(long bytes) throws ErrnoException {
        RumpBuilder b = Rump.builder().component("vfs");
        if (bytes > 0) {
            b.option(VfsComponent.SIZE_OPTION, String.valueOf(bytes));
        }
        return new MountedImage("memory", boot("memory", b), null, "tmpfs", "", false);
    }

    /** Boots the kernel, whose VFS mounts the root; a failure names the image rather than the kernel. */
    private static RumpKernel boot(String name, RumpBuilder builder) throws ErrnoException {
        try {
            return builder.boot();
        } catch (BootException e) {
            if (e.getCause() instanceof ErrnoException cause) {
                ErrnoException named = new ErrnoException(cause.errno(), "mount", name, cause.detail());
                named.initCause(e);
                throw named;
            }
            throw e;
        }
    }

    /**
     * The error of a device layer, which names the device but knows no call, as the other
     * errors of a command read: {@code open disk.img: ENOENT (No such file or directory): no
     * such file}, the device's name not repeated in the detail.
     */
    private static ErrnoException named(ErrnoException e, String call, String name) {
        if (e.call() != null) {
            return e;
        }
        String detail = e.detail();
        for (String prefix : new String[] {name + ": ", name.replaceFirst("@[0-9]+$", "") + ": "}) {
            if (detail != null && detail.startsWith(prefix)) {
                detail = detail.substring(prefix.length());
                break;
            }
        }
        ErrnoException named = new ErrnoException(e.errno(), call, name, detail);
        named.initCause(e);
        return named;
    }

    /** When a whole image has no file system but has partitions, says how to name one (the table is read only here, as the whole image needed none). */
    private static String partitionHint(FileBlockDevice disk, Path image) {
        try {
            PartitionTable t = PartitionTable.read(disk, image.toString());
            if (t.scheme() == PartitionTable.Scheme.NONE || t.partitions().isEmpty()) {
                return "";
            }
            return "; it has a " + t.scheme().name().toLowerCase(java.util.Locale.ROOT) + " partition table with partitions "
                    + t.partitions().stream().map(p -> String.valueOf(p.number())).collect(Collectors.joining(", "))
                    + ": name one as " + image + "@N";
        } catch (ErrnoException e) {
            return "";
        }
    }

    /** The image as messages name it ({@code disk.img} or {@code disk.img@2}). */
    public String name() {
        return name;
    }

    public RumpKernel kernel() {
        return kernel;
    }

    /** The system calls of the kernel's process 1 (root). */
    public Syscalls sys() {
        return kernel.sys();
    }

    /** The file system's type as recognised ("ext4"), or as mounted when it was named. */
    public String type() {
        return type;
    }

    /** The volume label, or {@code ""}. */
    public String label() {
        return label;
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    /** The kernel path of {@code inner}, a path inside the image ("/" or "" is its root): the image is the kernel's root. */
    public String path(String inner) {
        return inner.startsWith("/") ? inner : "/" + inner;
    }

    /**
     * Writes everything back, then closes the kernel (which unmounts) and the image, which
     * releases its lock. The first failure is thrown after everything was closed.
     */
    @Override
    public synchronized void close() throws ErrnoException {
        if (closed) {
            return;
        }
        closed = true;
        ErrnoException failure = null;
        try {
            if (!readOnly) {
                Syscalls sys = kernel.sys();
                int fd = sys.open("/", OpenFlags.O_RDONLY);
                try {
                    sys.fsync(fd);
                } finally {
                    sys.close(fd);
                }
            }
        } catch (ErrnoException e) {
            failure = new ErrnoException(e.errno(), "sync", name, e.detail());
            failure.initCause(e);
        } finally {
            kernel.close();
            if (disk != null) {
                try {
                    disk.close();
                } catch (ErrnoException e) {
                    failure = failure != null ? failure : e;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
