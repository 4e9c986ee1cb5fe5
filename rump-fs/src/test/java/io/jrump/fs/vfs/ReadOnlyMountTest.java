package io.jrump.fs.vfs;

import static io.jrump.fs.FsAssert.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Fcntl;
import io.jrump.api.MountFlags;
import io.jrump.api.OpenFlags;
import io.jrump.api.spi.Platform;
import io.jrump.fs.tmpfs.TmpfsType;
import io.jrump.kern.Caller;
import io.jrump.kern.Cred;
import io.jrump.kern.DirRef;
import io.jrump.kern.KFile;
import io.jrump.testing.TestPlatform;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * NetBSD's {@code t_ro.c}: every call that would change a read-only file system fails with
 * EROFS and changes nothing, while reading works. A tmpfs is empty when mounted, so this test
 * drives the VFS directly: it fills a tmpfs, unmounts it, and mounts the same instance again
 * read-only through a file system type that hands it back.
 */
class ReadOnlyMountTest {
    private record TestCaller(Cred cred, DirRef cwd) implements Caller {
    }

    private Platform platform;
    private final TmpfsType tmpfs = new TmpfsType();
    private FileSystem kept;
    private Vfs vfs;
    private Caller root;

    /** tmpfs, remembering the last instance it made. */
    private final FileSystemType recording = new FileSystemType() {
        @Override
        public String name() {
            return "recording";
        }

        @Override
        public FileSystem mount(MountRequest request) throws ErrnoException {
            kept = tmpfs.mount(request);
            return kept;
        }
    };

    /** Hands back the instance {@link #recording} made. */
    private final FileSystemType again = new FileSystemType() {
        @Override
        public String name() {
            return "again";
        }

        @Override
        public FileSystem mount(MountRequest request) {
            return kept;
        }
    };

    @BeforeEach
    void fillAndRemountReadOnly() throws Exception {
        platform = new TestPlatform();
        FileSystem rootFs = tmpfs.mount(new MountRequest("tmpfs", 0, MountOptions.parse("mode=0755"), platform));
        vfs = new Vfs(rootFs, "tmpfs", Map.of("recording", recording, "again", again), platform);
        root = new TestCaller(Cred.ROOT, vfs.root());
        vfs.mkdir(root, "/rw", 0755);
        vfs.mkdir(root, "/ro", 0755);
        vfs.mount(root, "none", "/rw", "recording", 0, null);
        vfs.mkdir(root, "/rw/dir", 0755);
        vfs.mkdir(root, "/rw/full", 0755);
        vfs.mkdir(root, "/rw/full/x", 0755);
        write("/rw/file", "hello");
        vfs.symlink(root, "file", "/rw/link");
        vfs.unmount(root, "/rw", 0);
        vfs.mount(root, "none", "/ro", "again", MountFlags.MNT_RDONLY, null);
    }

    @AfterEach
    void close() {
        root.cwd().release();
        vfs.close();
        platform.close();
    }

    private void write(String path, String text) throws ErrnoException {
        KFile f = vfs.open(root, path, OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644);
        f.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        ((VnodeFile) f).closeFile();
    }

    @Test
    void everyChangeIsErofs() {
        int[] writeModes = {OpenFlags.O_WRONLY, OpenFlags.O_RDWR, OpenFlags.O_RDONLY | OpenFlags.O_TRUNC, OpenFlags.O_CREAT | OpenFlags.O_WRONLY};
        for (int flags : writeModes) {
            assertErrno(Errno.EROFS, () -> vfs.open(root, "/ro/file", flags, 0644), "open flags " + Integer.toOctalString(flags));
        }
        assertErrno(Errno.EROFS, () -> vfs.open(root, "/ro/new", OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644));
        assertErrno(Errno.EROFS, () -> vfs.truncate(root, "/ro/file", 0));
        assertErrno(Errno.EROFS, () -> vfs.unlink(root, "/ro/file"));
        assertErrno(Errno.EROFS, () -> vfs.rmdir(root, "/ro/dir"));
        assertErrno(Errno.EROFS, () -> vfs.mkdir(root, "/ro/newdir", 0755));
        assertErrno(Errno.EROFS, () -> vfs.rename(root, "/ro/file", "/ro/file2"));
        assertErrno(Errno.EROFS, () -> vfs.rename(root, "/ro/dir", "/ro/full/x"));
        assertErrno(Errno.EROFS, () -> vfs.link(root, "/ro/file", "/ro/file2"));
        assertErrno(Errno.EROFS, () -> vfs.symlink(root, "x", "/ro/l2"));
        assertErrno(Errno.EROFS, () -> vfs.chmod(root, "/ro/file", 0600));
        assertErrno(Errno.EROFS, () -> vfs.chown(root, "/ro/file", 1, 1, true));
        assertErrno(Errno.EROFS, () -> vfs.utimes(root, "/ro/file", null, null, true));
        assertErrno(Errno.EROFS, () -> vfs.access(root, "/ro/file", Fcntl.W_OK));
    }

    @Test
    void readingStillWorksAndNothingChanged() throws Exception {
        KFile f = vfs.open(root, "/ro/link", OpenFlags.O_RDONLY, 0);
        ByteBuffer b = ByteBuffer.allocate(100);
        assertEquals(5, f.read(b));
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), java.util.Arrays.copyOf(b.array(), 5));
        assertErrno(Errno.EROFS, () -> f.fchmod(Cred.ROOT, 0600));
        ((VnodeFile) f).closeFile();
        assertEquals("file", vfs.readlink(root, "/ro/link"));
        assertTrue(vfs.stat(root, "/ro/full/x", true).isDirectory());
        assertEquals(0644, vfs.stat(root, "/ro/file", true).perms());
        assertEquals(MountOps.ST_RDONLY, vfs.statvfs(root, "/ro/dir").flag() & MountOps.ST_RDONLY);
        vfs.access(root, "/ro/file", Fcntl.R_OK);
    }
}
