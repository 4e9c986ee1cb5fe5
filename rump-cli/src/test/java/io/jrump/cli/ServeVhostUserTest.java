package io.jrump.cli;

import static io.jrump.cli.ServeTestSupport.LOOPBACK_URL;
import static io.jrump.cli.ServeTestSupport.await;
import static io.jrump.cli.ServeTestSupport.count;
import static io.jrump.cli.ServeTestSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.testing.Peers;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rump serve vhost-user-blk:SOCKET}: an ext2 image made by {@code mke2fs -d}, exported
 * by qemu-storage-daemon as a vhost-user-blk device, served over HTTP from a kernel whose disk
 * is that virtio-blk device; curl fetches the files and they are byte-equal to the originals.
 * Summoned, each kernel connects to the daemon on its own: two kernels one after the other over
 * one daemon.
 */
class ServeVhostUserTest {
    @TempDir
    Path dir;

    private byte[] body;

    /** An ext2 image holding {@code /www/big.bin} (random, several requests of the device long), and the daemon exporting it. */
    private Process daemon(Path sock) throws Exception {
        Path qsd = Peers.require("qemu-storage-daemon", "qemu-system-common");
        Path mke2fs = Peers.require("mke2fs", "e2fsprogs");
        Path src = dir.resolve("src");
        Files.createDirectories(src.resolve("www"));
        body = new byte[1_300_000];
        new Random(13).nextBytes(body);
        Files.write(src.resolve("www/big.bin"), body);
        Files.writeString(src.resolve("index.txt"), "served over virtio\n");
        Path img = dir.resolve("disk.img");
        Peers.ok(mke2fs.toString(), "-q", "-F", "-t", "ext2", "-d", src.toString(), img.toString(), "16M");
        Process p = new ProcessBuilder(List.of(qsd.toString(), "--blockdev", "driver=file,node-name=f0,filename=" + img, "--export",
                "type=vhost-user-blk,id=e0,node-name=f0,addr.type=unix,addr.path=" + sock + ",writable=on"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("qsd.log").toFile()).start();
        Peers.awaitListening(p, sock, dir.resolve("qsd.log"));
        return p;
    }

    private String log() throws java.io.IOException {
        Path l = dir.resolve("qsd.log");
        return Files.exists(l) ? Files.readString(l) : "";
    }

    /** curl's bytes for {@code path} from the server at {@code a}. */
    private byte[] curl(InetSocketAddress a, String path) throws Exception {
        Path curl = Peers.require("curl", "curl");
        Path got = dir.resolve("got.bin");
        Files.deleteIfExists(got);
        Peers.ok(curl.toString(), "-sS", "--fail", "--max-time", "30", "-o", got.toString(),
                "http://127.0.0.1:" + a.getPort() + path);
        return Files.readAllBytes(got);
    }

    @Test
    void servesAnImageBehindAVhostUserSocket() throws Exception {
        Path sock = dir.resolve("disk.sock");
        Process qsd = daemon(sock);
        StringWriter out = new StringWriter();
        int[] status = {-1};
        Thread serving = ServeTestSupport.serve(out, status, "serve", "--listen", "127.0.0.1:0", "--access-log", "off",
                "vhost-user-blk:" + sock);
        try {
            serving.start();
            InetSocketAddress a = await(out, serving, LOOPBACK_URL);
            assertArrayEquals(body, curl(a, "/www/big.bin"), "the file read through virtio-blk");
            assertEquals("served over virtio\n", new String(curl(a, "/index.txt"), java.nio.charset.StandardCharsets.UTF_8));
        } finally {
            serving.interrupt();
            serving.join(20_000);
            qsd.destroy();
            qsd.waitFor(20, TimeUnit.SECONDS);
        }
        assertEquals(0, status[0], out.toString());
    }

    /** Each summoned kernel has a backend connection of its own: the second one connects after the first closed its own. */
    @Test
    void eachSummonedKernelConnectsToTheBackendItself() throws Exception {
        Path sock = dir.resolve("disk.sock");
        Process qsd = daemon(sock);
        StringWriter out = new StringWriter();
        int[] status = {-1};
        Thread serving = ServeTestSupport.serve(out, status, "serve", "--listen", "127.0.0.1:0", "--summon", "--idle", "1s",
                "--access-log", "off", "vhost-user-blk:" + sock);
        try {
            serving.start();
            InetSocketAddress a = await(out, serving, LOOPBACK_URL);
            for (int round = 1; round <= 2; round++) {
                assertArrayEquals(body, curl(a, "/www/big.bin"), "round " + round + ": " + out);
                waitFor(out, serving, "shut down (idle 1s)", round);
                assertEquals(round, count(out.toString(), ": summoned "), out.toString());
            }
            assertTrue(qsd.isAlive(), "the daemon outlived its clients: " + log());
        } finally {
            serving.interrupt();
            serving.join(20_000);
            qsd.destroy();
            qsd.waitFor(20, TimeUnit.SECONDS);
        }
        assertEquals(0, status[0], out.toString());
    }

    @Test
    void aMissingSocketIsNamed() {
        Path sock = dir.resolve("nosuch.sock");
        CliTest.Run r = CliTest.rump("serve", "--listen", "127.0.0.1:0", "vhost-user-blk:" + sock);
        assertTrue(r.status() != 0, r.out());
        assertTrue(r.err().contains("nosuch.sock"), r.err());
    }
}
