package io.jrump.xen.platform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.fs.mkfs.Mkfs;
import io.jrump.fs.mkfs.MkfsOptions;
import io.jrump.platform.host.HostTools;
import io.jrump.testing.Peers;
import io.jrump.xen.blk.BlkFront;
import io.jrump.xen.hv.Hypervisor;
import io.jrump.xen.hv.emu.EmulatedXen;
import io.jrump.xen.testing.QemuXenDisk;
import io.jrump.xen.testing.Xenstored;
import io.jrump.xen.xenstore.StreamTransport;
import io.jrump.xen.xenstore.XenStoreClient;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * jrump's blkfront served by QEMU's own Xen block backend ({@code xen-disk} on the
 * {@code xenpv} machine of Debian's qemu-system-xen), a backend nobody here wrote: QEMU runs
 * under an LD_PRELOAD library ({@code qemu-shim.c}) that maps the frontend's grants from the
 * emulated domain's memfd and carries event channels over the emulation's broker socket, and
 * talks to Debian's xenstored (itself under its shim). mkfs ext2 through blkfront, a data
 * pattern written and read back, QEMU stopped, e2fsck on the image.
 */
class QemuXenDiskTest {
    private static final String FRONTEND = QemuXenDisk.FRONTEND;

    @TempDir
    Path tmp;

    private static byte[] bytes(ByteBuffer b, int at, int len) {
        byte[] out = new byte[len];
        b.duplicate().position(at).get(out);
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"raw", "qcow2"})
    void blkfrontOverQemuXenDisk(String format) throws Exception {
        Path e2fsck = Peers.require("e2fsck", "e2fsprogs");
        Path qemuImg = Peers.require("qemu-img", "qemu-utils");
        Path img = tmp.resolve("disk." + format);
        Peers.ok(qemuImg.toString(), "create", "-q", "-f", format, img.toString(), "32M");
        String qemuLog;
        try (Xenstored daemon = Xenstored.start(); EmulatedXen xen = new EmulatedXen()) {
            xen.createDomain(0, 16);
            Hypervisor dom1 = xen.createDomain(1, 1024);
            try (XenStoreClient xs = XenStoreClient.open(StreamTransport.connect(daemon.socket()));
                    QemuXenDisk qemu = QemuXenDisk.start(tmp, img, format, xen, daemon, xs)) {
                {
                    qemuLog = qemu.log();
                    String backend = xs.read(FRONTEND + "/backend");
                    assertTrue(backend.startsWith("/local/domain/0/backend/qdisk/1/"), "QEMU's qdisk backend: " + backend);
                    try (BlkFront f = BlkFront.connect(xs, dom1, FRONTEND, Duration.ofSeconds(30))) {
                        assertEquals(32L << 20, f.size(), qemu.log());
                        System.out.println("QEMU xen-disk (" + format + ") at " + backend + " offers " + f.features() + ", "
                                + xs.directory(backend) + "; ring-page-order " + f.ringPageOrder() + ", " + f.segmentsPerRequest() + " segments a request");
                        String offered = xs.read(backend + "/max-ring-page-order", "0");
                        // QEMU offers a multi-page ring (max-ring-page-order) and no indirect requests: both negotiated as offered
                        assertEquals(Math.min(Integer.parseInt(offered), 2), f.ringPageOrder(), "ring-page-order against QEMU's " + offered);
                        assertEquals(xs.read(backend + "/feature-max-indirect-segments", null) == null ? 11 : f.segmentsPerRequest(), f.segmentsPerRequest());
                        Mkfs.format(f, new MkfsOptions("ext2", 0, "qemu-" + format, null), false);
                        byte[] data = new byte[300 * 1024];
                        new Random(1).nextBytes(data);
                        long far = f.sectors() - data.length / 512 - 8; // the file system's last blocks: restored below
                        ByteBuffer saved = ByteBuffer.allocate(data.length);
                        f.read(far, saved);
                        f.write(far, ByteBuffer.wrap(data));
                        ByteBuffer got = ByteBuffer.allocate(data.length);
                        f.read(far, got);
                        assertArrayEquals(data, got.array());
                        f.write(far, saved.flip());
                        // a buffer in granted pages, from a sector inside a page: QEMU copies straight into it, first_sect > 0
                        ByteBuffer shared = f.sharedBuffer(data.length + 4096);
                        ByteBuffer part = shared.duplicate().position(1536).limit(1536 + data.length);
                        f.read(far, part);
                        assertArrayEquals(saved.array(), bytes(shared, 1536, data.length), "read into a shared buffer");
                        part.position(1536).put(data).position(1536);
                        long copied = f.bytesCopied();
                        f.write(far, part);
                        f.read(far, got.clear());
                        assertArrayEquals(data, got.array(), "written from a shared buffer");
                        assertEquals(copied + data.length, f.bytesCopied(), "only the JVM buffer's read was copied");
                        f.write(far, saved.flip());
                        f.releaseSharedBuffer(shared);
                        // QEMU 7.2 does not offer feature-persistent: nothing stays mapped, every grant ends at release
                        assertFalse(f.persistentGrants());
                        assertEquals(0, f.pagesKeptAfterRelease());
                        f.flush();
                    }
                    assertTrue(qemu.log().contains("qemu-shim: grant copy in use"), "QEMU copies grants rather than mapping them: " + qemu.log());
                    qemuLog = qemu.log();
                }
            }
        }
        Path raw = img;
        if (format.equals("qcow2")) {
            raw = tmp.resolve("converted.raw");
            Peers.ok(qemuImg.toString(), "convert", "-f", "qcow2", "-O", "raw", img.toString(), raw.toString());
        }
        HostTools.Result r = Peers.run(e2fsck.toString(), "-fn", raw.toString());
        assertEquals(0, r.status(), r.output() + "\nQEMU: " + qemuLog);
        assertTrue(Peers.ok("dumpe2fs", "-h", raw.toString()).contains("qemu-" + format));
    }
}
