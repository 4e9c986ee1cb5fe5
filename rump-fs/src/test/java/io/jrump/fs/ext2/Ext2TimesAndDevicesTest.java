package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.DeviceNumber;
import io.jrump.api.FileMode;
import io.jrump.api.MountFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Stat;
import io.jrump.api.Syscalls;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Times past 2262 and before 1901, and device numbers, as e2fsprogs and Linux store them:
 * the ext4 extra time fields (two epoch bits, 30 bits of nanoseconds; 1901..2446), the
 * clamping of 128-byte inodes to 1901..2038, and the old and new device encodings in
 * {@code i_block}. Images are written by {@code debugfs} (or, as root, by Linux through a loop
 * mount) and read by jrump, and written by jrump and read by {@code debugfs} (or Linux).
 */
class Ext2TimesAndDevicesTest {
    private static final Instant Y2300 = Instant.parse("2300-01-01T00:00:00.25Z");
    private static final Instant Y1800 = Instant.parse("1800-01-01T00:00:00Z");
    /** The limits of a time in an inode (EXT4_TIMESTAMP_MIN, EXT4_TIMESTAMP_MAX, EXT4_EXTRA_TIMESTAMP_MAX). */
    private static final Instant MIN = Instant.ofEpochSecond(Integer.MIN_VALUE);
    private static final Instant MAX_32 = Instant.ofEpochSecond(Integer.MAX_VALUE);
    private static final Instant MAX_EXTRA = Instant.ofEpochSecond((1L << 34) - 1 + Integer.MIN_VALUE);

    @TempDir
    Path tmp;

    private Path image(String name, String type, String... extra) throws Exception {
        E2fsprogs.assumeAvailable();
        return E2fsprogs.mkfs(tmp.resolve(name), type, 4096, 16L << 20, extra);
    }

    private static void debugfsWrite(Path img, String request) throws Exception {
        E2fsprogs.Result r = E2fsprogs.run(List.of("debugfs", "-w", "-R", request, img.toString()));
        assertEquals(0, r.exit(), request + ": " + r.output());
        assertTrue(!r.output().contains("Invalid") && !r.output().contains("not found"), request + ": " + r.output());
    }

    /** Sets a time by its raw fields: the low 32 bits of the seconds, and the extra field (nanoseconds << 2 | epoch). */
    private static void setRawTime(Path img, String file, String field, Instant t) throws Exception {
        long seconds = t.getEpochSecond();
        long epoch = ((seconds - (int) seconds) >> 32) & 3;
        debugfsWrite(img, "sif " + file + " " + field + " @" + (int) seconds);
        debugfsWrite(img, "sif " + file + " " + field + "_extra " + ((long) t.getNano() << 2 | epoch));
    }

    private static Stat jrumpStat(Path img, String path) throws Exception {
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("disk0", "/mnt", "ext2", MountFlags.MNT_RDONLY, null);
            return k.sys().lstat("/mnt" + path);
        }
    }

    /** debugfs writes a 2300 mtime (epoch bits 2) and a 1901 atime; jrump reads them (it showed 1715-06-13 when times were nanoseconds in a long). */
    @Test
    void farTimesWrittenByDebugfsReadBack() throws Exception {
        for (String type : List.of("ext4", "ext3", "ext2")) {
            Path img = image(type + ".img", type, "-I", "256");
            debugfsWrite(img, "write /etc/hostname f");
            setRawTime(img, "f", "mtime", Y2300);
            setRawTime(img, "f", "atime", MIN);
            setRawTime(img, "f", "ctime", MAX_EXTRA);
            String shown = E2fsprogs.debugfs(img, "stat f").output();
            assertTrue(shown.contains("Mon Jan  1 00:00:00 2300"), "debugfs agrees on the raw fields: " + shown);
            Stat st = jrumpStat(img, "/f");
            assertEquals(Y2300, st.mtime(), type);
            assertEquals(MIN, st.atime(), type);
            assertEquals(MAX_EXTRA, st.ctime(), type);
        }
    }

    /** Device nodes made by debugfs in both encodings (old: 1:3, new: 300:1000 and 300:70000) read with their numbers. */
    @Test
    void devicesMadeByDebugfsReadBack() throws Exception {
        Path img = image("dev.img", "ext4");
        debugfsWrite(img, "mknod small c 1 3");
        debugfsWrite(img, "mknod mid b 300 1000");
        // debugfs's mknod takes minors to 65535: a larger one is written into i_block[1] by hand, new encoding
        debugfsWrite(img, "mknod big b 1 1");
        debugfsWrite(img, "sif big block[0] 0");
        debugfsWrite(img, "sif big block[1] " + ((70000 & 0xff) | 300 << 8 | (70000 & ~0xff) << 12));
        debugfsWrite(img, "mknod fifo p");
        assertTrue(E2fsprogs.debugfs(img, "stat big").output().contains("Device major/minor number: 300:70000"));
        assertEquals(DeviceNumber.of(300, 1000), jrumpStat(img, "/mid").rdev());
        Stat small = jrumpStat(img, "/small");
        assertEquals(FileMode.S_IFCHR, small.mode() & FileMode.S_IFMT);
        assertEquals(DeviceNumber.of(1, 3), small.rdev());
        Stat big = jrumpStat(img, "/big");
        assertEquals(FileMode.S_IFBLK, big.mode() & FileMode.S_IFMT);
        assertEquals("300:70000", DeviceNumber.toString(big.rdev()));
        Stat fifo = jrumpStat(img, "/fifo");
        assertEquals(FileMode.S_IFIFO, fifo.mode() & FileMode.S_IFMT);
        assertEquals(0, fifo.rdev());
    }

    /** Far times, FIFOs, sockets and devices made by jrump are what debugfs reads, and e2fsck is clean. */
    @Test
    void farTimesAndDevicesWrittenReadByDebugfs() throws Exception {
        Path img = image("w.img", "ext2", "-I", "256");
        writeWithJrump(img);
        E2fsprogs.assertClean(img);
        String f = E2fsprogs.debugfs(img, "stat /f").output();
        assertTrue(f.contains("mtime: 0x6cb5db00:3b9aca02 -- Mon Jan  1 00:00:00 2300"), f);
        assertTrue(f.contains("atime: 0x80000000:00000000"), "1800 clamped to 1901-12-13: " + f);
        String big = E2fsprogs.debugfs(img, "stat /big").output();
        assertTrue(big.contains("block special") && big.contains("(New-style) Device major/minor number: 300:70000"), big);
        String small = E2fsprogs.debugfs(img, "stat /small").output();
        assertTrue(small.contains("character special") && small.matches("(?s).*Device major/minor number: 0?1:0?3\\b.*"), small);
        assertTrue(E2fsprogs.debugfs(img, "stat /fifo").output().contains("Type: FIFO"));
        assertTrue(E2fsprogs.debugfs(img, "stat /sock").output().contains("Type: socket"));
    }

    /** A 128-byte inode holds 32-bit seconds only: jrump clamps to 1901..2038 as Linux does, never wraps. */
    @Test
    void smallInodesClampTo2038() throws Exception {
        Path img = image("small.img", "ext2", "-I", "128");
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            Syscalls sys = k.sys();
            sys.mkdir("/mnt", 0755);
            sys.mount("disk0", "/mnt", "ext2", 0, null);
            sys.close(sys.open("/mnt/f", io.jrump.api.OpenFlags.O_CREAT | io.jrump.api.OpenFlags.O_WRONLY, 0644));
            sys.utimes("/mnt/f", Y1800, Y2300);
            Stat st = sys.stat("/mnt/f");
            assertEquals(MAX_32, st.mtime());
            assertEquals(MIN, st.atime());
        }
        E2fsprogs.assertClean(img);
        assertEquals(MAX_32, jrumpStat(img, "/f").mtime());
        String f = E2fsprogs.debugfs(img, "stat /f").output();
        assertTrue(f.contains("mtime: 0x7fffffff") && f.contains("atime: 0x80000000"), f);
    }

    private static void writeWithJrump(Path img) throws Exception {
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            Syscalls sys = k.sys();
            sys.mkdir("/mnt", 0755);
            sys.mount("disk0", "/mnt", "ext2", 0, null);
            sys.umask(0);
            sys.close(sys.open("/mnt/f", io.jrump.api.OpenFlags.O_CREAT | io.jrump.api.OpenFlags.O_WRONLY, 0644));
            sys.utimes("/mnt/f", Y1800, Y2300);
            sys.mknod("/mnt/big", FileMode.S_IFBLK | 0660, DeviceNumber.of(300, 70000));
            sys.mknod("/mnt/small", FileMode.S_IFCHR | 0666, DeviceNumber.of(1, 3));
            sys.mkfifo("/mnt/fifo", 0644);
            sys.mknod("/mnt/sock", FileMode.S_IFSOCK | 0755, 0);
        }
    }

    // ---- with Linux itself (root) ----

    private static void sh(String... cmd) throws Exception {
        E2fsprogs.Result r = E2fsprogs.run(List.of(cmd));
        assertEquals(0, r.exit(), String.join(" ", cmd) + ": " + r.output());
    }

    /** What Linux's stat says of a file: mtime, atime, mode and device. */
    private record Seen(Instant mtime, Instant atime, int mode, long rdev) {
        static Seen host(Path p) throws Exception {
            Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
            return new Seen(((FileTime) a.get("lastModifiedTime")).toInstant(), ((FileTime) a.get("lastAccessTime")).toInstant(),
                    (Integer) a.get("mode"), (Long) a.get("rdev"));
        }

        static Seen of(Stat st) {
            return new Seen(st.mtime(), st.atime(), st.mode(), st.rdev());
        }
    }

    /**
     * Linux sets 2300 and 1800 with {@code touch -d} (clamping 1800 to 1901) and makes device
     * nodes with large numbers, on ext4 and on ext2 with 256-byte inodes; jrump reads what
     * Linux's stat showed.
     */
    @Test
    void kernelWrittenTimesAndDevicesReadAlike() throws Exception {
        for (String type : List.of("ext4", "ext2")) {
            Path img = image("k-" + type + ".img", type, "-I", "256");
            Map<String, Seen> linux = new LinkedHashMap<>();
            // closing waits until the file system is shut down everywhere, not only in this mount namespace
            try (LoopMount m = LoopMount.mount(img, tmp.resolve("m-" + type), type, "rw")) {
                Path mnt = m.dir();
                sh("touch", mnt.resolve("future").toString());
                sh("touch", "-d", "2300-01-01 00:00:00.25 UTC", mnt.resolve("future").toString());
                sh("touch", mnt.resolve("past").toString());
                sh("touch", "-d", "1800-01-01 00:00:00 UTC", mnt.resolve("past").toString());
                sh("mknod", mnt.resolve("big").toString(), "b", "300", "70000");
                sh("mknod", mnt.resolve("small").toString(), "c", "1", "3");
                sh("mkfifo", mnt.resolve("fifo").toString());
                for (String n : List.of("future", "past", "big", "small", "fifo")) {
                    linux.put(n, Seen.host(mnt.resolve(n)));
                }
            }
            assertEquals(Y2300, linux.get("future").mtime(), "Linux keeps 2300");
            assertEquals(MIN, linux.get("past").mtime(), "Linux clamps 1800 to 1901");
            for (Map.Entry<String, Seen> e : linux.entrySet()) {
                assertEquals(e.getValue(), Seen.of(jrumpStat(img, "/" + e.getKey())), type + ": " + e.getKey());
            }
        }
    }

    /** jrump's far times and device nodes are what Linux's stat shows through a loop mount. */
    @Test
    void jrumpWrittenTimesAndDevicesReadByLinux() throws Exception {
        Path img = image("j.img", "ext2", "-I", "256");
        writeWithJrump(img);
        try (LoopMount m = LoopMount.mount(img, tmp.resolve("m"), "ext4", "ro")) {
            Path mnt = m.dir();
            Seen f = Seen.host(mnt.resolve("f"));
            assertEquals(Y2300, f.mtime());
            assertEquals(MIN, f.atime());
            Seen big = Seen.host(mnt.resolve("big"));
            assertEquals(FileMode.S_IFBLK | 0660, big.mode());
            assertEquals("300:70000", DeviceNumber.toString(big.rdev()));
            assertEquals(DeviceNumber.of(1, 3), Seen.host(mnt.resolve("small")).rdev());
            assertEquals(FileMode.S_IFIFO, Seen.host(mnt.resolve("fifo")).mode() & FileMode.S_IFMT);
            assertEquals(FileMode.S_IFSOCK, Seen.host(mnt.resolve("sock")).mode() & FileMode.S_IFMT);
        }
    }
}
