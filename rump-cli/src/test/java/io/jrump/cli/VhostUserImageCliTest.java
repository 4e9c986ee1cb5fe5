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
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.exists(sock)) {
                assertTrue(p.isAlive() && System.nanoTime() < deadline, "qemu-storage-daemon did not start");
                Thread.sleep(20);
            }
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
