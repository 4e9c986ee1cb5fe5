package io.jrump.fs.nio;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.dev.FileBlockDevice;
import io.jrump.dev.part.Partition;
import io.jrump.dev.part.PartitionTable;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * A disk image (or one partition of it) mounted in a kernel of its own: the one way the NIO
 * provider and the {@code rump} command open images, so both find partitions, recognise file
 * systems and report failures alike.
 *
 * <p>The kernel is booted with the VFS only and the image as its one disk, {@value #DISK};
 * the file system is mounted on {@value #MOUNT_POINT} of the kernel's tmpfs root. A path
 * inside the image is that prefix plus the path ({@link #path}). Everything after opening goes
 * through the kernel's {@link Syscalls}, as for any other user of jrump.
 *
 * <p>Closing unmounts (which writes everything back), closes the kernel, then the file.
 */
public final class MountedImage implements AutoCloseable {
    /** The kernel's name for the image's device. */
    public static final String DISK = "disk0";
    /** Where the image's file system is mounted in the kernel. */
    public static final String MOUNT_POINT = "/image";
    private static final int MOUNT_POINT_MODE = 0755;

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
     * Opens {@code image} and mounts its file system.
     *
     * @param partition the partition number, or 0 for the whole image
     * @param type the file system type, or {@code null} to recognise it from the superblock
     * @throws ErrnoException naming the image: what the host, the partition table, the probe
     *     or the mount found wrong (EINVAL when no file system is recognised)
     */
    public static MountedImage open(Path image, int partition, String type, boolean readOnly) throws ErrnoException {
        String name = partition > 0 ? image + "@" + partition : image.toString();
        FileBlockDevice disk = FileBlockDevice.open(image, readOnly);
        RumpKernel kernel = null;
        try {
            BlockDevice dev = device(disk, image, partition, name);
            FsType found = FsTypes.detect(dev);
            String mountType;
            if (type != null) {
                mountType = found != null && (type.equals(found.name()) || type.equals(found.mountType())) ? found.mountType() : type;
            } else if (found != null) {
                mountType = found.mountType();
            } else {
                throw new ErrnoException(Errno.EINVAL, name + ": no file system recognised (looked for " + FsTypes.KNOWN + ")"
                        + (partition == 0 ? partitionHint(disk, image) : ""));
            }
            kernel = Rump.builder().component("vfs").device(DISK, dev).boot();
            mount(kernel.sys(), name, DISK, mountType, readOnly, null);
            return new MountedImage(name, kernel, disk, found != null ? found.name() : mountType,
                    found != null ? found.label() : "", readOnly);
        } catch (ErrnoException | RuntimeException e) {
            if (kernel != null) {
                kernel.close();
            }
            disk.close();
            throw e;
        }
    }

    /**
     * The file system on {@code image} (or its partition), or {@code null} when none is
     * recognised; reads the image without mounting or changing it.
     */
    public static FsType probe(Path image, int partition) throws ErrnoException {
        try (FileBlockDevice disk = FileBlockDevice.open(image, true)) {
            return FsTypes.detect(device(disk, image, partition, image + "@" + partition));
        }
    }

    /** The whole disk, or a view of partition {@code partition} of it. */
    private static BlockDevice device(FileBlockDevice disk, Path image, int partition, String name) throws ErrnoException {
        if (partition == 0) {
            return disk;
        }
        Partition p = PartitionTable.read(disk, image.toString()).partition(partition);
        return p.open(disk, name);
    }

    /**
     * A kernel with a tmpfs of {@code bytes} where an image would be: lets the provider and its
     * tests run where no disk driver is wanted.
     */
    static MountedImage memory(long bytes) throws ErrnoException {
        RumpKernel kernel = Rump.builder().component("vfs").boot();
        try {
            mount(kernel.sys(), "memory", "tmpfs", "tmpfs", false, bytes > 0 ? "size=" + bytes : null);
        } catch (ErrnoException | RuntimeException e) {
            kernel.close();
            throw e;
        }
        return new MountedImage("memory", kernel, null, "tmpfs", "", false);
    }

    /** Mounts on {@value #MOUNT_POINT}; a failure names the image rather than the kernel's mount point. */
    private static void mount(Syscalls sys, String name, String source, String type, boolean readOnly, String data)
            throws ErrnoException {
        sys.mkdir(MOUNT_POINT, MOUNT_POINT_MODE);
        try {
            sys.mount(source, MOUNT_POINT, type, readOnly ? MountFlags.MNT_RDONLY : 0, data);
        } catch (ErrnoException e) {
            ErrnoException named = new ErrnoException(e.errno(), "mount", name, e.detail());
            named.initCause(e);
            throw named;
        }
    }

    /** When a whole image has no file system but has partitions, says how to name one. */
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

    /** The kernel path of {@code inner}, a path inside the image ("/" or "" is its root). */
    public String path(String inner) {
        if (inner.isEmpty() || inner.equals("/")) {
            return MOUNT_POINT;
        }
        return inner.startsWith("/") ? MOUNT_POINT + inner : MOUNT_POINT + "/" + inner;
    }

    /**
     * Unmounts, which writes everything back, then closes the kernel and the image. The first
     * failure is thrown after everything was closed.
     */
    @Override
    public synchronized void close() throws ErrnoException {
        if (closed) {
            return;
        }
        closed = true;
        ErrnoException failure = null;
        try {
            kernel.sys().unmount(MOUNT_POINT, 0);
        } catch (ErrnoException e) {
            failure = new ErrnoException(e.errno(), "unmount", name, e.detail());
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
