package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.testing.Peers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vhost-user-blk:SOCKET} images: rump commands on an ext2 disk served by qemu-storage-daemon, and rump version naming arm. */
class VhostUserImageCliTest {
    @TempDir
    Path dir;

    @Test
    void versionListsTheArmPlatformWithItsProbe() {
        CliTest.Run r = CliTest.rump("version");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith("arm")), r.out());
        assertTrue(r.out().contains("vhost-user"), "the probe says what it found: " + r.out());
    }

    /** {@code rump cat}, whose bytes go to System.out. */
    private static String cat(String path) {
        java.io.PrintStream saved = System.out;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(bytes, true));
        try {
            CliTest.Run r = CliTest.rump("cat", path);
            assertEquals(0, r.status(), r.err());
        } finally {
            System.setOut(saved);
        }
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** {@code rump mkfs} and {@code rump info} on a device: the whole disk, -F to overwrite, a smaller SIZE, and e2fsck agreeing. */
    @Test
    void mkfsAndInfoThroughVhostUserBlk() throws Exception {
        Path qsd = Peers.require("qemu-storage-daemon", "qemu-system-common");
        Path e2fsck = Peers.require("e2fsck", "e2fsprogs");
        Path img = dir.resolve("blank.img");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(16 << 20);
        }
        Path sock = dir.resolve("m.sock");
        Process p = new ProcessBuilder(List.of(qsd.toString(), "--blockdev", "driver=file,node-name=f0,filename=" + img, "--export",
                "type=vhost-user-blk,id=e0,node-name=f0,addr.type=unix,addr.path=" + sock + ",writable=on"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("qsd-m.log").toFile()).start();
        String image = "vhost-user-blk:" + sock;
        try {
            Peers.awaitListening(p, sock, dir.resolve("qsd-m.log"));
            CliTest.Run mkfs = CliTest.rump("mkfs", "-L", "virtio", image);
            assertEquals(0, mkfs.status(), mkfs.err());
            assertTrue(mkfs.out().contains("16.0 MiB") || mkfs.out().contains("16 MiB"), "the whole device: " + mkfs.out());
            CliTest.Run info = CliTest.rump("info", image);
            assertEquals(0, info.status(), info.err());
            assertTrue(info.out().contains("ext2") && info.out().contains("label 'virtio'"), info.out());
            assertTrue(info.out().contains("16777216 bytes"), info.out());
            CliTest.Run again = CliTest.rump("mkfs", image);
            assertNotEquals(0, again.status(), "an ext2 device is not overwritten without -F");
            assertTrue(again.err().contains("EEXIST") && again.err().contains("ext2"), again.err());
            CliTest.Run smaller = CliTest.rump("mkfs", "-F", "-L", "small", image, "8M");
            assertEquals(0, smaller.status(), smaller.err());
            CliTest.Run df = CliTest.rump("df", image);
            assertEquals(0, df.status(), df.err());
            CliTest.Run tooBig = CliTest.rump("mkfs", "-F", image, "1G");
            assertNotEquals(0, tooBig.status());
            assertTrue(tooBig.err().contains("16.0 MiB") || tooBig.err().contains("16 MiB"), tooBig.err());
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
        Peers.ok(e2fsck.toString(), "-fn", img.toString());
        String dumpe2fs = Peers.ok(Peers.require("dumpe2fs", "e2fsprogs").toString(), "-h", img.toString());
        assertTrue(dumpe2fs.contains("small"), "the file system written last: " + dumpe2fs);
        long blocks = Long.parseLong(field(dumpe2fs, "Block count:"));
        long blockSize = Long.parseLong(field(dumpe2fs, "Block size:"));
        assertEquals(8 << 20, blocks * blockSize, "a file system of SIZE on the larger device");
    }

    private static String field(String dump, String name) {
        return dump.lines().filter(l -> l.startsWith(name)).findFirst().orElseThrow().substring(name.length()).trim();
    }

    @Test
    void lsCatAndCpThroughVhostUserBlk() throws Exception {
        Path qsd = Peers.require("qemu-storage-daemon", "qemu-system-common");
        Path mke2fs = Peers.require("mke2fs", "e2fsprogs");
        Path src = dir.resolve("src");
        Files.createDirectories(src.resolve("etc"));
        Files.writeString(src.resolve("etc/motd"), "hello over virtio\n");
        Path img = dir.resolve("disk.img");
        Peers.ok(mke2fs.toString(), "-q", "-F", "-t", "ext2", "-d", src.toString(), img.toString(), "8M");
        Path sock = dir.resolve("d.sock");
        Process p = new ProcessBuilder(List.of(qsd.toString(), "--blockdev", "driver=file,node-name=f0,filename=" + img, "--export",
                "type=vhost-user-blk,id=e0,node-name=f0,addr.type=unix,addr.path=" + sock + ",writable=on"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("qsd.log").toFile()).start();
        try {
            Peers.awaitListening(p, sock, dir.resolve("qsd.log"));
            String image = "vhost-user-blk:" + sock;
            CliTest.Run ls = CliTest.rump("ls", image + ":/etc");
            assertEquals(0, ls.status(), ls.err());
            assertTrue(ls.out().contains("motd"), ls.out());
            assertEquals("hello over virtio\n", cat(image + ":/etc/motd"));
            Path local = dir.resolve("local.txt");
            Files.writeString(local, "written by rump cp\n");
            CliTest.Run cp = CliTest.rump("cp", local.toString(), image + ":/etc/new");
            assertEquals(0, cp.status(), cp.err());
            assertEquals("written by rump cp\n", cat(image + ":/etc/new"));
            CliTest.Run missing = CliTest.rump("ls", "vhost-user-blk:" + dir.resolve("nosuch.sock") + ":/");
            assertNotEquals(0, missing.status());
            assertTrue(missing.err().contains("nosuch.sock"), missing.err());
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
        Peers.ok(Peers.require("e2fsck", "e2fsprogs").toString(), "-fn", img.toString());
    }
}
