package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.DirEntry;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many threads on one ext2 image at once, now that the driver locks per node rather than per
 * file system (see the lock order in {@link Ext2Fs}). 1 KiB blocks and 256-byte inodes put four
 * inodes in each inode-table block and every file of a group in one bitmap block, so threads
 * working on different files still share those blocks. After each workload the image is
 * unmounted, {@code e2fsck -fn} must find it clean, and its contents are read back through a
 * fresh mount and compared with what each thread wrote.
 */
class Ext2ConcurrencyTest {
    private static final int THREADS = 6;

    @TempDir
    Path tmp;

    private Path image() throws Exception {
        E2fsprogs.assumeAvailable();
        Path img = E2fsprogs.mkfs(tmp.resolve("c.img"), "ext2", 1024, 24L << 20, "-I", "256");
        return img;
    }

    private static RumpKernel mount(Path img) throws ErrnoException {
        RumpKernel k = Rump.builder().disk("disk0", img).boot();
        k.sys().mkdir("/mnt", 0755);
        k.sys().mount("disk0", "/mnt", "ext2", 0, null);
        return k;
    }

    /** The byte at {@code offset} of the file written with {@code seed}: readers can check any range. */
    private static byte pattern(int seed, long offset) {
        long x = (offset + 1) * 0x9E3779B97F4A7C15L + seed * 0xBF58476D1CE4E5B9L;
        return (byte) (x ^ (x >>> 29) ^ (x >>> 47));
    }

    private static ByteBuffer patterned(int seed, long offset, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = pattern(seed, offset + i);
        }
        return ByteBuffer.wrap(b);
    }

    private static void runAll(List<Callable<Void>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            List<Future<Void>> fs = new ArrayList<>();
            for (Callable<Void> t : tasks) {
                fs.add(pool.submit(t));
            }
            for (Future<Void> f : fs) {
                f.get(90, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void assertFile(Syscalls sys, String path, int seed, long size) throws ErrnoException {
        assertEquals(size, sys.stat(path).size(), path);
        int fd = sys.open(path, OpenFlags.O_RDONLY);
        try {
            ByteBuffer got = ByteBuffer.allocate((int) size + 1);
            assertEquals(size, sys.pread(fd, got, 0), path);
            assertArrayEquals(patterned(seed, 0, (int) size).array(), java.util.Arrays.copyOf(got.array(), (int) size), path);
        } finally {
            sys.close(fd);
        }
    }

    /**
     * Each thread writes its own files, half in a directory all threads share and half in a
     * directory of its own, in pieces of random size at random places (so blocks, indirect
     * blocks and inode-table blocks are allocated and changed by all threads at once).
     */
    @Test
    @Timeout(120)
    void concurrentWritersToDifferentFilesInSameAndDifferentDirectories() throws Exception {
        Path img = image();
        int files = 4;
        long[][] sizes = new long[THREADS][files];
        try (RumpKernel k = mount(img)) {
            Syscalls sys = k.sys();
            sys.mkdir("/mnt/shared", 0755);
            for (int t = 0; t < THREADS; t++) {
                sys.mkdir("/mnt/own" + t, 0755);
            }
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                tasks.add(() -> {
                    Random rnd = new Random(1000 + id);
                    int[] fds = new int[files];
                    for (int f = 0; f < files; f++) {
                        fds[f] = sys.open(path(id, f), OpenFlags.O_CREAT | OpenFlags.O_RDWR, 0644);
                    }
                    start.await();
                    for (int i = 0; i < 150; i++) {
                        int f = rnd.nextInt(files);
                        long off = rnd.nextInt(300_000);
                        int len = 1 + rnd.nextInt(9000);
                        int seed = id * files + f;
                        assertEquals(len, sys.pwrite(fds[f], patterned(seed, off, len), off));
                        sizes[id][f] = Math.max(sizes[id][f], off + len);
                        if (i % 37 == 0) {
                            sys.fsync(fds[f]);
                        }
                    }
                    for (int fd : fds) {
                        sys.close(fd);
                    }
                    return null;
                });
            }
            runAll(tasks);
        }
        E2fsprogs.assertClean(img);
        try (RumpKernel k = mount(img)) {
            for (int t = 0; t < THREADS; t++) {
                for (int f = 0; f < files; f++) {
                    assertHoleyFile(k.sys(), path(t, f), t * files + f, sizes[t][f], new Random(1000 + t), t, f, files);
                }
            }
        }
    }

    private static String path(int thread, int file) {
        return file % 2 == 0 ? "/mnt/shared/t" + thread + "-" + file : "/mnt/own" + thread + "/f" + file;
    }

    /** Replays a writer's random choices to know which ranges it wrote (the rest are holes, zero). */
    private static void assertHoleyFile(Syscalls sys, String path, int seed, long size, Random rnd, int id, int file, int files)
            throws ErrnoException {
        byte[] want = new byte[(int) size];
        for (int i = 0; i < 150; i++) {
            int f = rnd.nextInt(files);
            long off = rnd.nextInt(300_000);
            int len = 1 + rnd.nextInt(9000);
            if (f == file) {
                for (int j = 0; j < len; j++) {
                    want[(int) off + j] = pattern(id * files + f, off + j);
                }
            }
        }
        assertEquals(size, sys.stat(path).size(), path);
        int fd = sys.open(path, OpenFlags.O_RDONLY);
        try {
            ByteBuffer got = ByteBuffer.allocate((int) size + 1);
            assertEquals(size, sys.pread(fd, got, 0), path);
            assertArrayEquals(want, java.util.Arrays.copyOf(got.array(), (int) size), path);
        } finally {
            sys.close(fd);
        }
    }

    /**
     * All threads create, fill, rename, link and remove names in one directory (which grows to
     * several blocks and shrinks), making and removing subdirectories too; each thread keeps
     * the names it leaves behind, and the directory must list exactly those at the end.
     */
    @Test
    @Timeout(120)
    void concurrentCreateAndUnlinkInOneDirectory() throws Exception {
        Path img = image();
        List<Set<String>> kept = new ArrayList<>();
        try (RumpKernel k = mount(img)) {
            Syscalls sys = k.sys();
            sys.mkdir("/mnt/d", 0755);
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                Set<String> mine = new TreeSet<>();
                kept.add(mine);
                tasks.add(() -> {
                    Random rnd = new Random(2000 + id);
                    for (int i = 0; i < 400; i++) {
                        String name = "n" + id + "-" + i;
                        int fd = sys.open("/mnt/d/" + name, OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_WRONLY, 0644);
                        int len = rnd.nextInt(3000);
                        sys.write(fd, patterned(id, 0, len));
                        sys.close(fd);
                        switch (rnd.nextInt(5)) {
                            case 0 -> sys.unlink("/mnt/d/" + name);
                            case 1 -> {
                                sys.rename("/mnt/d/" + name, "/mnt/d/r" + name);
                                mine.add("r" + name);
                            }
                            case 2 -> {
                                sys.link("/mnt/d/" + name, "/mnt/d/h" + name);
                                sys.unlink("/mnt/d/" + name);
                                mine.add("h" + name);
                            }
                            case 3 -> {
                                sys.unlink("/mnt/d/" + name);
                                sys.mkdir("/mnt/d/" + name, 0755);
                                if (rnd.nextBoolean()) {
                                    sys.rmdir("/mnt/d/" + name);
                                } else {
                                    mine.add(name);
                                }
                            }
                            default -> mine.add(name);
                        }
                    }
                    return null;
                });
            }
            runAll(tasks);
        }
        E2fsprogs.assertClean(img);
        Set<String> want = new TreeSet<>();
        kept.forEach(want::addAll);
        try (RumpKernel k = mount(img)) {
            Set<String> got = new TreeSet<>();
            for (DirEntry e : k.sys().readdir("/mnt/d")) {
                if (!e.name().equals(".") && !e.name().equals("..")) {
                    got.add(e.name());
                }
            }
            assertEquals(want, got);
            int subdirs = 0;
            for (String n : got) {
                if (k.sys().lstat("/mnt/d/" + n).isDirectory()) {
                    subdirs++;
                }
            }
            assertTrue(subdirs > 0, "some directories were kept");
            assertEquals(2 + subdirs, k.sys().stat("/mnt/d").nlink(), "link count of /mnt/d: 2 + its subdirectories");
        }
    }

    /**
     * Readers check every range they read against the writer's pattern while writers extend
     * and overwrite the same files and others: a read sees each byte either as written or as
     * not yet written (zero, or past the end), never a mix of two files' bytes.
     */
    @Test
    @Timeout(120)
    void concurrentReadsWhileWriting() throws Exception {
        Path img = image();
        int writers = 3;
        long total = 600_000;
        try (RumpKernel k = mount(img)) {
            Syscalls sys = k.sys();
            AtomicBoolean done = new AtomicBoolean();
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                sys.close(sys.open("/mnt/w" + id, OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644));
                tasks.add(() -> {
                    int fd = sys.open("/mnt/w" + id, OpenFlags.O_WRONLY);
                    try {
                        Random rnd = new Random(3000 + id);
                        long off = 0;
                        while (off < total) {
                            int len = 1 + rnd.nextInt(7000);
                            assertEquals(len, sys.pwrite(fd, patterned(id, off, len), off));
                            off += len;
                            long back = Math.max(0, off - rnd.nextInt(20_000));
                            int again = (int) Math.min(3000, off - back);
                            sys.pwrite(fd, patterned(id, back, again), back);
                        }
                    } finally {
                        sys.close(fd);
                    }
                    return null;
                });
            }
            CyclicBarrier finished = new CyclicBarrier(writers, () -> done.set(true));
            List<Callable<Void>> all = new ArrayList<>();
            for (Callable<Void> t : tasks) {
                all.add(() -> {
                    t.call();
                    finished.await();
                    return null;
                });
            }
            for (int r = 0; r < THREADS - writers; r++) {
                int rid = r;
                all.add(() -> {
                    Random rnd = new Random(4000 + rid);
                    int reads = 0;
                    while (!done.get() || reads < 50) {
                        int id = rnd.nextInt(writers);
                        int fd = sys.open("/mnt/w" + id, OpenFlags.O_RDONLY);
                        try {
                            long size = sys.fstat(fd).size();
                            long off = size == 0 ? 0 : rnd.nextLong(size);
                            ByteBuffer b = ByteBuffer.allocate(1 + rnd.nextInt(20_000));
                            int n = sys.pread(fd, b, off);
                            for (int i = 0; i < n; i++) {
                                byte got = b.get(i);
                                if (got != pattern(id, off + i) && got != 0) {
                                    throw new AssertionError("w" + id + " byte " + (off + i) + ": " + got);
                                }
                            }
                        } finally {
                            sys.close(fd);
                        }
                        reads++;
                    }
                    return null;
                });
            }
            runAll(all);
        }
        E2fsprogs.assertClean(img);
        try (RumpKernel k = mount(img)) {
            for (int w = 0; w < writers; w++) {
                long size = k.sys().stat("/mnt/w" + w).size();
                assertTrue(size >= total, "w" + w + " has " + size + " bytes");
                assertFile(k.sys(), "/mnt/w" + w, w, size);
            }
        }
    }

    /**
     * open(O_RDWR) and write race with unlink of the same name: the opener may find the node
     * just before the unlinker frees its inode. Writing to such a node must not take blocks for
     * an inode that no longer exists (which leaves them marked used, owned by nobody, for
     * e2fsck to find); it answers ENOENT, or the write lands in a file that is still there.
     */
    @Test
    @Timeout(120)
    void openAndWriteRacingUnlinkLeakNothing() throws Exception {
        Path img = image();
        try (RumpKernel k = mount(img)) {
            Syscalls sys = k.sys();
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                tasks.add(() -> {
                    Random rnd = new Random(5000 + id);
                    for (int i = 0; i < 1500; i++) {
                        String name = "/mnt/x" + rnd.nextInt(3);
                        try {
                            if (rnd.nextInt(3) == 0) {
                                sys.unlink(name);
                            } else {
                                int fd = sys.open(name, OpenFlags.O_CREAT | OpenFlags.O_RDWR, 0644);
                                try {
                                    sys.pwrite(fd, patterned(1, 0, 4096), rnd.nextInt(8192));
                                } finally {
                                    sys.close(fd);
                                }
                            }
                        } catch (ErrnoException e) {
                            assertEquals(Errno.ENOENT, e.errno(), e.getMessage());
                        }
                    }
                    return null;
                });
            }
            runAll(tasks);
        }
        E2fsprogs.assertClean(img);
    }
}
