package io.jrump.fs.vfs;

import static io.jrump.fs.FsAssert.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jrump.api.Errno;
import io.jrump.api.OpenFlags;
import io.jrump.api.spi.Platform;
import io.jrump.fs.tmpfs.TmpfsType;
import io.jrump.kern.Caller;
import io.jrump.kern.Cred;
import io.jrump.kern.DirRef;
import io.jrump.kern.KFile;
import io.jrump.testing.TestPlatform;
import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad arguments straight into {@code PathCalls} and {@code KFile}, without the system call
 * layer's own checks in front: every one must come back as an errno, never as a
 * NullPointerException or an ArithmeticException.
 */
class PathCallsBadInputTest {
    private record TestCaller(Cred cred, DirRef cwd) implements Caller {
    }

    private Platform platform;
    private Vfs vfs;
    private Caller root;

    @BeforeEach
    void boot() throws Exception {
        platform = new TestPlatform();
        TmpfsType tmpfs = new TmpfsType();
        vfs = new Vfs(tmpfs.mount(new MountRequest("tmpfs", 0, MountOptions.parse(null), platform)), "tmpfs", Map.of("tmpfs", tmpfs), platform);
        root = new TestCaller(Cred.ROOT, vfs.root());
    }

    @AfterEach
    void close() {
        root.cwd().release();
        vfs.close();
        platform.close();
    }

    @Test
    void nullsAndBadNumbersOnPathCalls() {
        assertErrno(Errno.EFAULT, () -> vfs.stat(root, null, true));
        assertErrno(Errno.EFAULT, () -> vfs.rename(root, "/a", null));
        assertErrno(Errno.EFAULT, () -> vfs.symlink(root, null, "/l"));
        assertErrno(Errno.EFAULT, () -> vfs.mount(root, "x", null, "tmpfs", 0, null));
        assertErrno(Errno.ENODEV, () -> vfs.mount(root, "x", "/", null, 0, null));
        assertErrno(Errno.EINVAL, () -> vfs.open(root, "/f", OpenFlags.O_ACCMODE, 0));
        assertErrno(Errno.EINVAL, () -> vfs.access(root, "/", 0100));
        assertErrno(Errno.EINVAL, () -> vfs.truncate(root, "/", -5));
        assertErrno(Errno.EBADF, () -> vfs.getcwd(() -> { }));
        assertErrno(Errno.EBADF, () -> vfs.stat(new TestCaller(Cred.ROOT, () -> { }), "relative", true));
    }

    @Test
    void badArgumentsOnOpenFiles() throws Exception {
        KFile f = vfs.open(root, "/f", OpenFlags.O_CREAT | OpenFlags.O_RDWR, 0644);
        assertErrno(Errno.EFAULT, () -> f.read(null));
        assertErrno(Errno.EFAULT, () -> f.read(ByteBuffer.allocate(4).asReadOnlyBuffer()));
        assertErrno(Errno.EFAULT, () -> f.write(null));
        assertErrno(Errno.EINVAL, () -> f.pread(ByteBuffer.allocate(4), Long.MIN_VALUE));
        assertErrno(Errno.EINVAL, () -> f.pwrite(ByteBuffer.allocate(4), -1));
        assertErrno(Errno.EFBIG, () -> f.pwrite(ByteBuffer.allocate(4), Long.MAX_VALUE));
        assertErrno(Errno.EINVAL, () -> f.lseek(-1, 0));
        assertErrno(Errno.EOVERFLOW, () -> {
            f.lseek(Long.MAX_VALUE, 0);
            f.lseek(1, 1);
        });
        assertErrno(Errno.EINVAL, () -> f.lseek(0, 7));
        assertErrno(Errno.EINVAL, () -> f.ftruncate(-1));
        assertErrno(Errno.EFBIG, () -> f.ftruncate(Long.MAX_VALUE));
        assertErrno(Errno.ENOTDIR, f::getdents);
        assertEquals(0, f.fstat().size());
        ((VnodeFile) f).closeFile();
    }
}
