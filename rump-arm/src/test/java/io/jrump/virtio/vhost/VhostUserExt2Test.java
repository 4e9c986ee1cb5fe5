package io.jrump.virtio.vhost;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.OpenFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.fs.mkfs.Mkfs;
import io.jrump.fs.mkfs.MkfsOptions;
import io.jrump.testing.Peers;
import io.jrump.virtio.blk.VirtioBlk;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ext2 through virtio-blk through vhost-user, against qemu-storage-daemon and checked with
 * e2fsprogs: what jrump writes e2fsck finds clean and debugfs reads back; what mke2fs -d made,
 * jrump reads back equal; the same over a qcow2 image.
 */
class VhostUserExt2Test {
    @TempDir
    Path dir;

    /** File name to contents: sizes around block and indirect-block boundaries. */
    private static Map<String, byte[]> tree() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        Random rnd = new Random(11);
        int[] sizes = {0, 1, 1023, 1024, 1025, 12 * 1024, 12 * 1024 + 1, 300_000, 1_100_000};
        for (int i = 0; i < sizes.length; i++) {
            byte[] b = new byte[sizes[i]];
            rnd.nextBytes(b);
            files.put((i % 3 == 0 ? "a/" : i % 3 == 1 ? "a/b/" : "c/") + "f" + i, b);
        }
        return files;
    }

    private static void writeTree(Syscalls sys, String root, Map<String, byte[]> files) throws Exception {
        for (String d : new String[] {"a", "a/b", "c"}) {
            sys.mkdir(root + "/" + d, 0755);
        }
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            int fd = sys.open(root + "/" + e.getKey(), OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644);
            ByteBuffer b = ByteBuffer.wrap(e.getValue());
            while (b.hasRemaining()) {
                sys.write(fd, b);
            }
            sys.close(fd);
        }
    }

    private static void checkTree(Syscalls sys, String root, Map<String, byte[]> files) throws Exception {
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            int fd = sys.open(root + "/" + e.getKey(), OpenFlags.O_RDONLY, 0);
            ByteBuffer b = ByteBuffer.allocate(e.getValue().length + 1);
            while (sys.read(fd, b) > 0) {
                // until EOF
            }
            sys.close(fd);
            assertArrayEquals(e.getValue(), java.util.Arrays.copyOf(b.array(), b.position()), e.getKey());
        }
    }

    private Path rawImage(long size) throws Exception {
        Path img = dir.resolve("disk.raw");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(size);
        }
        return img;
    }

    /** mkfs, mount, write through a kernel whose disk is the virtio-blk device. */
    private void makeAndWrite(StorageDaemon qsd, Map<String, byte[]> files) throws Exception {
        try (VirtioBlk blk = VhostUserBlkTest.open(qsd.socket, "vda")) {
            Mkfs.format(blk, new MkfsOptions("ext2", 1024, "virtio", null), false);
            try (RumpKernel k = Rump.builder().device("vda", blk).boot()) {
                k.sys().mkdir("/mnt", 0755);
                k.sys().mount("vda", "/mnt", "ext2", 0, null);
                writeTree(k.sys(), "/mnt", files);
                k.sys().unmount("/mnt", 0);
            }
            blk.flush();
        }
    }

    @Test
    void ext2WrittenThroughVirtioBlkIsCleanForE2fsck() throws Exception {
        Path e2fsck = Peers.require("e2fsck", "e2fsprogs");
        Peers.require("debugfs", "e2fsprogs");
        Path img = rawImage(48L << 20);
        Map<String, byte[]> files = tree();
        try (StorageDaemon qsd = StorageDaemon.start(dir, img, "raw", true)) {
            makeAndWrite(qsd, files);
        }
        Peers.ok(e2fsck.toString(), "-fn", img.toString());
        Path out = dir.resolve("dump");
        Files.createDirectories(out);
        Peers.ok("debugfs", "-R", "rdump / " + out, img.toString());
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(out.resolve(e.getKey())), "debugfs read " + e.getKey());
        }
    }

    @Test
    void imageMadeByMke2fsReadsBackEqual() throws Exception {
        Path mke2fs = Peers.require("mke2fs", "e2fsprogs");
        Map<String, byte[]> files = tree();
        Path src = dir.resolve("src");
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Files.createDirectories(src.resolve(e.getKey()).getParent());
            Files.write(src.resolve(e.getKey()), e.getValue());
        }
        Path img = dir.resolve("made.img");
        Peers.ok(mke2fs.toString(), "-q", "-F", "-t", "ext2", "-b", "4096", "-d", src.toString(), img.toString(), "32M");
        try (StorageDaemon qsd = StorageDaemon.start(dir, img, "raw", false);
                VirtioBlk blk = VhostUserBlkTest.open(qsd.socket, "vda");
                RumpKernel k = Rump.builder().device("vda", blk).boot()) {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("vda", "/mnt", "ext2", io.jrump.api.MountFlags.MNT_RDONLY, null);
            checkTree(k.sys(), "/mnt", files);
        }
    }

    @Test
    void qcow2ImageWorksTheSameWay() throws Exception {
        Path qemuImg = Peers.require("qemu-img", "qemu-utils");
        Path e2fsck = Peers.require("e2fsck", "e2fsprogs");
        Path img = dir.resolve("disk.qcow2");
        Peers.ok(qemuImg.toString(), "create", "-q", "-f", "qcow2", img.toString(), "48M");
        Map<String, byte[]> files = tree();
        try (StorageDaemon qsd = StorageDaemon.start(dir, img, "qcow2", true)) {
            makeAndWrite(qsd, files);
        }
        try (StorageDaemon qsd = StorageDaemon.start(dir, img, "qcow2", false);
                VirtioBlk blk = VhostUserBlkTest.open(qsd.socket, "vda");
                RumpKernel k = Rump.builder().device("vda", blk).boot()) {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("vda", "/mnt", "ext2", io.jrump.api.MountFlags.MNT_RDONLY, null);
            checkTree(k.sys(), "/mnt", files);
        }
        Path raw = dir.resolve("converted.raw");
        Peers.ok(qemuImg.toString(), "convert", "-O", "raw", img.toString(), raw.toString());
        Peers.ok(e2fsck.toString(), "-fn", raw.toString());
        assertTrue(new String(Peers.ok(qemuImg.toString(), "info", img.toString()).getBytes(UTF_8), UTF_8).contains("qcow2"));
    }
}
