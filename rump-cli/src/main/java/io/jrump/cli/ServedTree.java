package io.jrump.cli;

import io.jrump.api.BlockDevice;
import io.jrump.api.BlockDevices;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpBuilder;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.fs.VfsComponent;
import io.jrump.fs.nio.FsType;
import io.jrump.fs.nio.FsTypes;
import io.jrump.fs.nio.MountedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The kernel {@code rump serve} serves from, booted with the VFS and the network stack, and
 * what it serves: one image is the kernel's root, mounted read-only (its type read from the
 * superblock, so any file system the kernel knows); one host directory is copied once, when
 * the plan is made, into an ext2 image in memory ({@link DirectorySnapshot}: the directory
 * itself made readable and searchable by all, its contents keeping their modes) that every
 * kernel of the plan mounts read-only as its root, as it would an image; several sources each
 * become a directory of a tmpfs root named after the file or directory, with the image or the
 * directory's snapshot mounted read-only there. Nothing of the host is reachable from the
 * kernel but what was copied or mounted.
 *
 * <p>An image may also be a virtio-blk device behind a vhost-user socket,
 * {@code vhost-user-blk:SOCKET} (qemu-storage-daemon's export, say), named after the socket's
 * file. The kernel then runs on the {@code arm} platform, which connects to the backend when
 * the VFS mounts the disk and disconnects when the kernel closes: each kernel booted from a
 * plan has a connection of its own. That suits {@code --summon}, whose kernels of one service
 * never overlap (the next is booted only after the last one closed), and a backend such as
 * qemu-storage-daemon that serves one frontend at a time and waits for the next after a
 * disconnect; the plan probes the file system over a connection of its own, closed at once.
 */
final class ServedTree {
    /** The file system of a directory's snapshot. */
    private static final String SNAPSHOT_TYPE = "ext2";

    private ServedTree() {
    }

    /**
     * What to serve, checked once and with every directory copied into its snapshot:
     * {@link #builder} makes a kernel with the images and snapshots attached as read-only disks
     * (the one source as its root), {@link #fill} mounts them into a kernel booted from it. A
     * summoned service boots many kernels from one plan; a summons copies nothing.
     *
     * @param snapshots per source, the snapshot of a directory, or null for an image
     */
    record Plan(List<Path> sources, List<String> names, List<String> types, List<BlockDevice> snapshots, boolean imageRoot,
            Consumer<ErrnoException> problems) {
        /** A builder for a serving kernel: the VFS, the stack, and the images and snapshots as read-only disks. */
        RumpBuilder builder() {
            RumpBuilder b = Rump.builder().component("vfs", "net");
            for (int i = 0; i < sources.size(); i++) {
                String name = "disk" + i;
                Path socket = vhostUserSocket(sources.get(i));
                if (snapshots.get(i) != null) {
                    b.device(name, snapshots.get(i));
                } else if (socket != null) {
                    b.platform("arm").vhostUserBlock(name, socket);
                } else {
                    b.disk(name, sources.get(i), true);
                }
            }
            if (imageRoot) {
                b.option(VfsComponent.ROOT_OPTION, "disk0").option(VfsComponent.ROOT_TYPE_OPTION, types.get(0))
                        .option(VfsComponent.ROOT_READ_ONLY_OPTION, "true");
            }
            return b;
        }

        /** Puts the served tree into {@code kernel}, booted from {@link #builder}. */
        void fill(RumpKernel kernel) throws ErrnoException {
            if (!imageRoot) {
                ServedTree.fill(kernel.sys(), names, types);
            }
        }
    }

    /**
     * What a source is, decided once per plan: the file system is asked once, so a source that
     * changes meanwhile cannot be probed as one kind and then copied or attached as another.
     */
    private enum Kind {
        VHOST_USER_BLOCK, IMAGE, DIRECTORY
    }

    /** Checks {@code sources} (each an image with a known file system, or a directory) and plans the tree. */
    static Plan plan(List<Path> sources, Consumer<ErrnoException> problems) throws ErrnoException {
        List<String> names = new ArrayList<>();
        List<Kind> kinds = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Path p : sources) {
            Path socket = vhostUserSocket(p);
            String name;
            if (socket != null) {
                if (!Files.exists(socket)) {
                    throw new ErrnoException(Errno.ENOENT, "serve", p.toString(), "no vhost-user socket " + socket);
                }
                kinds.add(Kind.VHOST_USER_BLOCK);
                name = socket.getFileName().toString();
            } else {
                if (!Files.exists(p)) {
                    throw new ErrnoException(Errno.ENOENT, "serve", p.toString(), "no such file or directory");
                }
                if (Files.isRegularFile(p)) {
                    kinds.add(Kind.IMAGE);
                } else if (Files.isDirectory(p)) {
                    kinds.add(Kind.DIRECTORY);
                } else {
                    throw new ErrnoException(Errno.EINVAL, "serve", p.toString(), "neither an image nor a directory");
                }
                Path file = p.toAbsolutePath().normalize().getFileName();
                name = file == null ? "root" : file.toString();
            }
            if (sources.size() > 1 && !seen.add(name)) {
                throw new ErrnoException(Errno.EEXIST, "serve", p.toString(), "another source is also named " + name);
            }
            names.add(name);
        }
        List<String> types = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++) {
            Path p = sources.get(i);
            if (kinds.get(i) == Kind.DIRECTORY) {
                types.add(SNAPSHOT_TYPE);
                continue;
            }
            FsType t = kinds.get(i) == Kind.VHOST_USER_BLOCK ? probeDevice(p.toString()) : MountedImage.probe(p, 0);
            if (t == null) {
                throw new ErrnoException(Errno.EINVAL, "mount", p.toString(), "no file system recognised");
            }
            types.add(t.mountType());
        }
        List<BlockDevice> snapshots = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++) {
            Path p = sources.get(i);
            snapshots.add(kinds.get(i) == Kind.DIRECTORY ? DirectorySnapshot.of(p.toAbsolutePath().normalize(), problems) : null);
        }
        return new Plan(List.copyOf(sources), names, types, java.util.Collections.unmodifiableList(snapshots), sources.size() == 1, problems);
    }

    /**
     * The device names each serving kernel attaches through its own {@code arm} platform
     * ({@code RumpBuilder.platform("arm").vhostUserBlock}) rather than sharing one opened device.
     */
    private static final String VHOST_USER_BLK = "vhost-user-blk:";

    /** The socket of a {@code vhost-user-blk:SOCKET} source, or null for a file or directory. */
    static Path vhostUserSocket(Path source) {
        String s = source.toString();
        return s.startsWith(VHOST_USER_BLK) && BlockDevices.isDeviceName(s) ? Path.of(BlockDevices.address(s)) : null;
    }

    /** The file system on a vhost-user-blk device, over a connection closed before the kernels connect. */
    private static FsType probeDevice(String image) throws ErrnoException {
        try (BlockDevice disk = BlockDevices.open(image)) {
            return FsTypes.detect(disk);
        }
    }

    /**
     * Boots the kernel ({@code configure} adds devices such as a TAP to the builder) and fills
     * its tree from {@code sources}; the served root is the kernel's "/".
     */
    static RumpKernel boot(List<Path> sources, Consumer<RumpBuilder> configure, Consumer<ErrnoException> problems) throws ErrnoException {
        Plan plan = plan(sources, problems);
        RumpBuilder b = plan.builder();
        configure.accept(b);
        RumpKernel kernel = b.boot();
        try {
            plan.fill(kernel);
            return kernel;
        } catch (ErrnoException | RuntimeException e) {
            kernel.close();
            throw e;
        }
    }

    /** Several sources: each mounted read-only at a directory of the tmpfs root named after it. */
    private static void fill(Syscalls sys, List<String> names, List<String> types) throws ErrnoException {
        for (int i = 0; i < names.size(); i++) {
            String dir = "/" + names.get(i);
            sys.mkdir(dir, 0755);
            sys.mount("disk" + i, dir, types.get(i), MountFlags.MNT_RDONLY, null);
        }
    }
}
