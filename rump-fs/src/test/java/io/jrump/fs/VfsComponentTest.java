package io.jrump.fs;

import static io.jrump.fs.FsAssert.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.BootException;
import io.jrump.api.Errno;
import io.jrump.api.Rump;
import io.jrump.api.RumpBuilder;
import io.jrump.api.RumpKernel;
import io.jrump.api.StatVfs;
import org.junit.jupiter.api.Test;

/** The "vfs" component as the builder finds it: a tmpfs root and its size, a device root, independent kernels. */
class VfsComponentTest {

    @Test
    void bootGivesATmpfsRoot() throws Exception {
        try (RumpKernel k = Rump.builder().boot()) {
            assertTrue(k.components().contains("vfs"), k.components().toString());
            StatVfs s = k.sys().statvfs("/");
            assertEquals("tmpfs", s.fstype());
            assertEquals(0755, k.sys().stat("/").perms());
            assertEquals(0, k.sys().stat("/").uid());
        }
    }

    @Test
    void sizeOptionLimitsTheRoot() throws Exception {
        try (RumpKernel k = Rump.builder().option("tmpfs.size", "64k").boot()) {
            StatVfs s = k.sys().statvfs("/");
            assertEquals(16, s.blocks());
            int fd = k.sys().open("/f", io.jrump.api.OpenFlags.O_CREAT | io.jrump.api.OpenFlags.O_WRONLY, 0644);
            assertEquals(64 * 1024, k.sys().write(fd, java.nio.ByteBuffer.allocate(100 * 1024)));
            assertErrno(Errno.ENOSPC, () -> k.sys().write(fd, java.nio.ByteBuffer.allocate(1)));
        }
    }

    @Test
    void badSizeOptionFailsTheBoot() {
        BootException e = assertThrows(BootException.class, () -> Rump.builder().option("tmpfs.size", "huge").boot());
        assertTrue(e.getMessage().contains("tmpfs.size"), e.getMessage());
    }

    @Test
    void kernelsShareNoFiles() throws Exception {
        RumpBuilder b = Rump.builder();
        try (RumpKernel k1 = b.boot(); RumpKernel k2 = b.boot()) {
            k1.sys().mkdir("/only-in-one", 0755);
            assertErrno(Errno.ENOENT, () -> k2.sys().stat("/only-in-one"));
            k2.sys().mkdir("/only-in-one", 0700);
            assertEquals(0755, k1.sys().stat("/only-in-one").perms());
        }
    }

    @Test
    void closingTheKernelUnmountsEverything() throws Exception {
        RumpKernel k = Rump.builder().boot();
        k.sys().mkdir("/m", 0755);
        k.sys().mount("tmpfs", "/m", "tmpfs", 0, "size=1m");
        int fd = k.sys().open("/m/f", io.jrump.api.OpenFlags.O_CREAT | io.jrump.api.OpenFlags.O_WRONLY, 0644);
        assertTrue(fd >= 0);
        k.close();
        assertTrue(k.isClosed());
    }

    @Test
    void aRootTmpfsWithoutASizeIsBoundedByHalfTheHeap() throws Exception {
        try (RumpKernel k = Rump.builder().boot()) {
            StatVfs s = k.sys().statvfs("/");
            long bytes = s.blocks() * s.frsize();
            assertEquals(io.jrump.fs.tmpfs.TmpfsType.DEFAULT_SIZE, bytes);
            assertTrue(bytes > 0 && bytes <= Runtime.getRuntime().maxMemory() / 2, bytes + " bytes");
            k.sys().mkdir("/m", 0755);
            k.sys().mount("tmpfs", "/m", "tmpfs", 0, null); // every tmpfs, as on Linux
            StatVfs m = k.sys().statvfs("/m");
            assertEquals(bytes, m.blocks() * m.frsize());
        }
    }

    @Test
    void aDeviceRootIsTheTopOfEveryLookup() throws Exception {
        io.jrump.dev.MemoryBlockDevice disk = new io.jrump.dev.MemoryBlockDevice("disk0", 8L << 20);
        io.jrump.fs.mkfs.Mkfs.format(disk, new io.jrump.fs.mkfs.MkfsOptions("ext2", 0, "rootfs", null), true);
        RumpBuilder b = Rump.builder().device("disk0", disk).option("root", "disk0").option("root.type", "ext2");
        try (RumpKernel k = b.boot()) {
            assertEquals("ext2", k.sys().statvfs("/").fstype());
            k.sys().mkdir("/a", 0755);
            k.sys().symlink("/a", "/a/top");
            k.sys().close(k.sys().open("/../../a/top/top/f", io.jrump.api.OpenFlags.O_CREAT | io.jrump.api.OpenFlags.O_WRONLY, 0644));
            assertTrue(k.sys().stat("/a/f").isRegularFile());
            assertEquals(k.sys().stat("/").ino(), k.sys().stat("/..").ino());
            assertErrno(Errno.EBUSY, () -> k.sys().unmount("/", 0));
        }
        try (RumpKernel k = b.option("root.readOnly", "true").boot()) {
            assertTrue(k.sys().stat("/a/f").isRegularFile(), "written back when the first kernel closed");
            assertErrno(Errno.EROFS, () -> k.sys().mkdir("/b", 0755));
        }
    }

    @Test
    void aDeviceRootNeedsAKnownType() {
        RumpBuilder b = Rump.builder().memoryDisk("disk0", 1 << 20).option("root", "disk0");
        BootException none = assertThrows(BootException.class, b::boot);
        assertTrue(none.getMessage().contains("root.type"), none.getMessage());
        BootException unknown = assertThrows(BootException.class, () -> b.option("root.type", "nosuchfs").boot());
        assertTrue(unknown.getMessage().contains("nosuchfs"), unknown.getMessage());
        BootException blank = assertThrows(BootException.class, () -> b.option("root.type", "ext2").boot());
        assertTrue(blank.getMessage().contains("ext2"), blank.getMessage()); // a zero-filled disk holds no ext2
    }
}
