package io.jrump.cli;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpBuilder;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.fs.VfsComponent;
import io.jrump.api.BlockDevice;
import io.jrump.fs.nio.FsType;
import io.jrump.fs.nio.FsTypes;
import io.jrump.fs.nio.MountedImage;
import io.jrump.platform.arm.VhostUserDevices;
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
 * superblock, so any file system the kernel knows); one host directory is copied into the
 * kernel's tmpfs root (the directory itself made readable and searchable by all, its contents
 * keeping their modes); several sources each become a directory of the root named after the
 * file or directory (images mounted read-only there, directories copied). Nothing of the host
 * is reachable from the kernel but what was copied or mounted.
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
    private ServedTree() {
    }

    /**
     * What to serve, checked once: {@link #builder} makes a kernel with the images attached (the
     * one image as its root), {@link #fill} copies the directories and mounts the images into a
     * kernel booted from it. A summoned service boots many kernels from one plan.
     */
    record Plan(List<Path> sources, List<String> names, List<String> types, boolean imageRoot, Consumer<ErrnoException> problems) {
        /** A builder for a serving kernel: the VFS, the stack, and the images as read-only disks. */
        RumpBuilder builder() {
            RumpBuilder b = Rump.builder().component("vfs", "net");
            int disk = 0;
            for (int i = 0; i < sources.size(); i++) {
                if (types.get(i) == null) {
                    continue;
                }
                String name = "disk" + disk++;
                Path socket = vhostUserSocket(sources.get(i));
                if (socket != null) {
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
                ServedTree.fill(kernel.sys(), sources, names, types, problems);
            }
        }
    }

    /** Checks {@code sources} (each an image with a known file system, or a directory) and plans the tree. */
    static Plan plan(List<Path> sources, Consumer<ErrnoException> problems) throws ErrnoException {
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Path p : sources) {
            Path socket = vhostUserSocket(p);
            if (socket != null) {
                if (!Files.exists(socket)) {
                    throw new ErrnoException(Errno.ENOENT, "serve", p.toString(), "no vhost-user socket " + socket);
                }
                String name = socket.getFileName().toString();
                if (sources.size() > 1 && !seen.add(name)) {
                    throw new ErrnoException(Errno.EEXIST, "serve", p.toString(), "another source is also named " + name);
                }
                names.add(name);
                continue;
            }
            if (!Files.exists(p)) {
                throw new ErrnoException(Errno.ENOENT, "serve", p.toString(), "no such file or directory");
            }
            if (!Files.isDirectory(p) && !Files.isRegularFile(p)) {
                throw new ErrnoException(Errno.EINVAL, "serve", p.toString(), "neither an image nor a directory");
            }
            String name = p.toAbsolutePath().normalize().getFileName() == null ? "root" : p.toAbsolutePath().normalize().getFileName().toString();
            if (sources.size() > 1 && !seen.add(name)) {
                throw new ErrnoException(Errno.EEXIST, "serve", p.toString(), "another source is also named " + name);
            }
            names.add(name);
        }
        List<String> types = new ArrayList<>();
        int images = 0;
        for (Path p : sources) {
            if (vhostUserSocket(p) != null) {
                FsType t = probeDevice(p.toString());
                if (t == null) {
                    throw new ErrnoException(Errno.EINVAL, "mount", p.toString(), "no file system recognised");
                }
                images++;
                types.add(t.mountType());
            } else if (Files.isRegularFile(p)) {
                FsType t = MountedImage.probe(p, 0);
                if (t == null) {
                    throw new ErrnoException(Errno.EINVAL, "mount", p.toString(), "no file system recognised");
                }
                images++;
                types.add(t.mountType());
            } else {
                types.add(null);
            }
        }
        return new Plan(List.copyOf(sources), names, types, sources.size() == 1 && images == 1, problems);
    }

    /** The socket of a {@code vhost-user-blk:SOCKET} source, or null for a file or directory. */
    static Path vhostUserSocket(Path source) {
        String s = source.toString();
        return VhostUserDevices.isBlockName(s) ? Path.of(s.substring(VhostUserDevices.BLK_PREFIX.length())) : null;
    }

    /** The file system on a vhost-user-blk device, over a connection closed before the kernels connect. */
    private static FsType probeDevice(String image) throws ErrnoException {
        try (BlockDevice disk = VhostUserDevices.openBlock(image)) {
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

    private static void fill(Syscalls sys, List<Path> sources, List<String> names, List<String> types, Consumer<ErrnoException> problems)
            throws ErrnoException {
        int disk = 0;
        ImageSide kernelSide = new ImageSide("served", sys);
        for (int i = 0; i < sources.size(); i++) {
            Path p = sources.get(i).toAbsolutePath().normalize();
            String dir = sources.size() == 1 ? "/" : "/" + names.get(i);
            if (types.get(i) != null) {
                sys.mkdir(dir, 0755);
                sys.mount("disk" + disk++, dir, types.get(i), MountFlags.MNT_RDONLY, null);
                continue;
            }
            // the directory itself is the copy's source: what it holds is copied as cp -r copies a tree, so a
            // symbolic link in it stays a link (resolved inside the kernel) and never brings in a host file
            new TreeCopier(new HostSide(), kernelSide, new TreeCopier.Options(true, true, false),
                    new ByteProgress(new java.io.PrintWriter(java.io.Writer.nullWriter()), "copying", 0, false), problems)
                    .copy(p.toString(), dir);
            // the directory named to be served is opened to everyone (a 0700 temporary or home directory would
            // otherwise refuse the server's unprivileged user everything); what it holds keeps its modes
            sys.chmod(dir, (sys.stat(dir).perms() & 07777) | 0555);
        }
    }
}
