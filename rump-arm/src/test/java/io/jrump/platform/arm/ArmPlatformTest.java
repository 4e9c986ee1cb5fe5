package io.jrump.platform.arm;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.OpenFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.spi.DeviceInfo;
import io.jrump.api.spi.PlatformConfig;
import io.jrump.api.spi.Probe;
import io.jrump.fs.mkfs.Mkfs;
import io.jrump.fs.mkfs.MkfsOptions;
import io.jrump.platform.host.HostPlatformProvider;
import io.jrump.testing.Peers;
import io.jrump.virtio.net.Frames;
import io.jrump.virtio.vhost.StorageDaemon;
import io.jrump.virtio.vhost.TestPmd;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code arm} platform: its probe, its device names, and kernels whose disks and NICs are vhost-user devices. */
class ArmPlatformTest {
    @TempDir
    Path dir;

    @Test
    void deviceListsNameDevicesAsLinuxDoes() throws Exception {
        List<ArmDeviceSpec> l = ArmDeviceSpec.parseList("vhost-user-blk:/a.sock, vhost-user-net:/n.sock,vhost-user-blk:/b.sock,"
                + "data=vhost-user-blk:/c.sock");
        assertEquals("[vda=vhost-user-blk:/a.sock, eth0=vhost-user-net:/n.sock, vdb=vhost-user-blk:/b.sock, "
                + "data=vhost-user-blk:/c.sock]", l.toString());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> ArmDeviceSpec.parseList("nbd:/x")).errno());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> ArmDeviceSpec.parseList("vhost-user-blk:")).errno());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class,
                () -> ArmDeviceSpec.parseList("x=vhost-user-blk:/a,x=vhost-user-net:/b")).errno());
        assertTrue(ArmDeviceSpec.parseList(" ").isEmpty());
    }

    @Test
    void probeSaysWhenAndWhy() throws Exception {
        Path none = dir.resolve("no-fdt");
        Probe configured = ArmPlatformProvider.probeHere("vhost-user-blk:/run/d.sock", "Linux", "amd64", none);
        assertTrue(configured.supported());
        assertTrue(configured.priority() > HostPlatformProvider.PRIORITY, "named devices win over the host");
        assertTrue(configured.reason().contains("vda=vhost-user-blk:/run/d.sock"), configured.reason());
        Probe idle = ArmPlatformProvider.probeHere(null, "Linux", "amd64", none);
        assertTrue(idle.supported());
        assertTrue(idle.priority() < HostPlatformProvider.PRIORITY, "without devices it is chosen only by name");
        Probe bad = ArmPlatformProvider.probeHere("vhost-user-scsi:/x", "Linux", "amd64", none);
        assertFalse(bad.supported());
        assertTrue(bad.reason().contains("vhost-user-scsi"), bad.reason());
    }

    @Test
    void probeOnAnArmGuestReportsItsTransports() throws Exception {
        Path qemu = Peers.require("qemu-system-aarch64", "qemu-system-arm");
        Path dtb = dir.resolve("virt.dtb");
        Peers.ok(qemu.toString(), "-machine", "virt,dumpdtb=" + dtb, "-cpu", "cortex-a57", "-nographic");
        Probe p = ArmPlatformProvider.probeHere(null, "Linux", "aarch64", dtb);
        assertFalse(p.supported());
        assertTrue(p.reason().startsWith("32 virtio-mmio transports"), p.reason());
        assertTrue(ArmPlatformProvider.probeHere("vhost-user-blk:/x", "Linux", "aarch64", dtb).supported());
    }

    /** A 16 MiB raw image with an empty ext2 file system. */
    private Path ext2Image() throws Exception {
        Path img = dir.resolve("disk.raw");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(16 << 20);
        }
        try (BlockDevice file = io.jrump.dev.FileBlockDevice.open(img, false, false)) {
            Mkfs.format(file, new MkfsOptions("ext2", 1024, "", null), true);
        }
        return img;
    }

    @Test
    void kernelOnTheArmPlatformMountsExt2FromVhostUserBlk() throws Exception {
        Path img = ext2Image();
        try (StorageDaemon qsd = StorageDaemon.start(dir, img, "raw", true)) {
            var builder = Rump.builder().platform("arm").option("arm.devices", "vhost-user-blk:" + qsd.socket);
            try (RumpKernel k = builder.boot()) {
                assertEquals("arm", k.platformName());
                k.sys().mkdir("/mnt", 0755);
                k.sys().mount("vda", "/mnt", "ext2", 0, null);
                int fd = k.sys().open("/mnt/hello", OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644);
                k.sys().write(fd, ByteBuffer.wrap("hello from arm\n".getBytes(StandardCharsets.UTF_8)));
                k.sys().close(fd);
                k.sys().unmount("/mnt", 0);
            }
            // the kernel closed its connection: a second kernel can connect to the same daemon
            try (RumpKernel k = builder.boot()) {
                k.sys().mkdir("/mnt", 0755);
                k.sys().mount("vda", "/mnt", "ext2", io.jrump.api.MountFlags.MNT_RDONLY, null);
                int fd = k.sys().open("/mnt/hello", OpenFlags.O_RDONLY, 0);
                ByteBuffer b = ByteBuffer.allocate(100);
                k.sys().read(fd, b);
                assertEquals("hello from arm\n", new String(b.array(), 0, b.position(), StandardCharsets.UTF_8));
            }
        }
        Path e2fsck = Peers.require("e2fsck", "e2fsprogs");
        Peers.ok(e2fsck.toString(), "-fn", img.toString());
    }

    /** The builder's vhostUserBlock and vhostUserNet: devices by socket path, beside the builder's other disks. */
    @Test
    void builderAttachesVhostUserDevicesBySocketPath() throws Exception {
        Path img = ext2Image();
        try (StorageDaemon qsd = StorageDaemon.start(dir, img, "raw", true)) {
            var builder = Rump.builder().platform("arm").vhostUserBlock("vdz", qsd.socket).memoryDisk("scratch", 1 << 20);
            try (RumpKernel k = builder.boot()) {
                k.sys().mkdir("/mnt", 0755);
                k.sys().mount("vdz", "/mnt", "ext2", 0, null);
                int fd = k.sys().open("/mnt/by-builder", OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644);
                k.sys().write(fd, ByteBuffer.wrap("attached by socket path\n".getBytes(StandardCharsets.UTF_8)));
                k.sys().close(fd);
                k.sys().unmount("/mnt", 0);
            }
            var onHost = Rump.builder().platform("host").vhostUserBlock("vdz", qsd.socket);
            Exception e = assertThrows(Exception.class, onHost::boot);
            assertTrue(e.getMessage().contains("vdz") && e.getMessage().contains("VHOST_USER_BLK"), e.getMessage());
        }
        Path debugfs = Peers.require("debugfs", "e2fsprogs");
        String cat = Peers.ok(debugfs.toString(), "-R", "cat /by-builder", img.toString());
        assertTrue(cat.contains("attached by socket path"), cat);
        try (TestPmd pmd = TestPmd.start(dir)) {
            PlatformConfig cfg = new PlatformConfig("k2", Map.of(), List.of(io.jrump.api.spi.DeviceSpec.vhostUserNet("uplink", pmd.socket),
                    io.jrump.api.spi.DeviceSpec.memory("scratch", 1 << 20)));
            try (ArmPlatform p = (ArmPlatform) new ArmPlatformProvider().open(cfg)) {
                List<DeviceInfo> devs = p.devices();
                assertEquals(List.of("scratch", "uplink"), devs.stream().map(DeviceInfo::name).toList());
                assertEquals(DeviceInfo.Type.NET, devs.get(1).type());
                NetDevice up = p.netDevice("uplink");
                assertEquals(6, up.macAddress().length);
                assertEquals(1 << 20, p.blockDevice("scratch").size(), "the host's part keeps the other devices");
            }
        }
    }

    @Test
    void netDeviceOverTestpmd() throws Exception {
        try (TestPmd pmd = TestPmd.start(dir)) {
            PlatformConfig cfg = new PlatformConfig("k1", Map.of("arm.devices", "vhost-user-net:" + pmd.socket), List.of());
            try (ArmPlatform p = (ArmPlatform) new ArmPlatformProvider().open(cfg)) {
                assertEquals(DeviceInfo.Type.NET, p.devices().get(0).type());
                assertEquals("eth0", p.devices().get(0).name());
                NetDevice eth0 = p.netDevice("eth0");
                assertSame(eth0, p.netDevice("eth0"));
                assertEquals(Errno.ENXIO, assertThrows(ErrnoException.class, () -> p.blockDevice("eth0")).errno());
                byte[] mac = eth0.macAddress();
                assertEquals(2, mac[0] & 3, "locally administered unicast");
                LinkedBlockingQueue<byte[]> got = new LinkedBlockingQueue<>();
                eth0.receiver(f -> {
                    byte[] b = new byte[f.remaining()];
                    f.get(b);
                    got.add(b);
                });
                Random rnd = new Random(2);
                for (int i = 0; i < 200; i++) {
                    byte[] f = Frames.frame(60 + rnd.nextInt(1455), new byte[] {2, 0, 0, 0, 0, 9}, mac, rnd);
                    eth0.transmit(ByteBuffer.wrap(f));
                    byte[] back = got.poll(10, TimeUnit.SECONDS);
                    assertNotNull(back);
                    Frames.assertSwapped(f, back);
                }
            }
        }
    }
}
