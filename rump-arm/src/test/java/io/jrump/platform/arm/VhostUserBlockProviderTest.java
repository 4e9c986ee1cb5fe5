package io.jrump.platform.arm;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.BlockDevice;
import io.jrump.api.BlockDevices;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.testing.Peers;
import io.jrump.virtio.vhost.StorageDaemon;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vhost-user-blk:SOCKET} as an image name outside the command line: the
 * {@link VhostUserBlockProvider} service found through {@link BlockDevices}, and the
 * {@code java.nio.file} provider of rump-fs opening a file system on such a device (by URI and
 * by path) served by qemu-storage-daemon from an image that mke2fs made.
 */
class VhostUserBlockProviderTest {
    private static final String HOSTNAME = "arm-virt-guest\n";

    @TempDir
    Path dir;

    @Test
    void deviceNamesAreTheProvidersSchemesOnly() {
        Path sock = dir.resolve("blk.sock");
        assertTrue(BlockDevices.isDeviceName("vhost-user-blk:" + sock));
        assertEquals(sock.toString(), BlockDevices.address("vhost-user-blk:" + sock + ""));
        assertEquals("vhost-user-blk:".length(), BlockDevices.prefixLength("vhost-user-blk:" + sock + ":/etc"));
        assertFalse(BlockDevices.isDeviceName("vhost-user-blk:"), "no address");
        assertFalse(BlockDevices.isDeviceName("disk.img:/etc"), "no provider for 'disk.img'");
        assertFalse(BlockDevices.isDeviceName("/tmp/disk.img"));
        ErrnoException e = assertThrows(ErrnoException.class, () -> BlockDevices.open("nbd:/run/x.sock"));
        assertEquals(Errno.ENODEV, e.errno());
        assertTrue(e.getMessage().contains("vhost-user-blk:"), e.getMessage());
    }

    private Path image() throws Exception {
        Path mke2fs = Peers.require("mke2fs", "e2fsprogs");
        Path src = dir.resolve("src");
        Files.createDirectories(src.resolve("etc"));
        Files.writeString(src.resolve("etc/hostname"), HOSTNAME);
        byte[] big = new byte[300_000];
        new java.util.Random(4).nextBytes(big);
        Files.write(src.resolve("big.bin"), big);
        Path img = dir.resolve("made.img");
        Peers.ok(mke2fs.toString(), "-q", "-F", "-t", "ext2", "-b", "4096", "-d", src.toString(), img.toString(), "16M");
        return img;
    }

    @Test
    void nioFileSystemOnAVhostUserBlkDevice() throws Exception {
        Path img = image();
        byte[] big = Files.readAllBytes(dir.resolve("src/big.bin"));
        try (StorageDaemon qsd = StorageDaemon.start(dir, img, "raw", false)) {
            String name = "vhost-user-blk:" + qsd.socket;
            URI root = URI.create("rump:" + name + "!/");
            try (FileSystem fs = FileSystems.newFileSystem(root, Map.of("readOnly", "true"))) {
                assertEquals(HOSTNAME, Files.readString(fs.getPath("/etc/hostname")));
                assertArrayEquals(big, Files.readAllBytes(fs.getPath("/big.bin")));
                assertTrue(fs.isReadOnly());
                Path byUri = Path.of(URI.create("rump:" + name + "!/etc/hostname"));
                assertEquals(HOSTNAME, Files.readString(byUri), "the URI finds the registered file system");
                assertEquals(URI.create("rump:" + name + "!/etc/hostname"), fs.getPath("/etc/hostname").toUri());
            }
            // closed: the connection is free again for the path form (asked of the provider itself: for a Path that is
            // no file the JDK's zipfs, asked first by FileSystems.newFileSystem(Path, ...), answers NoSuchFileException)
            try (FileSystem fs = rump().newFileSystem(Path.of(name), Map.of("readOnly", "true"))) {
                assertEquals(HOSTNAME, new String(Files.readAllBytes(fs.getPath("/etc/hostname")), StandardCharsets.UTF_8));
            }
            try (BlockDevice disk = BlockDevices.open(name)) {
                assertEquals(16 << 20, disk.size(), "the service opens the device itself too");
            }
        }
    }

    @Test
    void wrongSocketIsAnIoExceptionNamingIt() {
        Path missing = dir.resolve("no-daemon.sock");
        IOException e = assertThrows(IOException.class, () -> FileSystems.newFileSystem(URI.create("rump:vhost-user-blk:" + missing + "!/"),
                Map.of()));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertFalse(e instanceof java.nio.file.NoSuchFileException, "the device was tried, not a file looked up: " + e);
        IOException byPath = assertThrows(IOException.class, () -> rump().newFileSystem(Path.of("vhost-user-blk:" + missing), Map.of()));
        assertTrue(byPath.getMessage().contains(missing.toString()), byPath.getMessage());
    }

    private static java.nio.file.spi.FileSystemProvider rump() {
        return java.nio.file.spi.FileSystemProvider.installedProviders().stream().filter(p -> p.getScheme().equals("rump")).findFirst()
                .orElseThrow();
    }
}
