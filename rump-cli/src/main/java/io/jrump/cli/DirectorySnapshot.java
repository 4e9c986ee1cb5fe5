package io.jrump.cli;

import io.jrump.api.BlockDevice;
import io.jrump.api.ErrnoException;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.dev.MemoryBlockDevice;
import io.jrump.dev.ReadOnlyView;
import io.jrump.fs.VfsComponent;
import io.jrump.fs.mkfs.Mkfs;
import io.jrump.fs.mkfs.MkfsOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A host directory copied once into an ext2 file system on a disk in memory, which every kernel
 * that serves it mounts read-only: a summoned service boots a kernel per summons, and copying
 * the tree into each kernel's tmpfs made every cold summons pay for the whole tree (and every
 * running kernel hold a copy of it).
 *
 * <p>Why one image rather than one shared tree: kernels share no mutable state, and a mounted
 * tree is full of it (a tmpfs node's times, link counts and locks, a kernel's vnode cache), so
 * one tmpfs tree cannot be handed to several kernels. Bytes can: each kernel mounts the image
 * with a file system, buffer cache and vnodes of its own, and the only thing shared is the disk,
 * which each sees through a {@link ReadOnlyView} (writes fail with EROFS below the file system,
 * whatever it does). A pass-through of the host directory was the other way; it was not taken
 * because a file system driver sees devices, never the host, and because the served tree would
 * then follow the host's changes and its symbolic links, where a copy holds exactly what was
 * there when the service started and nothing of the host is reachable from the kernel but that.
 *
 * <p>The copy is the one {@code rump serve} made into tmpfs (symbolic links stay links, modes
 * kept less the umask, times kept), with the directory itself opened to everyone.
 */
final class DirectorySnapshot {
    /** ext2 blocks of 4 KiB: a small file costs one block, and large trees need few groups. */
    private static final int BLOCK_SIZE = 4096;
    /**
     * Room per entry: an inode for each (mke2fs gives one per 16 KiB for images of this size,
     * {@code Ext2Geometry}) and a block for a small file or a directory.
     */
    private static final long BYTES_PER_ENTRY = 16 * 1024;
    /** Room for the metadata of a small tree (superblock copies, descriptors, bitmaps, the root). */
    private static final long SLACK = 32L << 20;

    private DirectorySnapshot() {
    }

    /**
     * Copies {@code dir} into a new image and returns the device, read-only, to give to every
     * kernel that serves it ({@link io.jrump.api.RumpBuilder#device}); problems with single
     * entries (an unreadable file) go to {@code problems} and the rest is copied, as before.
     */
    static BlockDevice of(Path dir, Consumer<ErrnoException> problems) throws ErrnoException {
        long[] measure = measure(dir);
        long size = roundUp(2 * measure[0] + measure[1] * BYTES_PER_ENTRY + SLACK, BLOCK_SIZE);
        MemoryBlockDevice disk = new MemoryBlockDevice("snapshot of " + dir, size);
        Mkfs.format(disk, new MkfsOptions("ext2", BLOCK_SIZE, "", null), true);
        try (RumpKernel k = Rump.builder().component("vfs").device("disk0", disk).option(VfsComponent.ROOT_OPTION, "disk0")
                .option(VfsComponent.ROOT_TYPE_OPTION, "ext2").boot()) {
            Syscalls sys = k.sys();
            // the directory itself is the copy's source: what it holds is copied as cp -r copies a tree, so a
            // symbolic link in it stays a link (resolved inside the kernel) and never brings in a host file
            new TreeCopier(new HostSide(), new ImageSide("served", sys), new TreeCopier.Options(true, true, false),
                    new ByteProgress(new PrintWriter(Writer.nullWriter()), "copying", 0, false), problems).copy(dir.toString(), "/");
            // the directory named to be served is opened to everyone (a 0700 temporary or home directory would
            // otherwise refuse the server's unprivileged user everything); what it holds keeps its modes
            sys.chmod("/", (sys.stat("/").perms() & 07777) | 0555);
        } // closing the kernel unmounts the root, writing every dirty block to the disk
        return new ReadOnlyView(disk);
    }

    /** Bytes of regular files and number of entries under {@code dir}, links not followed. */
    private static long[] measure(Path dir) throws ErrnoException {
        long[] m = new long[2];
        try (Stream<Path> s = Files.walk(dir)) {
            s.forEach(p -> {
                m[1]++;
                try {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        m[0] += Files.size(p);
                    }
                } catch (IOException e) {
                    // unreadable: the copy reports it
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // a subdirectory that cannot be listed: the copy reports it; the size counts what was seen
        }
        return m;
    }

    private static long roundUp(long n, long unit) {
        return (n + unit - 1) / unit * unit;
    }
}
