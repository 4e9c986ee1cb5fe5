package io.jrump.xen.platform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.api.spi.DeviceInfo;
import io.jrump.api.spi.DeviceSpec;
import io.jrump.api.spi.Platform;
import io.jrump.api.spi.PlatformConfig;
import io.jrump.api.spi.Probe;
import io.jrump.dev.FileBlockDevice;
import io.jrump.fs.mkfs.Mkfs;
import io.jrump.fs.mkfs.MkfsOptions;
import io.jrump.platform.host.HostTools;
import io.jrump.testing.Peers;
import io.jrump.xen.blk.BlkBackend;
import io.jrump.xen.blk.BlkFront;
import io.jrump.xen.hv.Hypervisor;
import io.jrump.xen.hv.emu.EmulatedXen;
import io.jrump.xen.hv.xen.XenHost;
import io.jrump.xen.xenstore.XenStoreClient;
import io.jrump.xen.xenstore.XsStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The platforms {@code xen} and {@code xen-emulated}: probes, devices from xenstore, ext2 through blkfront checked by e2fsck. */
class XenPlatformTest {
    @TempDir
    Path tmp;

    @Test
    void providersAreFoundAndXenSaysWhyNot() throws Exception {
        Map<String, Probe> probes = new java.util.HashMap<>();
        ServiceLoader.load(io.jrump.api.spi.PlatformProvider.class).forEach(p -> probes.put(p.name(), p.probe()));
        assertTrue(probes.containsKey("xen") && probes.containsKey("xen-emulated"), probes.toString());
        assertTrue(probes.get("xen-emulated").supported());
        assertTrue(probes.get("xen-emulated").priority() < 0, "never chosen over the host unless named");
        String absent = XenHost.absence(Path.of("/sys/hypervisor/type"), Path.of("/dev/xen"));
        assertEquals(absent == null, probes.get("xen").supported(), probes.get("xen").reason());
        if (absent != null) {
            assertTrue(probes.get("xen").reason().startsWith("no Xen hypervisor"), probes.get("xen").reason());
        }
    }

    @Test
    void xenHostProbeReadsSysfsAndDevXen() throws Exception {
        Path type = tmp.resolve("type");
        Path dev = tmp.resolve("xen");
        assertTrue(XenHost.absence(type, dev).contains("is absent"));
        Files.writeString(type, "kvm\n");
        assertTrue(XenHost.absence(type, dev).contains("reads 'kvm'"));
        Files.writeString(type, "xen\n");
        assertEquals(null, XenHost.absence(type, dev));
        Files.delete(type);
        Files.createDirectories(dev);
        assertTrue(XenHost.absence(type, dev) != null, "an empty /dev/xen is not Xen");
        Files.createFile(dev.resolve("xenbus"));
        assertEquals(null, XenHost.absence(type, dev));
    }

    @Test
    void emulatedPlatformListsAndServesVbds() throws Exception {
        Platform p = new XenEmulatedPlatformProvider().open(new PlatformConfig("t", Map.of(),
                List.of(DeviceSpec.memory("disk0", 4 << 20), DeviceSpec.memory("disk1", 1 << 20))));
        try {
            assertEquals("xen-emulated", p.name());
            List<DeviceInfo> d = p.devices();
            assertEquals(List.of("xvda", "xvdb"), d.stream().map(DeviceInfo::name).toList());
            assertEquals(4L << 20, d.get(0).size());
            BlockDevice a = p.blockDevice("xvda");
            assertTrue(a instanceof BlkFront, a.toString());
            assertTrue(a == p.blockDevice("disk0"), "the configured name is the same vbd");
            byte[] data = "through blkfront".getBytes(StandardCharsets.US_ASCII);
            ByteBuffer w = ByteBuffer.allocate(512).put(data).clear();
            a.write(7, w);
            ByteBuffer r = ByteBuffer.allocate(512);
            a.read(7, r);
            assertArrayEquals(data, java.util.Arrays.copyOf(r.array(), data.length));
            assertEquals(1L << 20, p.blockDevice("xvdb").size());
            assertEquals(Errno.ENXIO, assertThrows(ErrnoException.class, () -> p.blockDevice("xvdz")).errno());
            assertEquals(Errno.ENXIO, assertThrows(ErrnoException.class, () -> p.netDevice("vif0")).errno());
        } finally {
            p.close();
        }
    }

    @Test
    void ext2MountedThroughBlkfrontPassesE2fsck() throws Exception {
        Path e2fsck = Peers.require("e2fsck", "e2fsprogs");
        Path mke2fs = Peers.require("mke2fs", "e2fsprogs");
        Path img = tmp.resolve("disk.img");
        Peers.ok(mke2fs.toString(), "-q", "-F", "-t", "ext2", img.toString(), "16M");
        try (RumpKernel k = Rump.builder().platform("xen-emulated").disk("disk0", img).boot()) {
            assertEquals("xen-emulated", k.platformName());
            Syscalls sys = k.sys();
            sys.mkdir("/mnt", 0755);
            sys.mount("xvda", "/mnt", "ext2", 0, null);
            writeTree(sys, "/mnt");
            sys.unmount("/mnt", 0);
        }
        HostTools.Result r = Peers.run(e2fsck.toString(), "-fn", img.toString());
        assertEquals(0, r.status(), r.output());
        String ls = Peers.ok("debugfs", "-R", "ls -l /d3", img.toString());
        assertTrue(ls.contains("f9"), ls);
    }

    @Test
    void mkfsThroughBlkfrontPassesE2fsck() throws Exception {
        Path e2fsck = Peers.require("e2fsck", "e2fsprogs");
        Path img = tmp.resolve("fresh.img");
        try (var f = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            f.truncate(0);
            f.write(ByteBuffer.allocate(1), (16 << 20) - 1);
        }
        try (EmulatedXen xen = new EmulatedXen()) {
            XsStore store = new XsStore();
            Hypervisor dom0 = xen.createDomain(0, 16);
            Hypervisor dom1 = xen.createDomain(1, 1024);
            try (XenStoreClient xs0 = XenStoreClient.open(store.connect(0)); XenStoreClient xs1 = XenStoreClient.open(store.connect(1));
                    FileBlockDevice file = FileBlockDevice.open(img, false)) {
                BlkBackend back = BlkBackend.create(xs0, dom0, 1, 51712, file);
                try (BlkFront front = BlkFront.connect(xs1, dom1, back.frontendPath(), Duration.ofSeconds(30))) {
                    Mkfs.format(front, new MkfsOptions("ext2", 0, "blkfront", null), false);
                    front.flush();
                }
                back.close();
            }
        }
        HostTools.Result r = Peers.run(e2fsck.toString(), "-fn", img.toString());
        assertEquals(0, r.status(), r.output());
        assertTrue(Peers.ok("dumpe2fs", "-h", img.toString()).contains("blkfront"));
    }

    private static void writeTree(Syscalls sys, String root) throws ErrnoException {
        for (int d = 0; d < 5; d++) {
            String dir = root + "/d" + d;
            sys.mkdir(dir, 0755);
            for (int f = 0; f < 10; f++) {
                int fd = sys.open(dir + "/f" + f, OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644);
                byte[] data = new byte[(d * 10 + f) * 1000 + 1];
                java.util.Arrays.fill(data, (byte) ('a' + f));
                sys.write(fd, ByteBuffer.wrap(data));
                sys.close(fd);
            }
        }
        assertFalse(sys.readdir(root + "/d3").isEmpty());
    }
}
