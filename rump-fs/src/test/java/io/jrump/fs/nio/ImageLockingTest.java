package io.jrump.fs.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpBuilder;
import io.jrump.api.RumpKernel;
import io.jrump.fs.mkfs.Mkfs;
import io.jrump.fs.mkfs.MkfsOptions;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer per image through every way of opening one: the NIO provider, {@link MountedImage}
 * and {@code RumpBuilder.disk}. A read-write open excludes every other, read-only opens share;
 * the second opener gets EBUSY naming the image, or waits when asked; the lock goes with the
 * close, failed opens included. (Across processes: see rump-kernel's ImageLocksTest.)
 */
class ImageLockingTest {
    @TempDir
    Path dir;
    Path image;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeEach
    void makeImage() throws Exception {
        image = dir.resolve("disk.img");
        Mkfs.createImage(image, 8L << 20, new MkfsOptions("ext2", 0, "lock", null));
    }

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    private FileSystem nio(boolean readOnly) throws Exception {
        return new RumpFileSystemProvider().newFileSystem(image, Map.of("readOnly", readOnly));
    }

    private void assertBusy(Exception e) {
        String reason = e instanceof FileSystemException fse ? fse.getReason() : e.getMessage();
        assertTrue(reason.contains("EBUSY"), reason);
        assertTrue(e.getMessage().contains(image.toString()), e.getMessage());
    }

    @Test
    void twoWritableFileSystemsOnOneImageAreRefused() throws Exception {
        try (FileSystem first = nio(false)) {
            FileSystemException e = assertThrows(FileSystemException.class, () -> nio(false));
            assertBusy(e);
            assertTrue(e.getReason().contains("already open read-write"), e.getReason());
            assertBusy(assertThrows(FileSystemException.class, () -> nio(true)));
            Files.writeString(first.getPath("/kept"), "one writer");
        }
        try (FileSystem again = nio(false)) { // released by the close
            assertEquals("one writer", Files.readString(again.getPath("/kept")));
        }
    }

    @Test
    void readOnlyFileSystemsShareAndKeepWritersOut() throws Exception {
        try (FileSystem a = nio(true); FileSystem b = nio(true)) {
            assertEquals(Files.exists(a.getPath("/lost+found")), Files.exists(b.getPath("/lost+found")));
            FileSystemException e = assertThrows(FileSystemException.class, () -> nio(false));
            assertBusy(e);
            assertTrue(e.getReason().contains("open read-only"), e.getReason());
        }
        nio(false).close();
    }

    @Test
    void waitTrueWaitsForTheWriterToClose() throws Exception {
        FileSystem first = nio(false);
        Files.writeString(first.getPath("/from-first"), "1");
        Future<FileSystem> second = pool.submit(() -> new RumpFileSystemProvider().newFileSystem(image, Map.of("wait", "true")));
        first.close();
        try (FileSystem fs = second.get(60, TimeUnit.SECONDS)) {
            assertEquals("1", Files.readString(fs.getPath("/from-first")));
        }
    }

    @Test
    void builderDisksLockTheirImageWhenMounted() throws Exception {
        RumpBuilder rw = Rump.builder().component("vfs").disk("disk0", image);
        try (RumpKernel a = rw.boot(); RumpKernel b = rw.boot()) {
            a.sys().mkdir("/mnt", 0755);
            a.sys().mount("disk0", "/mnt", "ext2", 0, null);
            b.sys().mkdir("/mnt", 0755);
            ErrnoException e = assertThrows(ErrnoException.class, () -> b.sys().mount("disk0", "/mnt", "ext2", 0, null));
            assertEquals(Errno.EBUSY, e.errno());
            assertTrue(e.getMessage().contains(image.toString()), e.getMessage());
            assertBusy(assertThrows(FileSystemException.class, () -> nio(true)));
        }
        RumpBuilder ro = Rump.builder().component("vfs").disk("disk0", image, true);
        try (RumpKernel a = ro.boot(); RumpKernel b = ro.boot(); FileSystem c = nio(true)) {
            for (RumpKernel k : new RumpKernel[] {a, b}) {
                k.sys().mkdir("/mnt", 0755);
                k.sys().mount("disk0", "/mnt", "ext2", MountFlags.MNT_RDONLY, null);
                assertTrue(k.sys().stat("/mnt/lost+found").isDirectory());
            }
        }
        nio(false).close(); // the kernels' close released the image
    }

    @Test
    void theDiskWaitOptionWaits() throws Exception {
        FileSystem holder = nio(false);
        try (RumpKernel k = Rump.builder().component("vfs").disk("disk0", image).option("disk.wait", "true").boot()) {
            k.sys().mkdir("/mnt", 0755);
            Future<?> mount = pool.submit(() -> {
                k.sys().mount("disk0", "/mnt", "ext2", 0, null);
                return null;
            });
            holder.close();
            mount.get(60, TimeUnit.SECONDS);
            assertTrue(k.sys().stat("/mnt/lost+found").isDirectory());
        }
    }

    @Test
    void aFailedOpenLeavesTheImageFree() throws Exception {
        ErrnoException e = assertThrows(ErrnoException.class, () -> MountedImage.open(image, 0, "nosuchfs", false));
        assertEquals(Errno.ENODEV, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains(image.toString()), e.getMessage());
        Path blank = dir.resolve("blank.img");
        Files.write(blank, new byte[1 << 20]);
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> MountedImage.open(blank, 0, null, false)).errno());
        MountedImage.open(image, 0, null, false).close();
        MountedImage.open(blank, 0, "tmpfs", false).close(); // any type at all: the file was let go
    }

    @Test
    void mkfsRefusesAnImageSomeoneHolds() throws Exception {
        try (FileSystem fs = nio(true)) {
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> Mkfs.createImage(image, 16L << 20, new MkfsOptions("ext2", 0, "", null)));
            assertEquals(Errno.EBUSY, e.errno(), e.getMessage());
            assertEquals(8L << 20, Files.size(image), "not resized under its reader");
        }
    }
}
