package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Credentials;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import io.jrump.api.OpenFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.api.XattrFlags;
import io.jrump.fs.ext2.disk.XattrRegion;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Extended attributes on ext2 images made by mke2fs: in the inode body and in an attribute
 * block, what e2fsprogs' debugfs reads back from jrump's writes (and jrump from debugfs's),
 * shared blocks copied on write with their reference counts kept, the block freed with its
 * last attribute, Linux's errno for each misuse, and damaged attribute storage reported as
 * EUCLEAN or EIO without an exception. {@code e2fsck -fn} judges the image after every kind
 * of change.
 */
class Ext2XattrTest {
    private static final int BS = 4096;

    @TempDir
    Path tmp;

    private Path image() throws Exception {
        E2fsprogs.assumeAvailable();
        Path img = tmp.resolve("x.img");
        E2fsprogs.mkfs(img, "ext2", BS, 8L << 20, "-I", "256");
        return img;
    }

    private static RumpKernel mount(Path img, boolean readOnly) throws Exception {
        RumpKernel k = Rump.builder().disk("disk0", img).boot();
        try {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("disk0", "/mnt", "ext2", readOnly ? MountFlags.MNT_RDONLY : 0, null);
            return k;
        } catch (ErrnoException e) {
            k.close();
            throw e;
        }
    }

    private static void touch(Syscalls sys, String path, int mode) throws ErrnoException {
        sys.close(sys.open(path, OpenFlags.O_CREAT | OpenFlags.O_WRONLY, mode));
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code File ACL:} of debugfs's stat: the inode's attribute block, 0 when none. */
    private static long fileAcl(Path img, String path) throws Exception {
        String out = E2fsprogs.debugfs(img, "stat " + path).output();
        Matcher m = Pattern.compile("File ACL: (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    private static long blockCount(Path img, String path) throws Exception {
        String out = E2fsprogs.debugfs(img, "stat " + path).output();
        Matcher m = Pattern.compile("Blockcount: (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    private static ByteBuffer readBlock(Path img, long block) throws Exception {
        try (FileChannel ch = FileChannel.open(img)) {
            ByteBuffer b = ByteBuffer.allocate(BS).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, block * BS);
            return b;
        }
    }

    private static void writeBlock(Path img, long block, ByteBuffer b) throws Exception {
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.write(b.clear(), block * BS);
        }
    }

    private static ErrnoException fails(Errno want, Executable call) {
        ErrnoException e = assertThrows(ErrnoException.class, call);
        assertEquals(want, e.errno(), e.getMessage());
        return e;
    }

    @Test
    void smallAttributesLiveInTheInodeAndLargeOnesInABlock() throws Exception {
        Path img = image();
        byte[] big = bytes(3000, 7);
        try (RumpKernel k = mount(img, false)) {
            Syscalls sys = k.sys();
            touch(sys, "/mnt/f", 0644);
            sys.setxattr("/mnt/f", "user.small", utf8("hello"), 0);
            sys.setxattr("/mnt/f", "user.empty", new byte[0], 0);
            assertEquals(0, sys.stat("/mnt/f").blocks(), "no block for what fits in the inode");
            sys.setxattr("/mnt/f", "security.label", utf8("s0"), 0);
            sys.setxattr("/mnt/f", "trusted.t", utf8("root only"), 0);
            sys.setxattr("/mnt/f", "user.big", big, 0);
            assertEquals(BS / 512, sys.stat("/mnt/f").blocks(), "the attribute block counts in i_blocks");
            assertArrayEquals(utf8("hello"), sys.getxattr("/mnt/f", "user.small"));
            assertArrayEquals(new byte[0], sys.getxattr("/mnt/f", "user.empty"));
            assertArrayEquals(big, sys.getxattr("/mnt/f", "user.big"));
            assertEquals(List.of("user.small", "user.empty", "security.label", "user.big", "trusted.t"), sys.listxattr("/mnt/f"),
                    "the inode's in the order made, then the block's in its order (by index, name length, name)");
        }
        E2fsprogs.assertClean(img);
        assertNotEquals(0, fileAcl(img, "/f"));
        String list = E2fsprogs.debugfs(img, "ea_list /f").output();
        assertTrue(list.contains("user.small (5) = \"hello\""), list);
        assertTrue(list.contains("user.big (3000)"), list);
        assertTrue(list.contains("trusted.t (9)"), list);
        // what jrump reads back in a new mount
        try (RumpKernel k = mount(img, true)) {
            assertArrayEquals(big, k.sys().getxattr("/mnt/f", "user.big"));
            assertArrayEquals(utf8("s0"), k.sys().getxattr("/mnt/f", "security.label"));
        }
    }

    @Test
    void removingTheLastAttributeOfABlockFreesIt() throws Exception {
        Path img = image();
        long free;
        try (RumpKernel k = mount(img, false)) {
            Syscalls sys = k.sys();
            touch(sys, "/mnt/f", 0644);
            free = sys.statvfs("/mnt").bfree();
            sys.setxattr("/mnt/f", "user.big", bytes(2000, 1), 0);
            sys.setxattr("/mnt/f", "user.big2", bytes(1000, 2), 0);
            assertEquals(free - 1, sys.statvfs("/mnt").bfree());
        }
        E2fsprogs.assertClean(img);
        try (RumpKernel k = mount(img, false)) {
            Syscalls sys = k.sys();
            sys.removexattr("/mnt/f", "user.big");
            assertEquals(free - 1, sys.statvfs("/mnt").bfree(), "one attribute left in the block");
            assertEquals(List.of("user.big2"), sys.listxattr("/mnt/f"));
            sys.removexattr("/mnt/f", "user.big2");
            assertEquals(free, sys.statvfs("/mnt").bfree(), "the empty block was freed");
            assertEquals(0, sys.stat("/mnt/f").blocks());
            assertEquals(List.of(), sys.listxattr("/mnt/f"));
        }
        E2fsprogs.assertClean(img);
        assertEquals(0, fileAcl(img, "/f"));
    }

    @Test
    void attributesOverflowFromTheInodeIntoABlockAndUnlinkFreesIt() throws Exception {
        Path img = image();
        List<String> names = new ArrayList<>();
        try (RumpKernel k = mount(img, false)) {
            Syscalls sys = k.sys();
            touch(sys, "/mnt/f", 0644);
            long free = sys.statvfs("/mnt").bfree();
            for (int i = 0; i < 60; i++) {
                String n = "user.name_number_" + i;
                names.add(n);
                sys.setxattr("/mnt/f", n, utf8("value " + i), XattrFlags.XATTR_CREATE);
            }
            assertEquals(free - 1, sys.statvfs("/mnt").bfree(), "one block for what the inode cannot hold");
            for (int i = 0; i < 60; i++) {
                assertArrayEquals(utf8("value " + i), sys.getxattr("/mnt/f", names.get(i)));
            }
            assertEquals(names.size(), sys.listxattr("/mnt/f").size());
            assertTrue(sys.listxattr("/mnt/f").containsAll(names));
        }
        E2fsprogs.assertClean(img);
        String list = E2fsprogs.debugfs(img, "ea_list /f").output();
        for (int i = 0; i < 60; i++) {
            assertTrue(list.contains("user.name_number_" + i + " (" + ("value " + i).length() + ") = \"value " + i + "\""), list);
        }
        try (RumpKernel k = mount(img, false)) {
            long free = k.sys().statvfs("/mnt").bfree();
            k.sys().unlink("/mnt/f");
            assertEquals(free + 1, k.sys().statvfs("/mnt").bfree(), "unlink freed the attribute block");
        }
        E2fsprogs.assertClean(img);
    }

    @Test
    void whatDebugfsWritesJrumpReads() throws Exception {
        Path img = image();
        Path value = tmp.resolve("value");
        byte[] big = bytes(3000, 3);
        java.nio.file.Files.write(value, big);
        assertEquals(0, E2fsprogs.run(List.of("debugfs", "-w", "-R", "write /dev/null f", img.toString())).exit());
        assertEquals(0, E2fsprogs.run(List.of("debugfs", "-w", "-R", "ea_set /f user.small hi", img.toString())).exit());
        E2fsprogs.Result r = E2fsprogs.run(List.of("debugfs", "-w", "-R", "ea_set -f " + value + " /f user.big", img.toString()));
        assertEquals(0, r.exit(), r.output());
        E2fsprogs.assertClean(img);
        try (RumpKernel k = mount(img, true)) {
            assertArrayEquals(utf8("hi"), k.sys().getxattr("/mnt/f", "user.small"));
            assertArrayEquals(big, k.sys().getxattr("/mnt/f", "user.big"));
            assertEquals(List.of("user.big", "user.small").stream().sorted().toList(), k.sys().listxattr("/mnt/f").stream().sorted().toList());
        }
    }

    /**
     * A block shared by two inodes (as Linux's mbcache shares identical sets; made here by
     * pointing a second inode at the first one's block and counting it): a change to either
     * copies it, the other keeps the original, and the counts stay what e2fsck counts.
     */
    @Test
    void aSharedBlockIsCopiedOnWriteAndItsCountKept() throws Exception {
        Path img = image();
        byte[] big = bytes(2500, 9);
        try (RumpKernel k = mount(img, false)) {
            touch(k.sys(), "/mnt/a", 0644);
            touch(k.sys(), "/mnt/b", 0644);
            k.sys().setxattr("/mnt/a", "user.big", big, 0);
        }
        long shared = fileAcl(img, "/a");
        assertEquals(0, E2fsprogs.run(List.of("debugfs", "-w", "-R", "sif /b file_acl " + shared, img.toString())).exit());
        assertEquals(0, E2fsprogs.run(List.of("debugfs", "-w", "-R", "sif /b blocks " + BS / 512, img.toString())).exit());
        ByteBuffer blk = readBlock(img, shared);
        blk.putInt(XattrRegion.H_REFCOUNT, 2);
        writeBlock(img, shared, blk);
        E2fsprogs.assertClean(img);

        try (RumpKernel k = mount(img, false)) {
            Syscalls sys = k.sys();
            assertArrayEquals(big, sys.getxattr("/mnt/b", "user.big"));
            long free = sys.statvfs("/mnt").bfree();
            sys.setxattr("/mnt/b", "user.big", utf8("changed"), XattrFlags.XATTR_REPLACE);
            assertEquals(free - 1, sys.statvfs("/mnt").bfree(), "b has a copy of its own; the shared block lost a reference");
            sys.setxattr("/mnt/b", "user.other", bytes(2000, 4), 0);
            assertEquals(free - 1, sys.statvfs("/mnt").bfree(), "b's own block is rewritten in place");
            assertArrayEquals(utf8("changed"), sys.getxattr("/mnt/b", "user.big"));
            assertArrayEquals(big, sys.getxattr("/mnt/a", "user.big"), "a still reads the original");
        }
        E2fsprogs.assertClean(img);
        assertEquals(shared, fileAcl(img, "/a"));
        assertNotEquals(shared, fileAcl(img, "/b"));
        assertEquals(1, readBlock(img, shared).getInt(XattrRegion.H_REFCOUNT));

        // shared again, then unlinking one user only drops the count
        assertEquals(0, E2fsprogs.run(List.of("debugfs", "-w", "-R", "link /a c", img.toString())).exit());
        assertEquals(0, E2fsprogs.run(List.of("debugfs", "-w", "-R", "sif /a links_count 2", img.toString())).exit());
        assertEquals(0, E2fsprogs.run(List.of("debugfs", "-w", "-R", "write /dev/null d", img.toString())).exit());
        assertEquals(0, E2fsprogs.run(List.of("debugfs", "-w", "-R", "sif /d file_acl " + shared, img.toString())).exit());
        assertEquals(0, E2fsprogs.run(List.of("debugfs", "-w", "-R", "sif /d blocks " + BS / 512, img.toString())).exit());
        blk = readBlock(img, shared);
        blk.putInt(XattrRegion.H_REFCOUNT, 2);
        writeBlock(img, shared, blk);
        E2fsprogs.assertClean(img);
        try (RumpKernel k = mount(img, false)) {
            long free = k.sys().statvfs("/mnt").bfree();
            k.sys().unlink("/mnt/d");
            assertEquals(free, k.sys().statvfs("/mnt").bfree(), "the block is still a's");
            k.sys().removexattr("/mnt/a", "user.big");
            assertEquals(free + 1, k.sys().statvfs("/mnt").bfree(), "a's last reference freed it");
        }
        E2fsprogs.assertClean(img);
    }

    @Test
    void errnosAsLinuxGivesThem() throws Exception {
        Path img = image();
        try (RumpKernel k = mount(img, false)) {
            Syscalls sys = k.sys();
            touch(sys, "/mnt/f", 0644);
            sys.symlink("f", "/mnt/lnk");
            sys.mkdir("/mnt/d", 0777);
            sys.chmod("/mnt/d", 0777);
            fails(Errno.ENODATA, () -> sys.getxattr("/mnt/f", "user.none"));
            fails(Errno.ENODATA, () -> sys.removexattr("/mnt/f", "user.none"));
            fails(Errno.ENODATA, () -> sys.setxattr("/mnt/f", "user.none", utf8("x"), XattrFlags.XATTR_REPLACE));
            sys.setxattr("/mnt/f", "user.x", utf8("1"), XattrFlags.XATTR_CREATE);
            fails(Errno.EEXIST, () -> sys.setxattr("/mnt/f", "user.x", utf8("2"), XattrFlags.XATTR_CREATE));
            fails(Errno.EOPNOTSUPP, () -> sys.setxattr("/mnt/f", "bogus.x", utf8("2"), 0));
            fails(Errno.EOPNOTSUPP, () -> sys.getxattr("/mnt/f", "bogus.x"));
            fails(Errno.EINVAL, () -> sys.setxattr("/mnt/f", "user.", utf8("2"), 0));
            fails(Errno.ERANGE, () -> sys.setxattr("/mnt/f", "user." + "n".repeat(251), utf8("2"), 0));
            fails(Errno.E2BIG, () -> sys.setxattr("/mnt/f", "user.huge", new byte[65537], 0));
            ErrnoException full = fails(Errno.ENOSPC, () -> sys.setxattr("/mnt/f", "user.huge", new byte[BS], 0));
            assertTrue(full.getMessage().startsWith("setxattr /mnt/f (user.huge): ENOSPC"), full.getMessage());
            fails(Errno.EPERM, () -> sys.lsetxattr("/mnt/lnk", "user.x", utf8("1"), 0));
            fails(Errno.ENODATA, () -> sys.lgetxattr("/mnt/lnk", "user.x"));
            assertArrayEquals(utf8("1"), sys.getxattr("/mnt/lnk", "user.x"), "getxattr follows the link");
            sys.setxattr("/mnt/f", "trusted.t", utf8("secret"), 0);
            fails(Errno.EINVAL, () -> sys.setxattr("/mnt/f", "user.x", utf8("1"), 4));

            Syscalls alice = k.spawn(Credentials.of(1000, 1000)).sys();
            fails(Errno.EACCES, () -> alice.setxattr("/mnt/f", "user.y", utf8("1"), 0));
            assertArrayEquals(utf8("1"), alice.getxattr("/mnt/f", "user.x"), "read permission is enough to read");
            fails(Errno.EPERM, () -> alice.setxattr("/mnt/d", "trusted.t", utf8("1"), 0));
            fails(Errno.EPERM, () -> alice.setxattr("/mnt/d", "security.s", utf8("1"), 0));
            fails(Errno.ENODATA, () -> alice.getxattr("/mnt/f", "trusted.t"));
            assertEquals(List.of("user.x"), alice.listxattr("/mnt/f"), "trusted.* is not listed for others");
            alice.setxattr("/mnt/d", "user.ok", utf8("1"), 0);
            sys.chmod("/mnt/d", 01777);
            fails(Errno.EPERM, () -> alice.setxattr("/mnt/d", "user.ok", utf8("2"), 0));
            sys.chmod("/mnt/f", 0);
            fails(Errno.EACCES, () -> alice.getxattr("/mnt/f", "user.x"));
        }
        E2fsprogs.assertClean(img);
        try (RumpKernel k = mount(img, true)) {
            fails(Errno.EROFS, () -> k.sys().setxattr("/mnt/f", "user.x", utf8("1"), 0));
        }
    }

    /** Damage in the attribute block: EUCLEAN (EIO for checksums) naming it, never an exception; writing it is refused. */
    @Test
    void damagedAttributeStorageIsReportedNotFollowed() throws Exception {
        Path img = image();
        try (RumpKernel k = mount(img, false)) {
            for (String f : List.of("magic", "offset", "namelen", "zone")) {
                touch(k.sys(), "/mnt/" + f, 0644);
                k.sys().setxattr("/mnt/" + f, "user.big", bytes(2000, 5), 0);
            }
        }
        long magic = fileAcl(img, "/magic");
        ByteBuffer b = readBlock(img, magic);
        b.putInt(XattrRegion.H_MAGIC, 0x12345678);
        writeBlock(img, magic, b);
        long offset = fileAcl(img, "/offset");
        b = readBlock(img, offset);
        b.putShort(XattrRegion.BLOCK_HEADER + 2, (short) (BS - 8));
        writeBlock(img, offset, b);
        long namelen = fileAcl(img, "/namelen");
        b = readBlock(img, namelen);
        b.put(XattrRegion.BLOCK_HEADER, (byte) 0);
        writeBlock(img, namelen, b);
        // an attribute block pointer into the inode table
        String stats = E2fsprogs.debugfs(img, "stats").output();
        Matcher m = Pattern.compile("inode table at (\\d+)").matcher(stats);
        assertTrue(m.find(), stats);
        assertEquals(0, E2fsprogs.run(List.of("debugfs", "-w", "-R", "sif /zone file_acl " + m.group(1), img.toString())).exit());
        byte[] before = java.nio.file.Files.readAllBytes(img);

        try (RumpKernel k = mount(img, true)) {
            for (String f : List.of("magic", "offset", "namelen")) {
                ErrnoException e = fails(Errno.EUCLEAN, () -> k.sys().getxattr("/mnt/" + f, "user.big"));
                assertTrue(e.getMessage().contains("extended attribute block"), e.getMessage());
                fails(Errno.EUCLEAN, () -> k.sys().listxattr("/mnt/" + f));
            }
        }
        assertArrayEquals(before, java.nio.file.Files.readAllBytes(img), "reading changed nothing");
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("disk0", "/mnt", "ext2", 0, "check=normal");
            ErrnoException e = fails(Errno.EUCLEAN, () -> k.sys().setxattr("/mnt/zone", "user.x", bytes(3000, 1), 0));
            assertTrue(e.getMessage().contains("metadata"), e.getMessage());
            fails(Errno.EROFS, () -> k.sys().setxattr("/mnt/magic", "user.x", utf8("1"), 0));
        }
        byte[] after = java.nio.file.Files.readAllBytes(img);
        long zoneBlock = Long.parseLong(m.group(1));
        assertArrayEquals(Arrays.copyOfRange(before, (int) (zoneBlock * BS), (int) (zoneBlock * BS + BS)),
                Arrays.copyOfRange(after, (int) (zoneBlock * BS), (int) (zoneBlock * BS + BS)), "the inode table was not written over");
    }
}
