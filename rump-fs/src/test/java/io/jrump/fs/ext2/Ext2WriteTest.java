package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.StatVfs;
import io.jrump.api.Syscalls;
import io.jrump.testing.Peers;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trees written by jrump, read by the real peers: e2fsck finds the image clean, {@code debugfs
 * rdump} extracts the same tree, and (as root) Linux's own ext2 driver reads it through a loop
 * mount with every attribute equal. Also: filling the disk gives ENOSPC and the space comes
 * back, and a file reaching the triple-indirect blocks reads back.
 */
class Ext2WriteTest {
    @TempDir
    Path tmp;

    /** Copies a host tree into a jrump mount: data, symlinks, hard links, owners, modes, times (directories last). */
    static void copyIn(Path root, Syscalls sys, String mount) throws Exception {
        Map<Object, String> linked = new HashMap<>();
        List<Path> dirs = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = root.relativize(p).toString();
                if (rel.isEmpty()) {
                    continue;
                }
                String dst = mount + "/" + rel;
                Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
                if (Files.isSymbolicLink(p)) {
                    sys.symlink(Files.readSymbolicLink(p).toString(), dst);
                    sys.lchown(dst, (Integer) a.get("uid"), (Integer) a.get("gid"));
                    continue;
                }
                if (Files.isDirectory(p)) {
                    sys.mkdir(dst, 0700);
                    dirs.add(p);
                } else {
                    Object ino = a.get("ino");
                    String first = linked.get(ino);
                    if (first != null) {
                        sys.link(first, dst);
                        continue;
                    }
                    linked.put(ino, dst);
                    int fd = sys.open(dst, OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0600);
                    long size = Files.size(p);
                    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(p.toFile(), "r")) {
                        // the sparse test file: copy its data regions only, then set the size
                        long[] at = size > 64L << 20 ? HostTree.SPARSE_DATA_AT : new long[] {0};
                        for (long off : at) {
                            byte[] data = new byte[(int) Math.min(size - off, size > 64L << 20 ? 8192 : size)];
                            f.seek(off);
                            f.readFully(data);
                            ByteBuffer b = ByteBuffer.wrap(data);
                            while (b.hasRemaining()) {
                                sys.pwrite(fd, b, off + b.position());
                            }
                        }
                    }
                    sys.ftruncate(fd, size);
                    sys.close(fd);
                }
                sys.chown(dst, (Integer) a.get("uid"), (Integer) a.get("gid"));
                sys.chmod(dst, (Integer) a.get("mode") & 07777);
                if (!Files.isDirectory(p)) {
                    sys.utimes(dst, ((FileTime) a.get("lastAccessTime")).toInstant(), ((FileTime) a.get("lastModifiedTime")).toInstant());
                }
            }
        }
        for (int i = dirs.size() - 1; i >= 0; i--) {
            Path p = dirs.get(i);
            sys.utimes(mount + "/" + root.relativize(p), Files.getLastModifiedTime(p).toInstant(), Files.getLastModifiedTime(p).toInstant());
        }
    }

    private Path writtenByJrump(Path tree, int blockSize) throws Exception {
        Path img = tmp.resolve("written-" + blockSize + ".img");
        E2fsprogs.mkfs(img, "ext2", blockSize, 64L << 20);
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("disk0", "/mnt", "ext2", 0, null);
            copyIn(tree, k.sys(), "/mnt");
            HostTree.assertSameAsMount(tree, k.sys(), "/mnt", 1);
        }
        E2fsprogs.assertClean(img);
        return img;
    }

    @Test
    void debugfsExtractsWhatJrumpWrote() throws Exception {
        E2fsprogs.assumeAvailable();
        Path tree = tmp.resolve("tree");
        HostTree.build(tree, true, false);
        for (int bs : new int[] {1024}) {
            Path img = writtenByJrump(tree, bs);
            Path out = tmp.resolve("rdump-" + bs);
            Files.createDirectories(out);
            E2fsprogs.Result r = E2fsprogs.debugfs(img, "rdump / " + out);
            assertEquals(0, r.exit(), r.output());
            Path dumped = out;
            try (Stream<Path> s = Files.list(out)) {
                // rdump of "/" makes a directory named after the root's name
                List<Path> l = s.toList();
                if (l.size() == 1 && Files.isDirectory(l.get(0)) && !Files.exists(tree.resolve(l.get(0).getFileName()))) {
                    dumped = l.get(0);
                }
            }
            // rdump copies hard links as separate files, so link counts are not compared
            HostTree.assertSameHostTrees(tree, dumped, false);
        }
    }

    @Test
    void linuxReadsWhatJrumpWrote() throws Exception {
        E2fsprogs.assumeAvailable();
        Peers.requireRoot("Linux loop mounts need root");
        Peers.require("mount", "mount");
        Path tree = tmp.resolve("tree");
        HostTree.build(tree, false, true);
        Path img = writtenByJrump(tree, 4096);
        Path mnt = tmp.resolve("mnt");
        Files.createDirectories(mnt);
        E2fsprogs.Result m = E2fsprogs.run(List.of("mount", "-t", "ext2", "-o", "loop,ro", img.toString(), mnt.toString()));
        org.junit.jupiter.api.Assumptions.assumeTrue(m.exit() == 0, "loop mount refused here: " + m.output());
        try {
            HostTree.assertSameHostTrees(tree, mnt, true);
        } finally {
            E2fsprogs.run(List.of("umount", mnt.toString()));
        }
    }

    @Test
    void fillingTheDiskGivesEnospcAndSpaceComesBack() throws Exception {
        E2fsprogs.assumeAvailable();
        Path img = E2fsprogs.mkfs(tmp.resolve("full.img"), "ext2", 1024, 2L << 20);
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            Syscalls sys = k.sys();
            sys.mkdir("/mnt", 0755);
            sys.mount("disk0", "/mnt", "ext2", 0, null);
            StatVfs empty = sys.statvfs("/mnt");
            int fd = sys.open("/mnt/big", OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644);
            byte[] chunk = new byte[10_000];
            long written = 0;
            ErrnoException full = null;
            while (full == null) {
                try {
                    written += sys.write(fd, ByteBuffer.wrap(chunk));
                } catch (ErrnoException e) {
                    full = e;
                }
            }
            assertEquals(Errno.ENOSPC, full.errno());
            assertTrue(written > 1_500_000, "most of 2 MiB was usable: " + written);
            assertEquals(written, sys.fstat(fd).size());
            assertTrue(sys.statvfs("/mnt").bfree() <= 1, "the disk is full");
            sys.close(fd);
            sys.unlink("/mnt/big");
            assertEquals(empty.bfree(), sys.statvfs("/mnt").bfree(), "every block came back");
        }
        E2fsprogs.assertClean(img);
    }

    /** With 1 KiB blocks, logical block 12 + 256 + 65536 is the first behind the triple indirect block. */
    @Test
    void tripleIndirectBlocksAndHoles() throws Exception {
        E2fsprogs.assumeAvailable();
        Path img = E2fsprogs.mkfs(tmp.resolve("tind.img"), "ext2", 1024, 8L << 20);
        long[] offsets = {0, 11 * 1024 + 1000, 12 * 1024, 268L * 1024 - 3, (12 + 256 + 65536) * 1024L + 5, 3L << 30};
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            Syscalls sys = k.sys();
            sys.mkdir("/mnt", 0755);
            sys.mount("disk0", "/mnt", "ext2", 0, null);
            int fd = sys.open("/mnt/sparse", OpenFlags.O_CREAT | OpenFlags.O_RDWR, 0644);
            for (long at : offsets) {
                sys.pwrite(fd, ByteBuffer.wrap(("at " + at).getBytes()), at);
            }
            sys.fsync(fd);
            for (long at : offsets) {
                ByteBuffer b = ByteBuffer.allocate(("at " + at).length());
                sys.pread(fd, b, at);
                assertEquals("at " + at, new String(b.array()));
            }
            ByteBuffer hole = ByteBuffer.allocate(4096);
            sys.pread(fd, hole, 1L << 30);
            assertEquals(0, hole.array()[100]);
            sys.ftruncate(fd, 20_000);
            sys.close(fd);
        }
        E2fsprogs.assertClean(img);
        E2fsprogs.Result r = E2fsprogs.debugfs(img, "stat /sparse");
        assertTrue(r.output().contains("Size: 20000"), r.output());
    }
}
