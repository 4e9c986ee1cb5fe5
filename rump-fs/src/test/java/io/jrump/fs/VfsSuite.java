package io.jrump.fs;

import static io.jrump.api.OpenFlags.O_APPEND;
import static io.jrump.api.OpenFlags.O_CREAT;
import static io.jrump.api.OpenFlags.O_DIRECTORY;
import static io.jrump.api.OpenFlags.O_EXCL;
import static io.jrump.api.OpenFlags.O_NOFOLLOW;
import static io.jrump.api.OpenFlags.O_RDONLY;
import static io.jrump.api.OpenFlags.O_RDWR;
import static io.jrump.api.OpenFlags.O_TRUNC;
import static io.jrump.api.OpenFlags.O_WRONLY;
import static io.jrump.fs.FsAssert.assertErrno;
import static io.jrump.fs.FsAssert.bytes;
import static io.jrump.fs.FsAssert.names;
import static io.jrump.fs.FsAssert.pread;
import static io.jrump.fs.FsAssert.pwrite;
import static io.jrump.fs.FsAssert.readAll;
import static io.jrump.fs.FsAssert.readFile;
import static io.jrump.fs.FsAssert.repeat;
import static io.jrump.fs.FsAssert.writeFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.api.Credentials;
import io.jrump.api.DirEntry;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Fcntl;
import io.jrump.api.FileMode;
import io.jrump.api.MountFlags;
import io.jrump.api.RumpKernel;
import io.jrump.api.RumpProcess;
import io.jrump.api.Stat;
import io.jrump.api.StatVfs;
import io.jrump.api.Syscalls;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every file system must get right, driven through the public system calls of a booted
 * kernel. The cases follow NetBSD's {@code tests/fs/vfs} ({@code t_vnops.c}, {@code t_io.c},
 * {@code t_vfsops.c}, {@code t_ro.c}, {@code t_unpriv.c}, {@code t_renamerace.c},
 * {@code t_full.c}); test names say which.
 *
 * <p>A subclass says how to get a kernel with the file system under test mounted
 * ({@link #mountFresh}) and what that type cannot do (the capability hooks), so ext2, FAT and
 * FFS run the same cases as tmpfs. Other file systems the cases need (to test crossing
 * mounts) are tmpfs, which every kernel with the VFS has.
 */
public abstract class VfsSuite {
    protected static final int PAGE = 4096;
    protected static final Credentials ALICE = Credentials.of(1000, 1000);
    protected static final Credentials BOB = Credentials.of(1001, 1001);
    /** An old time that any update is after. */
    private static final Instant LONG_AGO = Instant.ofEpochSecond(1_000_000, 500);

    /**
     * Boots a kernel and mounts a fresh, empty instance of the file system under test.
     *
     * @param sizeLimit bytes the file system may hold, 0 for the type's default
     * @param mountFlags {@link MountFlags} bits, such as MNT_RDONLY
     */
    protected abstract FsFixture mountFresh(long sizeLimit, int mountFlags) throws Exception;

    // ---- capability hooks ----

    /** Whether files have owners and permission bits (FAT has not). */
    protected boolean hasOwners() {
        return true;
    }

    protected boolean hasHardLinks() {
        return true;
    }

    protected boolean hasSymlinks() {
        return true;
    }

    /** Whether {@link #mountFresh} honours a size limit, for the fill-the-disk cases. */
    protected boolean hasSizeLimit() {
        return true;
    }

    /** Whether a symbolic link may have an empty target (NetBSD allows it; Linux file systems do not). */
    protected boolean allowsEmptySymlink() {
        return true;
    }

    /** The longest symbolic link target, in bytes (ext2: one block less one byte). */
    protected int symlinkMax() {
        return 4095;
    }

    /** The longest name, in bytes. */
    protected int nameMax() {
        return 255;
    }

    /** The earliest time a file keeps; earlier ones are clamped to it (tmpfs: any instant). */
    protected Instant earliestTime() {
        return Instant.MIN;
    }

    /** The latest time a file keeps; later ones are clamped to it. */
    protected Instant latestTime() {
        return Instant.MAX;
    }

    /** Whether FIFOs, sockets and device nodes can be made (FAT cannot). */
    protected boolean hasSpecialFiles() {
        return true;
    }

    /** Whether files keep extended attributes ({@code user.}, {@code trusted.}, {@code security.}); others answer EOPNOTSUPP. */
    protected boolean hasXattrs() {
        return true;
    }

    /** Whether a one-character name made of {@code c} is allowed. */
    protected boolean allowsNameChar(char c) {
        return true;
    }

    // ---- fixture ----

    protected FsFixture fx;
    protected RumpKernel kernel;
    protected Syscalls sys;
    protected String mp;

    @BeforeEach
    void mountUnderTest() throws Exception {
        use(mountFresh(0, 0));
    }

    @AfterEach
    void closeKernel() {
        if (fx != null) {
            fx.close();
        }
    }

    private void use(FsFixture f) {
        if (fx != null) {
            fx.close();
        }
        fx = f;
        kernel = f.kernel();
        sys = kernel.sys();
        mp = f.mountPoint();
    }

    /** A path under the mount point. */
    protected String p(String rel) {
        return mp.equals("/") ? "/" + rel : mp + "/" + rel;
    }

    private Syscalls as(Credentials who) throws ErrnoException {
        RumpProcess proc = kernel.spawn(who);
        return proc.sys();
    }

    private void touch(String path) throws ErrnoException {
        sys.close(sys.open(path, O_CREAT | O_WRONLY, 0644));
    }

    private void check() throws ErrnoException {
        FsCheck.check(sys, mp);
    }

    // ================= t_vnops.c =================

    @Test
    void lookupSimple() throws Exception {
        sys.mkdir(p("dir"), 0755);
        Stat a = sys.stat(p("dir"));
        assertEquals(a, sys.stat(p("dir/")));
        assertEquals(a, sys.stat(p("./dir")));
        assertEquals(a.ino(), sys.stat(mp + "//dir//").ino());
    }

    @Test
    void lookupComplex() throws Exception {
        sys.mkdir(p("test"), 0777);
        Stat base = sys.stat(p("test"));
        assertEquals(base, sys.stat(p("test/../test")));
        assertEquals(base, sys.stat(p("test/./../test/.")));
        assertEquals(base, sys.stat(p("././test/../test/../test/")));
        sys.mkdir(p("test/sub"), 0777);
        assertEquals(base.ino(), sys.stat(p("test/sub/..")).ino());
        assertEquals(sys.stat(mp).ino(), sys.stat(p("test/sub/../..")).ino());
    }

    @Test
    void dirSimple() throws Exception {
        sys.mkdir(p("dir"), 0777);
        Stat st = sys.stat(p("dir"));
        assertTrue(st.isDirectory());
        assertEquals(2, st.nlink());
        sys.rmdir(p("dir"));
        assertErrno(Errno.ENOENT, () -> sys.stat(p("dir")));
    }

    @Test
    void dirNotempty() throws Exception {
        sys.mkdir(p("dir"), 0777);
        touch(p("dir/file"));
        assertErrno(Errno.ENOTEMPTY, () -> sys.rmdir(p("dir")));
        sys.unlink(p("dir/file"));
        sys.rmdir(p("dir"));
        check();
    }

    @Test
    void dirRmdirdotdot() throws Exception {
        sys.mkdir(p("test"), 0777);
        sys.chdir(p("test"));
        sys.mkdir("subtest", 0777);
        sys.chdir("subtest");
        sys.rmdir(p("test/subtest"));
        sys.rmdir(p("test"));
        assertErrno(Errno.ENOENT, () -> sys.chdir(".."));
        assertErrno(Errno.ENOENT, () -> sys.getcwd());
        assertErrno(Errno.ENOENT, () -> sys.open("new", O_CREAT | O_WRONLY, 0644));
        assertErrno(Errno.ENOENT, () -> sys.mkdir("newdir", 0777));
        touch(p("other"));
        assertErrno(Errno.ENOENT, () -> sys.rename(p("other"), "moved"), "rename into a removed directory");
        if (hasHardLinks()) {
            assertErrno(Errno.ENOENT, () -> sys.link(p("other"), "linked"));
        }
        if (hasSymlinks()) {
            assertErrno(Errno.ENOENT, () -> sys.symlink("x", "sym"));
        }
        assertEquals(List.of(), names(sys, "."), "a removed directory lists nothing");
        sys.chdir("/");
        check();
    }

    @Test
    void rmdirDotAndDotdot() throws Exception {
        sys.mkdir(p("d"), 0777);
        assertErrno(Errno.EINVAL, () -> sys.rmdir(p("d/.")));
        assertErrno(Errno.ENOTEMPTY, () -> sys.rmdir(p("d/..")));
        sys.chdir(p("d"));
        assertErrno(Errno.EINVAL, () -> sys.rmdir("."));
        assertTrue(sys.stat(p("d")).isDirectory());
    }

    @Test
    void renameDir() throws Exception {
        sys.mkdir(p("dir1"), 0777);
        sys.mkdir(p("dir2"), 0777);
        long rootLinks = sys.stat(mp).nlink();
        sys.rename(p("dir1"), p("dir1"));
        assertErrno(Errno.EINVAL, () -> sys.rename(p("dir1"), p("dir1/sub")));
        sys.mkdir(p("dir1/sub"), 0777);
        assertErrno(Errno.EINVAL, () -> sys.rename(p("dir1"), p("dir1/sub/deeper")));

        sys.rename(p("dir1"), p("dir2/moved"));
        assertEquals(rootLinks - 1, sys.stat(mp).nlink(), "old parent lost the '..' link");
        assertEquals(3, sys.stat(p("dir2")).nlink(), "new parent gained the '..' link");
        assertEquals(sys.stat(p("dir2")).ino(), sys.stat(p("dir2/moved/..")).ino(), "'..' of the moved directory");
        assertEquals(sys.stat(p("dir2/moved")).ino(), sys.stat(p("dir2/moved/sub/..")).ino());
        assertErrno(Errno.ENOENT, () -> sys.stat(p("dir1")));

        sys.mkdir(p("empty"), 0777);
        sys.rename(p("dir2/moved"), p("empty"));
        assertTrue(sys.stat(p("empty/sub")).isDirectory(), "renamed over an empty directory");
        assertEquals(2, sys.stat(p("dir2")).nlink());

        sys.mkdir(p("full"), 0777);
        sys.mkdir(p("full/x"), 0777);
        assertErrno(Errno.ENOTEMPTY, () -> sys.rename(p("empty"), p("full")));
        check();
    }

    @Test
    void renameDotdot() throws Exception {
        sys.chdir(mp);
        sys.mkdir("dir1", 0777);
        sys.mkdir("dir2", 0777);
        assertErrno(Errno.EINVAL, () -> sys.rename("dir1", "dir1/.."));
        assertErrno(Errno.EINVAL, () -> sys.rename("dir1/..", "sometarget"));
        assertErrno(Errno.EINVAL, () -> sys.rename("dir1", "dir2/.."));
        assertErrno(Errno.EINVAL, () -> sys.rename("dir1/.", "dir3"));
        assertErrno(Errno.EINVAL, () -> sys.rename("dir1", "dir2/."));
        assertTrue(sys.stat("dir1").isDirectory());
        check();
    }

    @Test
    void renameRegNodir() throws Exception {
        writeFile(sys, p("a"), bytes(100, 1));
        writeFile(sys, p("b"), bytes(50, 2));
        long ino = sys.stat(p("a")).ino();
        sys.rename(p("a"), p("b"));
        assertErrno(Errno.ENOENT, () -> sys.stat(p("a")));
        assertEquals(ino, sys.stat(p("b")).ino());
        assertArrayEquals(bytes(100, 1), readFile(sys, p("b")));
        sys.mkdir(p("dir"), 0777);
        assertErrno(Errno.EISDIR, () -> sys.rename(p("b"), p("dir")));
        assertErrno(Errno.ENOTDIR, () -> sys.rename(p("dir"), p("b")));
        assertErrno(Errno.ENOTDIR, () -> sys.rename(p("b"), p("c/")));
        assertErrno(Errno.ENOENT, () -> sys.rename(p("nothing"), p("c")));
        check();
    }

    @Test
    void renameUpdatesTimesAndReplacedLinkCount() throws Exception {
        assumeTrue(hasHardLinks(), "this file system has no hard links");
        sys.mkdir(p("from"), 0777);
        sys.mkdir(p("to"), 0777);
        touch(p("from/f"));
        touch(p("to/victim"));
        sys.link(p("to/victim"), p("victim2"));
        for (String d : new String[] {"from", "to", "from/f", "victim2"}) {
            sys.utimes(p(d), LONG_AGO, LONG_AGO);
        }
        Stat before = sys.stat(p("victim2"));
        sys.rename(p("from/f"), p("to/victim"));
        assertTrue(sys.stat(p("from")).mtime().isAfter(LONG_AGO));
        assertTrue(sys.stat(p("to")).mtime().isAfter(LONG_AGO));
        assertTrue(sys.stat(p("to/victim")).ctime().isAfter(before.ctime()) || sys.stat(p("to/victim")).ctime().equals(before.ctime()));
        Stat after = sys.stat(p("victim2"));
        assertEquals(1, after.nlink(), "the replaced file lost a name");
        assertFalse(after.ctime().isBefore(before.ctime()));
        check();
    }

    @Test
    void renameSameInodeIsNoop() throws Exception {
        assumeTrue(hasHardLinks(), "this file system has no hard links");
        touch(p("a"));
        sys.link(p("a"), p("b"));
        sys.rename(p("a"), p("b"));
        assertTrue(sys.stat(p("a")).isRegularFile(), "POSIX: both names stay");
        assertEquals(2, sys.stat(p("b")).nlink());
    }

    @Test
    void createMany() throws Exception {
        int n = 500;
        sys.mkdir(p("many"), 0777);
        for (int i = 0; i < n; i++) {
            touch(p("many/file" + i));
        }
        List<String> found = names(sys, p("many"));
        assertEquals(n, found.size());
        assertEquals(n, new HashSet<>(found).size());
        for (int i = 0; i < n; i += 2) {
            sys.unlink(p("many/file" + i));
        }
        assertEquals(n / 2, names(sys, p("many")).size());
        check();
    }

    @Test
    void createNonalphanum() throws Exception {
        sys.mkdir(p("names"), 0777);
        for (char c = 1; c < 256; c++) {
            if (c == '/' || c == '.' || !allowsNameChar(c)) {
                continue;
            }
            String name = String.valueOf(c);
            String path = p("names/" + name);
            touch(path);
            assertTrue(sys.stat(path).isRegularFile(), "name " + (int) c);
            assertTrue(names(sys, p("names")).contains(name), "listed: " + (int) c);
            sys.unlink(path);
        }
        assertTrue(names(sys, p("names")).isEmpty());
    }

    @Test
    void createNametoolong() throws Exception {
        String ok = repeat('a', nameMax());
        touch(p(ok));
        assertTrue(names(sys, mp).contains(ok));
        assertErrno(Errno.ENAMETOOLONG, () -> touch(p(ok + "b")));
        assertErrno(Errno.ENAMETOOLONG, () -> sys.mkdir(p(ok + "b"), 0777));
        assertErrno(Errno.ENAMETOOLONG, () -> sys.stat(p(ok + "b")));
        String twoByte = repeat('\u00e9', nameMax() / 2 + 1);
        assertErrno(Errno.ENAMETOOLONG, () -> touch(p(twoByte)));
    }

    @Test
    void createExist() throws Exception {
        sys.close(sys.open(p("f"), O_CREAT | O_EXCL | O_WRONLY, 0644));
        assertErrno(Errno.EEXIST, () -> sys.open(p("f"), O_CREAT | O_EXCL | O_WRONLY, 0644));
        sys.close(sys.open(p("f"), O_CREAT | O_WRONLY, 0644));
        sys.mkdir(p("d"), 0777);
        assertErrno(Errno.EEXIST, () -> sys.mkdir(p("d"), 0777));
        assertErrno(Errno.EEXIST, () -> sys.mkdir(p("f"), 0777));
        assertErrno(Errno.EEXIST, () -> sys.open(p("d"), O_CREAT | O_EXCL | O_RDONLY, 0644));
        assertErrno(Errno.EISDIR, () -> sys.open(p("d"), O_CREAT | O_RDONLY, 0644));
        assertErrno(Errno.EEXIST, () -> sys.mkdir(mp, 0777));
    }

    @Test
    void symlinkZerolen() throws Exception {
        assumeTrue(hasSymlinks() && allowsEmptySymlink(), "this file system refuses symbolic links with an empty target, as Linux does");
        sys.symlink("", p("empty"));
        assertEquals("", sys.readlink(p("empty")));
        assertTrue(sys.lstat(p("empty")).isSymlink());
        assertEquals(0, sys.lstat(p("empty")).size());
        assertErrno(Errno.ENOENT, () -> sys.stat(p("empty")));
    }

    @Test
    void symlinkLong() throws Exception {
        assumeTrue(hasSymlinks(), "this file system has no symbolic links");
        int max = symlinkMax();
        int[] lengths = java.util.stream.IntStream.concat(
                java.util.stream.IntStream.of(1, 60, 255, 256, 1000, 4000, 4095).filter(l -> l < max),
                java.util.stream.IntStream.of(max)).toArray();
        for (int len : lengths) {
            String target = repeat('x', len);
            String link = p("l" + len);
            sys.symlink(target, link);
            assertEquals(target, sys.readlink(link));
            assertEquals(len, sys.lstat(link).size());
        }
        assertErrno(Errno.ENAMETOOLONG, () -> sys.symlink(repeat('x', symlinkMax() + 1), p("toolong")));
        assertErrno(Errno.ENOENT, () -> sys.lstat(p("toolong")));
    }

    @Test
    void symlinkRelativeAndAbsolute() throws Exception {
        assumeTrue(hasSymlinks(), "this file system has no symbolic links");
        sys.mkdir(p("d"), 0777);
        writeFile(sys, p("d/f"), bytes(10, 3));
        sys.symlink("d/f", p("rel"));
        sys.symlink(p("d"), p("abs"));
        sys.symlink("../d/f", p("d/up"));
        assertArrayEquals(bytes(10, 3), readFile(sys, p("rel")));
        assertArrayEquals(bytes(10, 3), readFile(sys, p("abs/f")));
        assertArrayEquals(bytes(10, 3), readFile(sys, p("abs/up")));
        assertTrue(sys.stat(p("abs/")).isDirectory());
        assertErrno(Errno.ENOTDIR, () -> sys.stat(p("rel/")));
    }

    @Test
    void symlinkLoopIsEloop() throws Exception {
        assumeTrue(hasSymlinks(), "this file system has no symbolic links");
        sys.symlink("b", p("a"));
        sys.symlink("a", p("b"));
        assertErrno(Errno.ELOOP, () -> sys.stat(p("a")));
        assertErrno(Errno.ELOOP, () -> sys.open(p("a"), O_CREAT | O_WRONLY, 0644));
        sys.mkdir(p("d"), 0777);
        String prev = "d";
        for (int i = 0; i < 32; i++) {
            sys.symlink(prev, p("c" + i));
            prev = "c" + i;
        }
        assertTrue(sys.stat(p("c31")).isDirectory(), "32 links is still fine");
        sys.symlink("c31", p("c32"));
        assertErrno(Errno.ELOOP, () -> sys.stat(p("c32")));
    }

    @Test
    void attrs() throws Exception {
        writeFile(sys, p("f"), bytes(1234, 4));
        int fd = sys.open(p("f"), O_RDWR);
        try {
            if (hasOwners()) {
                sys.chown(p("f"), 1000, 2000);
                sys.chmod(p("f"), 0751);
            }
            Instant at = Instant.ofEpochSecond(1_500_000_000L, 123_000);
            Instant mt = Instant.ofEpochSecond(1_400_000_000L, 456_000);
            sys.utimes(p("f"), at, mt);
            Stat st = sys.stat(p("f"));
            assertEquals(sys.fstat(fd), st);
            assertEquals(1234, st.size());
            assertTrue(st.isRegularFile());
            assertEquals(1, st.nlink());
            if (hasOwners()) {
                assertEquals(1000, st.uid());
                assertEquals(2000, st.gid());
                assertEquals(0751, st.perms());
            }
            assertEquals(at, st.atime());
            assertEquals(mt, st.mtime());
            assertEquals(fx.kernel().sys().statvfs(mp).fsid(), sys.statvfs(p("f")).fsid());
            assertEquals(st.dev(), sys.stat(mp).dev());
        } finally {
            sys.close(fd);
        }
    }

    @Test
    void fileTimes() throws Exception {
        writeFile(sys, p("f"), bytes(100, 5));
        sys.mkdir(p("d"), 0777);
        sys.utimes(p("f"), LONG_AGO, LONG_AGO);
        sys.utimes(p("d"), LONG_AGO, LONG_AGO);
        Stat s0 = sys.stat(p("f"));
        readFile(sys, p("f"));
        Stat s1 = sys.stat(p("f"));
        assertTrue(s1.atime().isAfter(LONG_AGO), "read sets atime");
        assertEquals(LONG_AGO, s1.mtime(), "read leaves mtime");
        int fd = sys.open(p("f"), O_WRONLY);
        sys.write(fd, ByteBuffer.wrap(new byte[] {1}));
        sys.close(fd);
        Stat s2 = sys.stat(p("f"));
        assertTrue(s2.mtime().isAfter(LONG_AGO), "write sets mtime");
        assertFalse(s2.ctime().isBefore(s2.mtime()), "write sets ctime");
        sys.utimes(p("f"), LONG_AGO, LONG_AGO);
        sys.truncate(p("f"), 10);
        assertTrue(sys.stat(p("f")).mtime().isAfter(LONG_AGO), "truncate sets mtime");
        Instant c = sys.stat(p("f")).ctime();
        sys.chmod(p("f"), 0600);
        assertFalse(sys.stat(p("f")).ctime().isBefore(c), "chmod sets ctime");
        touch(p("d/new"));
        assertTrue(sys.stat(p("d")).mtime().isAfter(LONG_AGO), "create sets the parent's mtime");
        sys.utimes(p("d"), LONG_AGO, LONG_AGO);
        sys.unlink(p("d/new"));
        assertTrue(sys.stat(p("d")).mtime().isAfter(LONG_AGO), "unlink sets the parent's mtime");
        assertTrue(sys.stat(p("d")).ctime().isAfter(LONG_AGO));
        sys.utimes(p("f"), null, null);
        assertTrue(sys.stat(p("f")).mtime().isAfter(LONG_AGO), "utimes(NULL) is now");
        assertTrue(s0.ctime().compareTo(sys.stat(p("f")).ctime()) <= 0);
    }

    /** What the file system keeps of {@code t}: itself, or the limit it is beyond (Linux's timestamp_truncate). */
    private Instant kept(Instant t) {
        if (t.isBefore(earliestTime())) {
            return earliestTime();
        }
        return t.isAfter(latestTime()) ? latestTime() : t;
    }

    /** Times past 2262 (where nanoseconds since the epoch overflow a long) and before 1901 go through utimes and stat. */
    @Test
    void farTimes() throws Exception {
        touch(p("f"));
        Instant future = Instant.parse("2300-01-01T00:00:00.25Z");
        Instant past = Instant.parse("1800-06-01T12:00:00.5Z");
        sys.utimes(p("f"), past, future);
        Stat s = sys.stat(p("f"));
        assertEquals(kept(future), s.mtime());
        assertEquals(kept(past), s.atime());
        sys.utimes(p("f"), Instant.MAX, Instant.MIN);
        s = sys.stat(p("f"));
        assertEquals(kept(Instant.MAX), s.atime());
        assertEquals(kept(Instant.MIN), s.mtime());
        Instant late = Instant.parse("2100-02-03T04:05:06.123456789Z");
        sys.utimes(p("f"), late, late);
        assertEquals(kept(late), sys.stat(p("f")).mtime(), "past 2038 with nanoseconds");
        check();
    }

    /** mknod(2): FIFOs, sockets and device nodes (large numbers included), with Linux's errors. */
    @Test
    void mknodMakesSpecialFiles() throws Exception {
        assumeTrue(hasSpecialFiles());
        long small = io.jrump.api.DeviceNumber.of(1, 3);
        long large = io.jrump.api.DeviceNumber.of(300, 70000);
        sys.umask(0);
        sys.mknod(p("fifo"), FileMode.S_IFIFO | 0640, 0);
        sys.mknod(p("sock"), FileMode.S_IFSOCK | 0600, 0);
        sys.mknod(p("null"), FileMode.S_IFCHR | 0666, small);
        sys.mknod(p("disk"), FileMode.S_IFBLK | 0660, large);
        sys.mknod(p("plain"), 0644, 0);
        Stat fifo = sys.stat(p("fifo"));
        assertEquals(FileMode.S_IFIFO | 0640, fifo.mode());
        assertEquals(0, fifo.rdev());
        assertEquals(FileMode.S_IFSOCK, sys.stat(p("sock")).mode() & FileMode.S_IFMT);
        Stat chr = sys.stat(p("null"));
        assertEquals(FileMode.S_IFCHR | 0666, chr.mode());
        assertEquals(small, chr.rdev());
        assertTrue(chr.isDevice());
        Stat blk = sys.stat(p("disk"));
        assertEquals(FileMode.S_IFBLK | 0660, blk.mode());
        assertEquals(300, io.jrump.api.DeviceNumber.major(blk.rdev()));
        assertEquals(70000, io.jrump.api.DeviceNumber.minor(blk.rdev()));
        assertEquals(1, blk.nlink());
        assertTrue(sys.stat(p("plain")).isRegularFile());
        for (DirEntry e : sys.readdir(mp)) {
            switch (e.name()) {
                case "fifo" -> assertEquals(FileMode.DT_FIFO, e.type());
                case "sock" -> assertEquals(FileMode.DT_SOCK, e.type());
                case "null" -> assertEquals(FileMode.DT_CHR, e.type());
                case "disk" -> assertEquals(FileMode.DT_BLK, e.type());
                default -> { }
            }
        }
        assertErrno(Errno.EEXIST, () -> sys.mknod(p("fifo"), FileMode.S_IFIFO | 0600, 0));
        assertErrno(Errno.EPERM, () -> sys.mknod(p("dir"), FileMode.S_IFDIR | 0755, 0));
        assertErrno(Errno.EINVAL, () -> sys.mknod(p("link"), FileMode.S_IFLNK | 0777, 0));
        assertErrno(Errno.ENOENT, () -> sys.mknod(p("missing/fifo"), FileMode.S_IFIFO | 0600, 0));
        if (hasOwners()) {
            sys.mkdir(p("open"), 0777);
            Syscalls alice = as(ALICE);
            assertErrno(Errno.EPERM, () -> alice.mknod(p("open/dev"), FileMode.S_IFCHR | 0600, small));
            alice.umask(027);
            alice.mkfifo(p("open/fifo"), 0666);
            Stat af = sys.stat(p("open/fifo"));
            assertEquals(1000, af.uid());
            assertEquals(0640, af.perms(), "the umask applies");
        }
        sys.link(p("fifo"), p("fifo2"));
        assertEquals(2, sys.stat(p("fifo")).nlink());
        for (String n : List.of("fifo", "fifo2", "sock", "null", "disk", "plain")) {
            sys.unlink(p(n));
        }
        check();
    }

    @Test
    void accessSimple() throws Exception {
        assumeTrue(hasOwners(), "this file system has no owners");
        writeFile(sys, p("f"), bytes(1, 1));
        sys.chmod(p("f"), 0644);
        sys.access(p("f"), Fcntl.F_OK);
        sys.access(p("f"), Fcntl.R_OK | Fcntl.W_OK);
        assertErrno(Errno.EACCES, () -> sys.access(p("f"), Fcntl.X_OK));
        sys.chmod(p("f"), 0001);
        sys.access(p("f"), Fcntl.X_OK);
        assertErrno(Errno.ENOENT, () -> sys.access(p("nothing"), Fcntl.F_OK));
        sys.chmod(p("f"), 0644);
        Syscalls alice = as(ALICE);
        alice.access(p("f"), Fcntl.R_OK);
        assertErrno(Errno.EACCES, () -> alice.access(p("f"), Fcntl.W_OK));
        assertErrno(Errno.EACCES, () -> alice.open(p("f"), O_WRONLY));
    }

    @Test
    void readDirectory() throws Exception {
        sys.mkdir(p("d"), 0777);
        touch(p("d/file"));
        sys.mkdir(p("d/sub"), 0777);
        if (hasSymlinks()) {
            sys.symlink("file", p("d/link"));
        }
        List<DirEntry> entries = sys.readdir(p("d"));
        Set<String> seen = new HashSet<>();
        for (DirEntry e : entries) {
            assertTrue(seen.add(e.name()), "listed once: " + e.name());
            switch (e.name()) {
                case ".", "..", "sub" -> assertEquals(FileMode.DT_DIR, e.type());
                case "file" -> assertEquals(FileMode.DT_REG, e.type());
                case "link" -> assertEquals(FileMode.DT_LNK, e.type());
                default -> throw new AssertionError("unexpected " + e.name());
            }
        }
        assertEquals(hasSymlinks() ? 5 : 4, entries.size());
        assertEquals(sys.stat(p("d")).ino(), entries.stream().filter(e -> e.name().equals(".")).findFirst().orElseThrow().ino());
        assertEquals(sys.stat(mp).ino(), entries.stream().filter(e -> e.name().equals("..")).findFirst().orElseThrow().ino());
    }

    @Test
    void readDirectoryWhileChanging() throws Exception {
        sys.mkdir(p("d"), 0777);
        for (int i = 0; i < 300; i++) {
            touch(p("d/f" + i));
        }
        int fd = sys.open(p("d"), O_RDONLY | O_DIRECTORY);
        Set<String> seen = new HashSet<>();
        List<DirEntry> batch = sys.getdents(fd);
        for (DirEntry e : batch) {
            seen.add(e.name());
        }
        for (int i = 0; i < 300; i += 3) {
            String name = "f" + i;
            if (!seen.contains(name)) {
                sys.unlink(p("d/" + name));
            }
        }
        touch(p("d/late"));
        while (!(batch = sys.getdents(fd)).isEmpty()) {
            for (DirEntry e : batch) {
                assertTrue(seen.add(e.name()), "returned twice: " + e.name());
            }
        }
        sys.close(fd);
        for (int i = 0; i < 300; i++) {
            if (i % 3 != 0) {
                assertTrue(seen.contains("f" + i), "an entry that stayed was not skipped: f" + i);
            }
        }
    }

    @Test
    void lstatSymlink() throws Exception {
        assumeTrue(hasSymlinks(), "this file system has no symbolic links");
        writeFile(sys, p("target"), bytes(77, 1));
        sys.symlink("target", p("link"));
        Stat l = sys.lstat(p("link"));
        assertTrue(l.isSymlink());
        assertEquals("target".length(), l.size());
        Stat s = sys.stat(p("link"));
        assertTrue(s.isRegularFile());
        assertEquals(77, s.size());
        assertEquals(sys.stat(p("target")).ino(), s.ino());
        assertNotEquals(l.ino(), s.ino());
    }

    @Test
    void linkCounts() throws Exception {
        assumeTrue(hasHardLinks(), "this file system has no hard links");
        writeFile(sys, p("a"), bytes(10, 1));
        sys.utimes(p("a"), LONG_AGO, LONG_AGO);
        sys.link(p("a"), p("b"));
        assertEquals(2, sys.stat(p("a")).nlink());
        assertTrue(sys.stat(p("a")).ctime().isAfter(LONG_AGO), "link sets ctime");
        assertEquals(sys.stat(p("a")).ino(), sys.stat(p("b")).ino());
        sys.mkdir(p("d"), 0777);
        assertErrno(Errno.EPERM, () -> sys.link(p("d"), p("dlink")));
        assertErrno(Errno.EEXIST, () -> sys.link(p("a"), p("b")));
        assertErrno(Errno.ENOENT, () -> sys.link(p("missing"), p("c")));
        sys.unlink(p("a"));
        assertEquals(1, sys.stat(p("b")).nlink());
        assertArrayEquals(bytes(10, 1), readFile(sys, p("b")));
        sys.mkdir(p("d/e"), 0777);
        assertEquals(3, sys.stat(p("d")).nlink());
        sys.rmdir(p("d/e"));
        assertEquals(2, sys.stat(p("d")).nlink());
        check();
    }

    @Test
    void unlinkAndRmdirWrongType() throws Exception {
        sys.mkdir(p("d"), 0777);
        touch(p("f"));
        assertErrno(Errno.EISDIR, () -> sys.unlink(p("d")));
        assertErrno(Errno.ENOTDIR, () -> sys.rmdir(p("f")));
        assertErrno(Errno.ENOTDIR, () -> sys.unlink(p("f/")));
        assertErrno(Errno.ENOENT, () -> sys.unlink(p("nothing")));
        assertErrno(Errno.ENOENT, () -> sys.rmdir(p("nothing")));
    }

    // ================= t_io.c =================

    @Test
    void holywrite() throws Exception {
        int fd = sys.open(p("sparse"), O_CREAT | O_RDWR, 0644);
        byte[] a = bytes(100, 1);
        byte[] b = bytes(300, 2);
        pwrite(sys, fd, a, 0);
        long far = 5L * PAGE + 123;
        pwrite(sys, fd, b, far);
        Stat st = sys.fstat(fd);
        assertEquals(far + 300, st.size());
        byte[] all = pread(sys, fd, (int) st.size() + 10, 0);
        assertEquals(st.size(), all.length);
        for (int i = 0; i < all.length; i++) {
            byte want = i < 100 ? a[i] : i >= far ? b[(int) (i - far)] : 0;
            assertEquals(want, all[i], "byte " + i);
        }
        assertTrue(st.blocks() * 512 < st.size(), "holes take no space: " + st.blocks() + " blocks");
        sys.close(fd);
    }

    @Test
    void extendfile() throws Exception {
        int fd = sys.open(p("f"), O_CREAT | O_RDWR, 0644);
        sys.ftruncate(fd, 3L * PAGE + 7);
        Stat st = sys.fstat(fd);
        assertEquals(3L * PAGE + 7, st.size());
        assertEquals(0, st.blocks(), "extending allocates nothing");
        assertArrayEquals(new byte[3 * PAGE + 7], readAll(sys, fd));
        assertEquals(0, sys.lseek(fd, 0, Fcntl.SEEK_CUR) - 3L * PAGE - 7);
        sys.close(fd);
    }

    @Test
    void overwrite() throws Exception {
        byte[] data = bytes(3 * PAGE, 9);
        writeFile(sys, p("f"), data);
        int fd = sys.open(p("f"), O_RDWR);
        byte[] patch = bytes(PAGE + 10, 4);
        pwrite(sys, fd, patch, PAGE - 5);
        System.arraycopy(patch, 0, data, PAGE - 5, patch.length);
        assertArrayEquals(data, pread(sys, fd, data.length + 1, 0));
        assertEquals(3L * PAGE, sys.fstat(fd).size());
        sys.close(fd);
    }

    @Test
    void shrinkfile() throws Exception {
        writeFile(sys, p("f"), bytes(3 * PAGE, 8));
        sys.truncate(p("f"), PAGE + 100);
        assertEquals(PAGE + 100, sys.stat(p("f")).size());
        sys.truncate(p("f"), 2L * PAGE);
        byte[] back = readFile(sys, p("f"));
        byte[] want = new byte[2 * PAGE];
        System.arraycopy(bytes(3 * PAGE, 8), 0, want, 0, PAGE + 100);
        assertArrayEquals(want, back, "data past a shrink reads as zeros after growing again");
        sys.truncate(p("f"), 0);
        assertEquals(0, sys.stat(p("f")).size());
        assertEquals(0, readFile(sys, p("f")).length);
    }

    @Test
    void readAfterUnlink() throws Exception {
        writeFile(sys, p("f"), bytes(2 * PAGE + 1, 6));
        int fd = sys.open(p("f"), O_RDWR);
        sys.unlink(p("f"));
        assertErrno(Errno.ENOENT, () -> sys.stat(p("f")));
        assertArrayEquals(bytes(2 * PAGE + 1, 6), pread(sys, fd, 3 * PAGE, 0));
        pwrite(sys, fd, bytes(10, 7), 0);
        assertEquals(0, sys.fstat(fd).nlink());
        sys.close(fd);
    }

    @Test
    void appendAndOffsets() throws Exception {
        writeFile(sys, p("f"), bytes(10, 1));
        int fd = sys.open(p("f"), O_WRONLY | O_APPEND);
        sys.lseek(fd, 0, Fcntl.SEEK_SET);
        sys.write(fd, ByteBuffer.wrap(bytes(5, 2)));
        assertEquals(15, sys.fstat(fd).size());
        assertEquals(15, sys.lseek(fd, 0, Fcntl.SEEK_CUR));
        sys.close(fd);
        int rd = sys.open(p("f"), O_RDONLY);
        assertEquals(15, sys.lseek(rd, 0, Fcntl.SEEK_END));
        assertEquals(20, sys.lseek(rd, 5, Fcntl.SEEK_END));
        assertEquals(0, sys.read(rd, ByteBuffer.allocate(10)));
        assertErrno(Errno.EINVAL, () -> sys.lseek(rd, -100, Fcntl.SEEK_SET));
        assertErrno(Errno.EINVAL, () -> sys.lseek(rd, -16, Fcntl.SEEK_END));
        assertEquals(20, sys.lseek(rd, 0, Fcntl.SEEK_CUR), "a failed lseek leaves the offset");
        sys.close(rd);
        int tr = sys.open(p("f"), O_WRONLY | O_TRUNC);
        assertEquals(0, sys.fstat(tr).size());
        sys.close(tr);
    }

    @Test
    @Timeout(60)
    void concurrentAppendsDoNotTear() throws Exception {
        int threads = 4;
        int records = 300;
        int size = 100;
        sys.close(sys.open(p("log"), O_CREAT | O_WRONLY, 0644));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    int fd = sys.open(p("log"), O_WRONLY | O_APPEND);
                    byte[] rec = new byte[size];
                    java.util.Arrays.fill(rec, (byte) ('A' + id));
                    for (int i = 0; i < records; i++) {
                        sys.write(fd, ByteBuffer.wrap(rec));
                    }
                    sys.close(fd);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        byte[] all = readFile(sys, p("log"));
        assertEquals(threads * records * size, all.length);
        for (int r = 0; r < all.length; r += size) {
            for (int i = 1; i < size; i++) {
                assertEquals(all[r], all[r + i], "record at " + r + " is torn");
            }
        }
    }

    // ================= t_unpriv.c =================

    @Test
    void unprivOwner() throws Exception {
        assumeTrue(hasOwners(), "this file system has no owners");
        touch(p("rootfile"));
        Syscalls alice = as(ALICE);
        assertErrno(Errno.EPERM, () -> alice.chmod(p("rootfile"), 0777));
        assertErrno(Errno.EPERM, () -> alice.chown(p("rootfile"), 1000, 1000));
        assertErrno(Errno.EPERM, () -> alice.utimes(p("rootfile"), LONG_AGO, LONG_AGO));
        assertErrno(Errno.EACCES, () -> alice.utimes(p("rootfile"), null, null));
        sys.chown(p("rootfile"), 1000, 1000);
        alice.chmod(p("rootfile"), 0600);
        alice.utimes(p("rootfile"), LONG_AGO, LONG_AGO);
        assertEquals(LONG_AGO, sys.stat(p("rootfile")).mtime());
        assertErrno(Errno.EPERM, () -> alice.chown(p("rootfile"), 0, -1));
        assertErrno(Errno.EPERM, () -> alice.chown(p("rootfile"), -1, 0));
        alice.chown(p("rootfile"), -1, 1000);
        assertEquals(0600, sys.stat(p("rootfile")).perms());
    }

    @Test
    void unprivChgrpToOwnGroup() throws Exception {
        assumeTrue(hasOwners(), "this file system has no owners");
        sys.chmod(mp, 0777);
        Syscalls carol = as(Credentials.of(1002, 1002, 3000));
        carol.close(carol.open(p("f"), O_CREAT | O_WRONLY, 0644));
        assertEquals(1002, sys.stat(p("f")).gid());
        carol.chown(p("f"), -1, 3000);
        assertEquals(3000, sys.stat(p("f")).gid());
        assertErrno(Errno.EPERM, () -> carol.chown(p("f"), -1, 4000));
    }

    @Test
    void unprivDirperms() throws Exception {
        assumeTrue(hasOwners(), "this file system has no owners");
        sys.mkdir(p("private"), 0700);
        touch(p("private/secret"));
        Syscalls alice = as(ALICE);
        assertErrno(Errno.EACCES, () -> alice.stat(p("private/secret")));
        assertErrno(Errno.EACCES, () -> alice.open(p("private/new"), O_CREAT | O_WRONLY, 0644));
        assertErrno(Errno.EACCES, () -> alice.readdir(p("private")));
        assertErrno(Errno.EACCES, () -> alice.chdir(p("private")));
        sys.chmod(p("private"), 0711);
        alice.stat(p("private/secret"));
        assertErrno(Errno.EACCES, () -> alice.readdir(p("private")));
        assertErrno(Errno.EACCES, () -> alice.unlink(p("private/secret")));
        assertErrno(Errno.EACCES, () -> alice.mkdir(p("private/x"), 0777));
        sys.chmod(p("private"), 0733);
        alice.mkdir(p("private/x"), 0777);
        alice.unlink(p("private/secret"));
        assertEquals(1000, sys.stat(p("private/x")).uid());
    }

    @Test
    void unprivTimes() throws Exception {
        assumeTrue(hasOwners(), "this file system has no owners");
        touch(p("f"));
        sys.chmod(p("f"), 0666);
        Syscalls alice = as(ALICE);
        sys.utimes(p("f"), LONG_AGO, LONG_AGO);
        alice.utimes(p("f"), null, null);
        assertTrue(sys.stat(p("f")).mtime().isAfter(LONG_AGO), "a writer may set times to now");
        assertErrno(Errno.EPERM, () -> alice.utimes(p("f"), LONG_AGO, LONG_AGO));
    }

    @Test
    void ownerBitsApplyEvenWhenOthersAllow() throws Exception {
        assumeTrue(hasOwners(), "this file system has no owners");
        touch(p("f"));
        sys.chown(p("f"), 1000, 1000);
        sys.chmod(p("f"), 0077);
        assertErrno(Errno.EACCES, () -> as(ALICE).open(p("f"), O_RDONLY));
        Syscalls bob = as(BOB);
        bob.close(bob.open(p("f"), O_RDONLY));
    }

    @Test
    void rootMayNotExecWithoutAnyXBit() throws Exception {
        assumeTrue(hasOwners(), "this file system has no owners");
        touch(p("f"));
        sys.chmod(p("f"), 0666);
        assertErrno(Errno.EACCES, () -> sys.access(p("f"), Fcntl.X_OK));
        sys.chmod(p("f"), 0000);
        sys.access(p("f"), Fcntl.R_OK | Fcntl.W_OK);
        sys.close(sys.open(p("f"), O_RDWR));
        sys.chmod(p("f"), 0010);
        sys.access(p("f"), Fcntl.X_OK);
    }

    @Test
    void stickyDirectory() throws Exception {
        assumeTrue(hasOwners(), "this file system has no owners");
        sys.mkdir(p("tmp"), 0777);
        sys.chmod(p("tmp"), 01777);
        Syscalls alice = as(ALICE);
        Syscalls bob = as(BOB);
        alice.close(alice.open(p("tmp/alices"), O_CREAT | O_WRONLY, 0666));
        assertErrno(Errno.EPERM, () -> bob.unlink(p("tmp/alices")));
        assertErrno(Errno.EPERM, () -> bob.rename(p("tmp/alices"), p("tmp/bobs")));
        bob.close(bob.open(p("tmp/bobs"), O_CREAT | O_WRONLY, 0666));
        assertErrno(Errno.EPERM, () -> bob.rename(p("tmp/bobs"), p("tmp/alices")));
        alice.unlink(p("tmp/alices"));
        sys.unlink(p("tmp/bobs"));
    }

    @Test
    void setIdBits() throws Exception {
        assumeTrue(hasOwners(), "this file system has no owners");
        sys.chmod(mp, 0777);
        Syscalls alice = as(ALICE);
        alice.close(alice.open(p("prog"), O_CREAT | O_WRONLY, 0755));
        alice.chmod(p("prog"), 06755);
        assertEquals(06755, sys.stat(p("prog")).perms());
        int fd = alice.open(p("prog"), O_WRONLY);
        alice.write(fd, ByteBuffer.wrap(new byte[] {1}));
        alice.close(fd);
        assertEquals(0755, sys.stat(p("prog")).perms(), "a write clears set-id bits");
        sys.chown(p("prog"), 1000, 0);
        alice.chmod(p("prog"), 02755);
        assertEquals(0755, sys.stat(p("prog")).perms(), "sgid needs membership in the file's group");
        sys.chmod(p("prog"), 06755);
        sys.chown(p("prog"), 1000, 1000);
        assertEquals(0755, sys.stat(p("prog")).perms(), "chown clears set-id bits of a group-executable file");
        sys.mkdir(p("shared"), 0777);
        sys.chown(p("shared"), 0, 500);
        sys.chmod(p("shared"), 02777);
        alice.mkdir(p("shared/sub"), 0755);
        Stat sub = sys.stat(p("shared/sub"));
        assertEquals(500, sub.gid(), "a set-gid directory gives its group");
        assertTrue((sub.perms() & FileMode.S_ISGID) != 0, "and its bit to subdirectories");
    }

    @Test
    void umaskApplies() throws Exception {
        sys.umask(027);
        sys.close(sys.open(p("f"), O_CREAT | O_WRONLY, 0777));
        sys.mkdir(p("d"), 0777);
        if (hasOwners()) {
            assertEquals(0750, sys.stat(p("f")).perms());
            assertEquals(0750, sys.stat(p("d")).perms());
        }
    }

    // ================= bad input =================

    @Test
    void badPaths() throws Exception {
        touch(p("file"));
        assertErrno(Errno.ENOENT, () -> sys.stat(""));
        assertErrno(Errno.EINVAL, () -> sys.stat(p("a\0b")));
        assertErrno(Errno.ENAMETOOLONG, () -> sys.stat("/" + "a/".repeat(2048)));
        assertErrno(Errno.ENAMETOOLONG, () -> sys.stat(p(repeat('z', 256))));
        assertErrno(Errno.ENOENT, () -> sys.stat(p("missing/x")));
        assertErrno(Errno.ENOTDIR, () -> sys.stat(p("file/x")));
        assertErrno(Errno.ENOTDIR, () -> sys.stat(p("file/")));
        assertErrno(Errno.ENOTDIR, () -> sys.open(p("file/"), O_RDONLY));
        assertErrno(Errno.EISDIR, () -> sys.open(p("newfile/"), O_CREAT | O_WRONLY, 0644));
        assertErrno(Errno.ENOENT, () -> sys.stat(p("newfile")));
        assertErrno(Errno.ENOTDIR, () -> sys.open(p("file"), O_RDONLY | O_DIRECTORY));
        assertErrno(Errno.EISDIR, () -> sys.open(mp, O_WRONLY));
        assertErrno(Errno.EISDIR, () -> sys.open(mp, O_RDWR));
        assertErrno(Errno.ENOENT, () -> sys.open(p("missing"), O_RDONLY));
        String longButLegal = "/" + "./".repeat(2046);
        assertTrue(sys.stat(longButLegal).isDirectory(), "4093 bytes is a legal path");
        check();
    }

    @Test
    void dotdotAtRootStaysAtRoot() throws Exception {
        Stat root = sys.stat("/");
        assertEquals(root.ino(), sys.stat("/..").ino());
        assertEquals(root.dev(), sys.stat("/../../..").dev());
        sys.chdir("/");
        assertEquals("/", sys.getcwd());
        sys.chdir("../..");
        assertEquals("/", sys.getcwd());
    }

    @Test
    void openFlagsOnSymlinks() throws Exception {
        assumeTrue(hasSymlinks(), "this file system has no symbolic links");
        writeFile(sys, p("target"), bytes(5, 5));
        sys.symlink("target", p("link"));
        sys.symlink("absent", p("dangling"));
        assertErrno(Errno.ELOOP, () -> sys.open(p("link"), O_RDONLY | O_NOFOLLOW));
        assertErrno(Errno.EEXIST, () -> sys.open(p("dangling"), O_CREAT | O_EXCL | O_WRONLY, 0644));
        assertErrno(Errno.ENOENT, () -> sys.stat(p("absent")), "O_EXCL did not follow the link");
        assertErrno(Errno.ELOOP, () -> sys.open(p("dangling"), O_CREAT | O_NOFOLLOW | O_WRONLY, 0644));
        sys.close(sys.open(p("dangling"), O_CREAT | O_WRONLY, 0600));
        assertTrue(sys.stat(p("absent")).isRegularFile(), "O_CREAT through a dangling link creates its target");
        assertArrayEquals(bytes(5, 5), readFile(sys, p("link")));
    }

    @Test
    void badArgumentsOnDescriptors() throws Exception {
        int fd = sys.open(p("f"), O_CREAT | O_RDWR, 0644);
        assertErrno(Errno.EINVAL, () -> sys.pread(fd, ByteBuffer.allocate(1), -1));
        assertErrno(Errno.EINVAL, () -> sys.pwrite(fd, ByteBuffer.allocate(1), -1));
        assertErrno(Errno.EINVAL, () -> sys.ftruncate(fd, -1));
        assertErrno(Errno.EINVAL, () -> sys.truncate(p("f"), -1));
        assertErrno(Errno.EINVAL, () -> sys.lseek(fd, 0, 99));
        assertErrno(Errno.ENOTDIR, () -> sys.getdents(fd));
        assertErrno(Errno.EISDIR, () -> sys.truncate(mp, 0));
        int ro = sys.open(p("f"), O_RDONLY);
        assertErrno(Errno.EINVAL, () -> sys.ftruncate(ro, 0));
        int dir = sys.open(mp, O_RDONLY);
        assertErrno(Errno.EISDIR, () -> sys.read(dir, ByteBuffer.allocate(10)));
        assertEquals(0, sys.fstat(fd).size(), "nothing changed");
        sys.close(dir);
        sys.close(ro);
        sys.close(fd);
        check();
    }

    @Test
    void bigOffsetsAreRefusedNotCrashing() throws Exception {
        int fd = sys.open(p("f"), O_CREAT | O_RDWR, 0644);
        ErrnoException e = org.junit.jupiter.api.Assertions.assertThrows(ErrnoException.class,
                () -> sys.pwrite(fd, ByteBuffer.wrap(new byte[10]), Long.MAX_VALUE - 5));
        assertTrue(e.errno() == Errno.EFBIG || e.errno() == Errno.EINVAL, e.getMessage());
        assertEquals(0, sys.pread(fd, ByteBuffer.allocate(10), Long.MAX_VALUE - 5));
        ErrnoException t = org.junit.jupiter.api.Assertions.assertThrows(ErrnoException.class, () -> sys.ftruncate(fd, Long.MAX_VALUE));
        assertTrue(t.errno() == Errno.EFBIG || t.errno() == Errno.EINVAL, t.getMessage());
        assertEquals(0, sys.fstat(fd).size());
        sys.close(fd);
    }

    // ================= t_vfsops.c, t_ro.c: mounts =================

    @Test
    void mountCoversAndDotdotCrossesUp() throws Exception {
        sys.mkdir(p("sub"), 0777);
        touch(p("sub/hidden"));
        long coveredIno = sys.stat(p("sub")).ino();
        sys.mount("tmpfs", p("sub"), "tmpfs", 0, "size=1m");
        assertErrno(Errno.ENOENT, () -> sys.stat(p("sub/hidden")));
        Stat inner = sys.stat(p("sub"));
        assertNotEquals(sys.stat(mp).dev(), inner.dev(), "another device");
        assertEquals(sys.stat(mp).ino(), sys.stat(p("sub/..")).ino(), "'..' of a mounted root is the covered directory's parent");
        touch(p("sub/inside"));
        sys.chdir(p("sub"));
        assertEquals(p("sub"), sys.getcwd());
        sys.chdir("/");
        assertErrno(Errno.EXDEV, () -> sys.rename(p("sub/inside"), p("outside")));
        if (hasHardLinks()) {
            assertErrno(Errno.EXDEV, () -> sys.link(p("sub/inside"), p("outside")));
        }
        assertErrno(Errno.EBUSY, () -> sys.rmdir(p("sub")));
        assertErrno(Errno.EBUSY, () -> sys.rename(p("sub"), p("sub2")));
        sys.unmount(p("sub"), 0);
        assertTrue(sys.stat(p("sub/hidden")).isRegularFile());
        assertEquals(coveredIno, sys.stat(p("sub")).ino());
        assertErrno(Errno.ENOENT, () -> sys.stat(p("sub/inside")));
        check();
    }

    @Test
    void unmountBusy() throws Exception {
        sys.mkdir(p("m"), 0777);
        sys.mount("tmpfs", p("m"), "tmpfs", 0, null);
        int fd = sys.open(p("m/f"), O_CREAT | O_WRONLY, 0644);
        assertErrno(Errno.EBUSY, () -> sys.unmount(p("m"), 0));
        sys.close(fd);
        RumpProcess shell = kernel.spawn(Credentials.ROOT);
        shell.sys().chdir(p("m"));
        assertErrno(Errno.EBUSY, () -> sys.unmount(p("m"), 0));
        shell.sys().chdir("/");
        sys.mkdir(p("m/inner"), 0777);
        sys.mount("tmpfs", p("m/inner"), "tmpfs", 0, null);
        assertErrno(Errno.EBUSY, () -> sys.unmount(p("m"), 0));
        sys.unmount(p("m/inner"), 0);
        sys.unmount(p("m"), 0);
        assertErrno(Errno.EINVAL, () -> sys.unmount(p("m"), 0));
        shell.close();
    }

    @Test
    void unmountForce() throws Exception {
        sys.mkdir(p("m"), 0777);
        sys.mount("tmpfs", p("m"), "tmpfs", 0, null);
        sys.mkdir(p("m/inner"), 0777);
        sys.mount("tmpfs", p("m/inner"), "tmpfs", 0, null);
        int fd = sys.open(p("m/inner/f"), O_CREAT | O_RDWR, 0644);
        sys.unmount(p("m"), MountFlags.MNT_FORCE);
        assertEquals(sys.stat(mp).dev(), sys.stat(p("m")).dev(), "the covered directory is back");
        pwrite(sys, fd, bytes(3, 3), 0);
        assertArrayEquals(bytes(3, 3), pread(sys, fd, 3, 0), "an open file still works");
        sys.close(fd);
    }

    @Test
    void mountErrors() throws Exception {
        sys.mkdir(p("m"), 0777);
        touch(p("file"));
        assertErrno(Errno.ENODEV, () -> sys.mount("x", p("m"), "nosuchfs", 0, null));
        assertErrno(Errno.ENOTDIR, () -> sys.mount("tmpfs", p("file"), "tmpfs", 0, null));
        assertErrno(Errno.ENOENT, () -> sys.mount("tmpfs", p("missing"), "tmpfs", 0, null));
        assertErrno(Errno.EINVAL, () -> sys.mount("tmpfs", p("m"), "tmpfs", 0, "size=lots"));
        assertErrno(Errno.EINVAL, () -> sys.mount("tmpfs", p("m"), "tmpfs", 0, "colour=blue"));
        assertErrno(Errno.EINVAL, () -> sys.unmount(p("m"), 0));
        Syscalls alice = as(ALICE);
        assertErrno(Errno.EPERM, () -> alice.mount("tmpfs", p("m"), "tmpfs", 0, null));
        sys.mount("tmpfs", p("m"), "tmpfs", 0, null);
        assertErrno(Errno.EPERM, () -> alice.unmount(p("m"), 0));
        assertErrno(Errno.EBUSY, () -> sys.mount("tmpfs", p("m"), "tmpfs", 0, null));
        assertErrno(Errno.EBUSY, () -> sys.unmount("/", 0));
        sys.unmount(p("m"), 0);
    }

    @Test
    void statvfsPerMount() throws Exception {
        sys.mkdir(p("small"), 0777);
        sys.mount("tmpfs", p("small"), "tmpfs", 0, "size=1m");
        StatVfs s = sys.statvfs(p("small"));
        assertEquals(1 << 20, s.blocks() * s.frsize());
        assertEquals(s.blocks(), s.bfree());
        assertEquals("tmpfs", s.fstype());
        assertEquals(0, s.flag() & MountOps_ST_RDONLY);
        assertNotEquals(sys.statvfs(mp).fsid(), s.fsid());
        writeFile(sys, p("small/f"), bytes(10 * PAGE, 1));
        StatVfs t = sys.statvfs(p("small/f"));
        assertEquals(s.bfree() - 10, t.bfree());
        assertEquals(s.ffree() - 1, t.ffree());
        sys.mkdir(p("ro"), 0777);
        sys.mount("tmpfs", p("ro"), "tmpfs", MountFlags.MNT_RDONLY, null);
        assertEquals(MountOps_ST_RDONLY, sys.statvfs(p("ro")).flag() & MountOps_ST_RDONLY);
    }

    /** statvfs f_flag ST_RDONLY (sys/statvfs.h). */
    private static final long MountOps_ST_RDONLY = 1;

    @Test
    void readOnlyMount() throws Exception {
        use(mountFresh(0, MountFlags.MNT_RDONLY));
        assertErrno(Errno.EROFS, () -> sys.open(p("f"), O_CREAT | O_WRONLY, 0644));
        assertErrno(Errno.EROFS, () -> sys.mkdir(p("d"), 0777));
        if (hasSymlinks()) {
            assertErrno(Errno.EROFS, () -> sys.symlink("x", p("l")));
        }
        assertErrno(Errno.EROFS, () -> sys.chmod(mp, 0700));
        assertErrno(Errno.EROFS, () -> sys.chown(mp, 1, 1));
        assertErrno(Errno.EROFS, () -> sys.utimes(mp, null, null));
        assertErrno(Errno.EROFS, () -> sys.access(mp, Fcntl.W_OK));
        sys.access(mp, Fcntl.R_OK);
        sys.close(sys.open(mp, O_RDONLY));
        assertEquals(2, sys.readdir(mp).size());
        assertEquals(MountOps_ST_RDONLY, sys.statvfs(mp).flag() & MountOps_ST_RDONLY);
    }

    // ================= t_full.c =================

    @Test
    void fillfs() throws Exception {
        assumeTrue(hasSizeLimit(), "the fill-the-disk cases count tmpfs figures; this file system is filled by its own tests");
        use(mountFresh(1 << 20, 0));
        int fd = sys.open(p("big"), O_CREAT | O_WRONLY, 0644);
        byte[] chunk = bytes(3 * PAGE + 100, 1);
        long written = 0;
        boolean partial = false;
        ErrnoException full = null;
        while (full == null) {
            try {
                ByteBuffer b = ByteBuffer.wrap(chunk);
                int n = sys.write(fd, b);
                assertTrue(n > 0 && n <= chunk.length);
                partial |= n < chunk.length;
                assertEquals(n, b.position(), "the buffer advanced by what was written");
                written += n;
                assertTrue(written <= 1 << 20, "wrote past the limit: " + written);
            } catch (ErrnoException e) {
                full = e;
            }
        }
        assertEquals(Errno.ENOSPC, full.errno());
        assertTrue(partial, "the write that hit the limit returned what fit");
        assertTrue(written > (1 << 20) - 64 * PAGE, "the space was usable: " + written);
        assertEquals(written, sys.fstat(fd).size(), "the file holds exactly what was written");
        assertEquals(0, sys.statvfs(mp).bfree());
        int fd2 = sys.open(p("small"), O_CREAT | O_WRONLY, 0644);
        assertErrno(Errno.ENOSPC, () -> sys.write(fd2, ByteBuffer.wrap(new byte[1])));
        assertEquals(0, sys.fstat(fd2).size());
        sys.close(fd2);
        sys.close(fd);
        assertArrayEquals(java.util.Arrays.copyOf(readFile(sys, p("big")), chunk.length), chunk);
        sys.unlink(p("big"));
        StatVfs after = sys.statvfs(mp);
        assertEquals(after.blocks(), after.bfree(), "space came back");
        writeFile(sys, p("again"), bytes(512 * 1024, 2));
        assertArrayEquals(bytes(512 * 1024, 2), readFile(sys, p("again")));
        check();
    }

    @Test
    void fillfsWithInodes() throws Exception {
        assumeTrue(hasSizeLimit(), "the fill-the-disk cases count tmpfs figures; this file system is filled by its own tests");
        use(mountFresh(64 * 1024, 0));
        long files = sys.statvfs(mp).ffree();
        assertTrue(files > 0 && files < 10_000, "a small file system has few inodes: " + files);
        int made = 0;
        ErrnoException full = null;
        while (full == null && made < 100_000) {
            try {
                touch(p("f" + made));
                made++;
            } catch (ErrnoException e) {
                full = e;
            }
        }
        assertEquals(Errno.ENOSPC, full.errno());
        assertEquals(0, sys.statvfs(mp).ffree());
        assertErrno(Errno.ENOSPC, () -> sys.mkdir(p("d"), 0777));
        sys.unlink(p("f0"));
        sys.mkdir(p("d"), 0777);
        check();
    }

    @Test
    void unlinkedOpenFileKeepsItsSpaceUntilClosed() throws Exception {
        assumeTrue(hasSizeLimit(), "the fill-the-disk cases count tmpfs figures; this file system is filled by its own tests");
        use(mountFresh(1 << 20, 0));
        long free0 = sys.statvfs(mp).bfree();
        writeFile(sys, p("f"), bytes(16 * PAGE, 3));
        int fd = sys.open(p("f"), O_RDONLY);
        sys.unlink(p("f"));
        assertEquals(free0 - 16, sys.statvfs(mp).bfree());
        sys.close(fd);
        assertEquals(free0, sys.statvfs(mp).bfree());
    }

    // ================= t_renamerace.c =================

    @Test
    @Timeout(120)
    void renameRaceDirs() throws Exception {
        int dirs = 6;
        for (int i = 0; i < dirs; i++) {
            sys.mkdir(p("d" + i), 0777);
        }
        AtomicBoolean stop = new AtomicBoolean();
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Integer>> results = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                long seed = 1234 + t;
                results.add(pool.submit(() -> renamer(new Random(seed), dirs, stop)));
            }
            Thread.sleep(1500);
            stop.set(true);
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            assertTrue(total > 0, "some renames succeeded");
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
        int found = FsCheck.check(sys, mp);
        assertEquals(dirs + 1, found, "every directory is still reachable exactly once");
    }

    /** Renames random directories into each other until told to stop; returns how many succeeded. */
    private int renamer(Random rnd, int dirs, AtomicBoolean stop) throws ErrnoException {
        int ok = 0;
        while (!stop.get()) {
            String from = findDir(rnd.nextInt(dirs));
            String toParent = rnd.nextInt(4) == 0 ? mp : findDir(rnd.nextInt(dirs));
            if (from == null || toParent == null) {
                continue;
            }
            String name = from.substring(from.lastIndexOf('/') + 1);
            try {
                sys.rename(from, toParent + "/" + name);
                ok++;
            } catch (ErrnoException e) {
                Errno x = e.errno();
                if (x != Errno.ENOENT && x != Errno.EINVAL && x != Errno.ENOTEMPTY && x != Errno.EEXIST && x != Errno.ENOTDIR) {
                    throw e;
                }
            }
        }
        return ok;
    }

    /** The current path of directory "dN", searched breadth-first from the mount point; null if it moved meanwhile. */
    private String findDir(int n) {
        String want = "d" + n;
        List<String> queue = new ArrayList<>();
        queue.add(mp);
        for (int i = 0; i < queue.size() && i < 64; i++) {
            try {
                for (String name : names(sys, queue.get(i))) {
                    String path = queue.get(i).equals("/") ? "/" + name : queue.get(i) + "/" + name;
                    if (name.equals(want)) {
                        return path;
                    }
                    queue.add(path);
                }
            } catch (ErrnoException e) {
                return null;
            }
        }
        return null;
    }

    /**
     * Many threads run random operations (create, write, truncate, mkdir, rmdir, unlink, link,
     * symlink, rename, chmod) on one small name space at once: nothing may deadlock, throw
     * anything but an errno, or leave the tree inconsistent.
     */
    @Test
    @Timeout(120)
    void concurrentRandomOperationsKeepTheTreeConsistent() throws Exception {
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Random rnd = new Random(99 + t);
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 1500; i++) {
                        FsOp.random(rnd, mp).run(sys, mp);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(100, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        check();
    }

    /** Extended attributes: set, replace, list, remove, with Linux's errnos; a file system without them answers EOPNOTSUPP. */
    @Test
    void extendedAttributes() throws Exception {
        touch(p("f"));
        if (!hasXattrs()) {
            assertErrno(Errno.EOPNOTSUPP, () -> sys.setxattr(p("f"), "user.a", utf8("1"), 0));
            assertEquals(List.of(), sys.listxattr(p("f")));
            return;
        }
        sys.mkdir(p("d"), 0777);
        sys.setxattr(p("f"), "user.a", utf8("one"), io.jrump.api.XattrFlags.XATTR_CREATE);
        sys.setxattr(p("f"), "trusted.b", new byte[600], 0);
        sys.setxattr(p("d"), "security.c", utf8(""), 0);
        sys.setxattr(p("f"), "user.a", utf8("two"), io.jrump.api.XattrFlags.XATTR_REPLACE);
        assertArrayEquals(utf8("two"), sys.getxattr(p("f"), "user.a"));
        assertArrayEquals(new byte[600], sys.getxattr(p("f"), "trusted.b"));
        assertEquals(java.util.Set.of("user.a", "trusted.b"), java.util.Set.copyOf(sys.listxattr(p("f"))));
        assertEquals(List.of("security.c"), sys.listxattr(p("d")));
        assertErrno(Errno.EEXIST, () -> sys.setxattr(p("f"), "user.a", utf8("x"), io.jrump.api.XattrFlags.XATTR_CREATE));
        assertErrno(Errno.ENODATA, () -> sys.setxattr(p("f"), "user.z", utf8("x"), io.jrump.api.XattrFlags.XATTR_REPLACE));
        assertErrno(Errno.ENODATA, () -> sys.getxattr(p("f"), "user.z"));
        assertErrno(Errno.EOPNOTSUPP, () -> sys.getxattr(p("f"), "other.z"));
        sys.removexattr(p("f"), "user.a");
        assertErrno(Errno.ENODATA, () -> sys.removexattr(p("f"), "user.a"));
        assertEquals(List.of("trusted.b"), sys.listxattr(p("f")));
        Syscalls alice = kernel.spawn(ALICE).sys();
        assertEquals(List.of(), alice.listxattr(p("f")), "trusted.* is listed for root only");
        assertErrno(Errno.EPERM, () -> alice.setxattr(p("f"), "trusted.x", utf8("1"), 0));
        assertErrno(Errno.EACCES, () -> alice.setxattr(p("f"), "user.x", utf8("1"), 0));
        sys.removexattr(p("f"), "trusted.b");
        sys.unlink(p("f"));
        check();
    }

    /** Hostile path names reach every path call: each answers with an errno or succeeds, and the tree stays sound. */
    @Test
    void hostilePathsGiveErrnosOnly() throws Exception {
        sys.mkdir(p("d"), 0777);
        touch(p("d/f"));
        String[] paths = {"", "\0", p("d/f\0x"), p("\uD800"), p("d/../../../.."), p("d/f/.."), p("d//.//f/"),
            "/" + "x".repeat(5000), p("x".repeat(256)), p("\u00ff".repeat(200)), ".", "..", p("d/."), p("d/.."), mp + "/", "/",
            p("d/f/"), p("\n\t "), p("-"), p("d/" + "../d/".repeat(500) + "f")};
        for (String path : paths) {
            for (int call = 0; call < 16; call++) {
                try {
                    hostileCall(call, path);
                } catch (ErrnoException expected) {
                    // an errno is the right answer to most of these
                }
            }
        }
        sys.chdir("/");
        check();
    }

    private void hostileCall(int call, String path) throws ErrnoException {
        switch (call) {
            case 0 -> sys.stat(path);
            case 1 -> sys.lstat(path);
            case 2 -> sys.close(sys.open(path, O_RDONLY));
            case 3 -> sys.close(sys.open(path, O_CREAT | O_RDWR, 0644));
            case 4 -> sys.mkdir(path, 0755);
            case 5 -> sys.rmdir(path);
            case 6 -> sys.unlink(path);
            case 7 -> sys.rename(path, p("d/g"));
            case 8 -> sys.rename(p("d/g"), path);
            case 9 -> sys.link(p("d/f"), path);
            case 10 -> sys.symlink(path, p("d/l"));
            case 11 -> sys.readlink(path);
            case 12 -> sys.truncate(path, 1);
            case 13 -> sys.access(path, Fcntl.R_OK);
            case 14 -> sys.statvfs(path);
            default -> sys.chdir(path);
        }
    }

    // ================= helpers used by subclasses =================

    /** UTF-8 bytes of a string, for data checks. */
    protected static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
