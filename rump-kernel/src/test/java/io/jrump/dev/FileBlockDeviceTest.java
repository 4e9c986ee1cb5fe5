package io.jrump.dev;

import static io.jrump.dev.TestDisks.assertErrno;
import static io.jrump.dev.TestDisks.pattern;
import static io.jrump.dev.TestDisks.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.platform.host.HostTools;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlockDeviceTest {
    @TempDir
    Path dir;

    private Path image(String name, long size) throws Exception {
        return TestDisks.image(dir.resolve(name), size);
    }

    @Test
    void roundTripReachesTheFile() throws Exception {
        Path img = image("disk.img", 1 << 20);
        byte[] data = pattern(4096, 1);
        try (FileBlockDevice dev = FileBlockDevice.open(img, false)) {
            assertEquals(1 << 20, dev.size());
            assertEquals(2048, dev.sectors());
            assertFalse(dev.isReadOnly());
            assertEquals(img, dev.path());
            dev.write(10, ByteBuffer.wrap(data));
            dev.flush();
            assertArrayEquals(data, read(dev, 10, 4096));
        }
        byte[] file = Files.readAllBytes(img);
        assertArrayEquals(data, Arrays.copyOfRange(file, 10 * 512, 10 * 512 + 4096));
    }

    @Test
    void readsWhatTheFileHolds() throws Exception {
        Path img = dir.resolve("full.img");
        byte[] content = pattern(8192, 2);
        Files.write(img, content);
        try (FileBlockDevice dev = FileBlockDevice.open(img, true)) {
            assertArrayEquals(content, read(dev, 0, 8192));
        }
    }

    @Test
    void readOnlyRefusesWritesAndLeavesTheFileAlone() throws Exception {
        Path img = image("ro.img", 8192);
        try (FileBlockDevice dev = FileBlockDevice.open(img, true)) {
            assertTrue(dev.isReadOnly());
            assertErrno(Errno.EROFS, () -> dev.write(0, ByteBuffer.wrap(pattern(512, 3))));
            assertErrno(Errno.EROFS, () -> dev.discard(0, 1));
            dev.flush();
        }
        assertArrayEquals(new byte[8192], Files.readAllBytes(img));
    }

    @Test
    void readOnlyOpensAFileWithoutWritePermission() throws Exception {
        Path img = image("locked.img", 8192);
        Files.setPosixFilePermissions(img, PosixFilePermissions.fromString("r--r--r--"));
        try (FileBlockDevice dev = FileBlockDevice.open(img, true)) {
            assertArrayEquals(new byte[512], read(dev, 0, 512));
        }
    }

    @Test
    void writableOpenOfAnUnwritableFileIsEacces() throws Exception {
        assumeFalse(HostTools.isRoot(), "root may write any file, so the open cannot fail");
        Path img = image("locked.img", 8192);
        Files.setPosixFilePermissions(img, PosixFilePermissions.fromString("r--r--r--"));
        assertErrno(Errno.EACCES, () -> FileBlockDevice.open(img, false));
    }

    @Test
    void missingFileIsEnoentNamingIt() {
        Path missing = dir.resolve("nope.img");
        ErrnoException e = assertThrows(ErrnoException.class, () -> FileBlockDevice.open(missing, false));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void directoryIsEisdir() {
        assertErrno(Errno.EISDIR, () -> FileBlockDevice.inspect(dir, true));
    }

    @Test
    void characterDeviceIsEnotblk() {
        Path devNull = Path.of("/dev/null");
        assumeTrue(Files.exists(devNull), "no /dev/null here");
        assertErrno(Errno.ENOTBLK, () -> FileBlockDevice.inspect(devNull, true));
    }

    @Test
    void sizesThatAreNotWholeSectorsAreEinval() throws Exception {
        Path odd = image("odd.img", 1000);
        ErrnoException e = assertThrows(ErrnoException.class, () -> FileBlockDevice.open(odd, false));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains(odd.toString()) && e.getMessage().contains("1000"), e.getMessage());
        assertErrno(Errno.EINVAL, () -> FileBlockDevice.open(image("empty.img", 0), false));
    }

    @Test
    void inspectReturnsTheSizeWithoutOpening() throws Exception {
        assertEquals(3 * 512, FileBlockDevice.inspect(image("small.img", 3 * 512), false));
    }

    @Test
    void boundsAreChecked() throws Exception {
        try (FileBlockDevice dev = FileBlockDevice.open(image("b.img", 16 * 512), false)) {
            assertErrno(Errno.EINVAL, () -> dev.read(16, ByteBuffer.allocate(512)));
            assertErrno(Errno.EINVAL, () -> dev.write(15, ByteBuffer.allocate(1024)));
            assertErrno(Errno.EINVAL, () -> dev.write(0, ByteBuffer.allocate(10)));
            assertErrno(Errno.EINVAL, () -> dev.read(-3, ByteBuffer.allocate(512)));
        }
        assertEquals(16 * 512, Files.size(dir.resolve("b.img")), "a refused write does not grow the file");
    }

    @Test
    void anInterruptedCallerStillGetsItsDataAndKeepsItsInterrupt() throws Exception {
        try (FileBlockDevice dev = FileBlockDevice.open(image("i.img", 1 << 16), false)) {
            byte[] data = pattern(1024, 4);
            Thread.currentThread().interrupt();
            try {
                dev.write(4, ByteBuffer.wrap(data));
                assertTrue(Thread.currentThread().isInterrupted(), "interrupt status kept");
                assertArrayEquals(data, read(dev, 4, 1024));
                dev.flush();
            } finally {
                Thread.interrupted();
            }
            assertArrayEquals(data, read(dev, 4, 1024), "the device still works for other callers");
        }
    }

    @Test
    void aFileThatShrankIsEio() throws Exception {
        Path img = image("shrink.img", 8192);
        try (FileBlockDevice dev = FileBlockDevice.open(img, false)) {
            try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
                f.setLength(4096);
            }
            assertErrno(Errno.EIO, () -> dev.read(12, ByteBuffer.allocate(512)));
        }
    }

    @Test
    void aClosedDeviceIsEnxio() throws Exception {
        FileBlockDevice dev = FileBlockDevice.open(image("c.img", 4096), false);
        dev.close();
        dev.close();
        assertErrno(Errno.ENXIO, () -> dev.read(0, ByteBuffer.allocate(512)));
        assertErrno(Errno.ENXIO, () -> dev.write(0, ByteBuffer.allocate(512)));
        assertErrno(Errno.ENXIO, dev::flush);
    }
}
