package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.BlockDevice;
import io.jrump.api.DirEntry;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.dev.FileBlockDevice;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hashed (htree) directories as Linux's ext4 makes them, read back through jrump: the kernel
 * fills a directory through a loop mount (root only; skipped with the reason otherwise), and
 * jrump must list exactly the names and inode numbers the kernel listed and find every name
 * by lookup, on 1 KiB and 4 KiB blocks, with and without metadata_csum, from empty up to
 * 60,000 entries (roots that never filled, roots converted from a full leaf, two-level
 * indexes). Some names carry bytes above 0x7F, where the signed and unsigned hashes differ.
 */
class Ext2HtreeTest {
    @TempDir
    Path tmp;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        int[] sizes = {0, 50, 200, 1000, 5000};
        for (int bs : new int[] {4096, 1024}) {
            for (boolean csum : new boolean[] {true, false}) {
                for (int i = 0; i < sizes.length; i++) {
                    out.add(Arguments.of(bs, csum, sizes[i], i % 2 == 1));
                }
            }
        }
        out.add(Arguments.of(4096, true, 60_000, true));
        out.add(Arguments.of(1024, true, 60_000, false));
        return out.stream();
    }

    /** Entry {@code i}'s name: short ("f17") or long (up to 247 bytes); every seventh has a non-ASCII letter. */
    static String name(int i, boolean longNames) {
        String base = longNames ? String.format("%06d-", i) + "n".repeat(60 + (i * 37) % 180) : "f" + i;
        return i % 7 == 3 ? base + "é" : base;
    }

    /** Makes an ext4 image with directory /d holding {@code entries} empty files, made by the kernel; returns name to inode. */
    private Map<String, Long> kernelDirectory(Path img, int bs, boolean csum, int entries, boolean longNames) throws Exception {
        long bytes = Math.max(16L << 20, entries * (longNames ? 1200L : 300L) + (16L << 20));
        List<String> extra = new ArrayList<>(List.of("-N", Integer.toString(entries + 256)));
        if (!csum) {
            extra.addAll(List.of("-O", "^metadata_csum"));
        }
        E2fsprogs.mkfs(img, "ext4", bs, bytes, extra.toArray(new String[0]));
        Map<String, Long> kernel = new HashMap<>();
        try (LoopMount m = LoopMount.mount(img, tmp.resolve("mnt"), null)) {
            Path d = m.dir().resolve("d");
            Files.createDirectory(d);
            for (int i = 0; i < entries; i++) {
                Files.createFile(d.resolve(name(i, longNames)));
            }
            try (Stream<Path> s = Files.list(d)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    kernel.put(p.getFileName().toString(), (Long) Files.getAttribute(p, "unix:ino"));
                }
            }
        }
        E2fsprogs.assertClean(img);
        assertEquals(entries, kernel.size());
        return kernel;
    }

    @ParameterizedTest(name = "{0}-byte blocks, metadata_csum {1}, {2} entries, long names {3}")
    @MethodSource("cases")
    void kernelMadeDirectoryReadsBackEntryForEntry(int bs, boolean csum, int entries, boolean longNames) throws Exception {
        E2fsprogs.assumeAvailable();
        Path img = tmp.resolve("h.img");
        Map<String, Long> kernel = kernelDirectory(img, bs, csum, entries, longNames);
        if (entries >= 1000) {
            assertTrue(E2fsprogs.debugfs(img, "htree /d").output().contains("Root node dump"), "/d is hashed");
        }
        try (RumpKernel k = Rump.builder().disk("disk0", img, true).boot()) {
            Syscalls sys = k.sys();
            sys.mkdir("/mnt", 0755);
            sys.mount("disk0", "/mnt", "ext4", MountFlags.MNT_RDONLY, null);
            Map<String, Long> listed = new TreeMap<>();
            for (DirEntry e : sys.readdir("/mnt/d")) {
                if (!e.name().equals(".") && !e.name().equals("..")) {
                    listed.put(e.name(), e.ino());
                }
            }
            assertEquals(new TreeMap<>(kernel), listed, "readdir lists what the kernel listed");
            for (Map.Entry<String, Long> e : kernel.entrySet()) {
                assertEquals((long) e.getValue(), sys.stat("/mnt/d/" + e.getKey()).ino(), "lookup of " + e.getKey());
                ErrnoException absent = assertThrows(ErrnoException.class, () -> sys.stat("/mnt/d/" + e.getKey() + "~"));
                assertEquals(Errno.ENOENT, absent.errno());
            }
        }
    }

    /** A device that counts the blocks read through it. */
    private static final class CountingDevice implements BlockDevice {
        final BlockDevice inner;
        final AtomicLong bytesRead = new AtomicLong();

        CountingDevice(BlockDevice inner) {
            this.inner = inner;
        }

        @Override public int sectorSize() { return inner.sectorSize(); }
        @Override public long size() { return inner.size(); }
        @Override public boolean isReadOnly() { return true; }
        @Override public void write(long sector, ByteBuffer src) throws ErrnoException { throw new ErrnoException(Errno.EROFS, "read-only"); }
        @Override public void flush() { }
        @Override public void close() throws ErrnoException { inner.close(); }

        @Override
        public void read(long sector, ByteBuffer dst) throws ErrnoException {
            bytesRead.addAndGet(dst.remaining());
            inner.read(sector, dst);
        }
    }

    private static final Pattern LEVELS = Pattern.compile("Indirect levels: (\\d+)");

    /**
     * A lookup reads the index path, the leaf and the inode: a handful of blocks whatever the
     * directory's size, where a linear search reads the whole directory (here over a thousand
     * blocks).
     */
    @Test
    void lookupReadsTheIndexPathNotTheDirectory() throws Exception {
        E2fsprogs.assumeAvailable();
        Path img = tmp.resolve("count.img");
        int entries = 20_000;
        Map<String, Long> kernel = kernelDirectory(img, 4096, true, entries, true);
        Matcher m = LEVELS.matcher(E2fsprogs.debugfs(img, "htree /d").output());
        assertTrue(m.find(), "/d is hashed");
        int levels = Integer.parseInt(m.group(1));
        assertEquals(1, levels, "a two-level index (root and index nodes)");
        CountingDevice dev = new CountingDevice(FileBlockDevice.open(img, true));
        try (RumpKernel k = Rump.builder().device("disk0", dev).boot()) {
            Syscalls sys = k.sys();
            sys.mkdir("/mnt", 0755);
            sys.mount("disk0", "/mnt", "ext4", MountFlags.MNT_RDONLY, null);
            long dirBlocks = sys.stat("/mnt/d").size() / 4096;
            assertTrue(dirBlocks > 1000, "directory of " + dirBlocks + " blocks");
            for (int i : new int[] {0, 4321, 9999, 15000, 19999}) {
                String n = name(i, true);
                long before = dev.bytesRead.get();
                assertEquals((long) kernel.get(n), sys.stat("/mnt/d/" + n).ino());
                long blocks = (dev.bytesRead.get() - before) / 4096;
                System.out.println("lookup of entry " + i + " in a " + dirBlocks + "-block directory read " + blocks + " blocks");
                // root, index node, leaf, inode table block, and read-ahead of at most one more each
                assertTrue(blocks <= 2 * (levels + 3), "lookup of entry " + i + " read " + blocks + " blocks of a " + dirBlocks + "-block directory");
            }
        } finally {
            dev.close();
        }
    }
}
