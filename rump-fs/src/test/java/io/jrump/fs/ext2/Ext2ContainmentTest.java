package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import io.jrump.api.OpenFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.fs.FsAssert;
import io.jrump.fs.ext2.disk.GroupDescriptor;
import io.jrump.fs.ext2.disk.GroupLayout;
import io.jrump.fs.ext2.disk.Superblock;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corruption found while writing is contained: each case damages an image made by mke2fs
 * the way an attacker or a bad disk would (with debugfs or by editing bytes), then writes to
 * it as a user would. The write fails with EUCLEAN, the mount turns read-only, the superblock
 * records the error state, and the file system's metadata — bitmaps, inode tables, the other
 * files — is exactly as before: the damage did not spread.
 */
class Ext2ContainmentTest {
    private static final byte[] SMALL = "hi\n".getBytes();

    @TempDir
    Path tmp;

    @BeforeEach
    void peers() {
        E2fsprogs.assumeAvailable();
    }

    /** An 8 MiB ext2 image with {@code /small.txt}, {@code /big} (600 KiB: double-indirect at 1 KiB) and {@code /a/README}. */
    private Path image(int blockSize) throws Exception {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        Files.write(tree.resolve("small.txt"), SMALL);
        Files.write(tree.resolve("big"), pattern(600 << 10, 7));
        Files.createDirectories(tree.resolve("a"));
        Files.writeString(tree.resolve("a/README"), "read me\n");
        return E2fsprogs.mkfs(tmp.resolve("img"), "ext2", blockSize, 8L << 20, "-d", tree.toString());
    }

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed + (i >>> 10));
        }
        return b;
    }

    private static void debugfsWrite(Path img, String request) throws Exception {
        E2fsprogs.Result r = E2fsprogs.run(List.of("debugfs", "-w", "-R", request, img.toString()));
        assertEquals(0, r.exit(), "debugfs -w -R '" + request + "': " + r.output());
    }

    /** Group 0's descriptor, read from the image file. */
    private static GroupDescriptor group0(Path img) throws Exception {
        Superblock sb = superblock(img);
        byte[] table = readBlock(img, sb.blockSize(), GroupLayout.descriptorBlock(sb, 0));
        return new GroupDescriptor(ByteBuffer.wrap(table), 0, sb.descSize());
    }

    private static Superblock superblock(Path img) throws Exception {
        byte[] b = new byte[Superblock.SIZE];
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.seek(Superblock.OFFSET);
            f.readFully(b);
        }
        return new Superblock(ByteBuffer.wrap(b), 0);
    }

    private static byte[] readBlock(Path img, int bs, long block) throws Exception {
        byte[] b = new byte[bs];
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.seek(block * bs);
            f.readFully(b);
        }
        return b;
    }

    private static void writeBlock(Path img, int bs, long block, byte[] data) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(block * bs);
            f.write(data);
        }
    }

    /**
     * Every block from the end of the superblock's block up to the first data block after
     * group 0's inode table: descriptors, bitmaps and the inode table of group 0, where
     * damage would spread to.
     */
    private static byte[] metadata(Path img) throws Exception {
        Superblock sb = superblock(img);
        GroupDescriptor d = group0(img);
        int bs = sb.blockSize();
        long from = sb.firstDataBlock() + 1;
        long itb = (sb.inodesPerGroup() * sb.inodeSize() + bs - 1) / bs;
        long to = Math.max(d.inodeTable() + itb, Math.max(d.blockBitmap(), d.inodeBitmap()) + 1);
        byte[] all = Files.readAllBytes(img);
        return Arrays.copyOfRange(all, (int) (from * bs), (int) (to * bs));
    }

    /**
     * Mounts the image; read-write with {@code check=normal}, so that the checks made while
     * writing are what stands between the damage and the rest of the image (the map scan of
     * the default {@code check=auto} would refuse most of these mounts: see
     * {@link #theMapScanRefusesWritingWhatWouldSpread}).
     */
    private static RumpKernel mount(Path img, boolean readOnly) throws Exception {
        return mount(img, readOnly, readOnly ? null : "check=normal");
    }

    private static RumpKernel mount(Path img, boolean readOnly, String options) throws Exception {
        RumpKernel k = Rump.builder().disk("disk0", img).boot();
        try {
            k.sys().mkdir("/mnt", 0755);
            k.sys().mount("disk0", "/mnt", "ext2", readOnly ? MountFlags.MNT_RDONLY : 0, options);
            return k;
        } catch (ErrnoException e) {
            k.close();
            throw e;
        }
    }

    /** The error state in the superblock, and a later change refused with EROFS. */
    private static void assertFailedReadOnly(RumpKernel k) {
        ErrnoException later = assertThrows(ErrnoException.class, () -> k.sys().mkdir("/mnt/later", 0755));
        assertEquals(Errno.EROFS, later.errno(), later.getMessage());
    }

    private static void assertErrorState(Path img) throws Exception {
        assertEquals(Superblock.STATE_ERROR, superblock(img).state() & Superblock.STATE_ERROR, "s_state records errors");
    }

    /** The tree mke2fs wrote, apart from {@code except}, reads back whole through a fresh read-only mount. */
    private static void assertTreeIntact(Path img, String except) throws Exception {
        try (RumpKernel k = mount(img, true)) {
            Syscalls sys = k.sys();
            assertTrue(sys.stat("/mnt/lost+found").isDirectory(), "lost+found is still a directory");
            assertArrayEquals("read me\n".getBytes(), FsAssert.readFile(sys, "/mnt/a/README"));
            if (!except.equals("small.txt")) {
                assertArrayEquals(SMALL, FsAssert.readFile(sys, "/mnt/small.txt"));
            }
            if (!except.equals("big")) {
                assertArrayEquals(pattern(600 << 10, 7), FsAssert.readFile(sys, "/mnt/big"));
            }
        }
    }

    @ParameterizedTest(name = "{0}-byte blocks")
    @ValueSource(ints = {1024, 4096})
    void blockPointerIntoTheInodeTableIsNeverWritten(int bs) throws Exception {
        Path img = image(bs);
        long itable = group0(img).inodeTable();
        debugfsWrite(img, "sif /small.txt block[0] " + itable);
        byte[] before = metadata(img);
        try (RumpKernel k = mount(img, false)) {
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> FsAssert.writeFile(k.sys(), "/mnt/small.txt", pattern(200 << 10, 1), OpenFlags.O_TRUNC));
            assertEquals(Errno.EUCLEAN, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("metadata"), e.getMessage());
            assertFailedReadOnly(k);
        }
        assertErrorState(img);
        assertArrayEquals(before, metadata(img), "bitmaps and inode table unchanged");
        assertTreeIntact(img, "small.txt");
    }

    @Test
    void writingThroughAPointerIntoMetadataFails() throws Exception {
        Path img = image(1024);
        long bitmap = group0(img).inodeBitmap();
        debugfsWrite(img, "sif /small.txt block[0] " + bitmap);
        byte[] before = metadata(img);
        try (RumpKernel k = mount(img, false)) {
            int fd = k.sys().open("/mnt/small.txt", OpenFlags.O_WRONLY, 0);
            ErrnoException e = assertThrows(ErrnoException.class, () -> k.sys().pwrite(fd, ByteBuffer.wrap(new byte[100]), 0));
            assertEquals(Errno.EUCLEAN, e.errno(), e.getMessage());
            k.sys().close(fd);
        }
        assertErrorState(img);
        assertArrayEquals(before, metadata(img));
    }

    @Test
    void blockPointerPastTheEndIsCorruption() throws Exception {
        Path img = image(1024);
        debugfsWrite(img, "sif /small.txt block[0] " + (superblock(img).blocksCount() + 5));
        try (RumpKernel k = mount(img, false)) {
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> FsAssert.writeFile(k.sys(), "/mnt/small.txt", new byte[10], 0));
            assertEquals(Errno.EUCLEAN, e.errno(), e.getMessage());
        }
        assertErrorState(img);
    }

    @Test
    void overlappingDescriptorRefusesReadWriteMount() throws Exception {
        Path img = image(1024);
        long itable = group0(img).inodeTable();
        debugfsWrite(img, "set_bg 0 block_bitmap " + itable);
        byte[] all = Files.readAllBytes(img);
        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            k.sys().mkdir("/mnt", 0755);
            ErrnoException e = assertThrows(ErrnoException.class, () -> k.sys().mount("disk0", "/mnt", "ext2", 0, "check=normal"));
            assertEquals(Errno.EUCLEAN, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("block bitmap of group 0") && e.getMessage().contains("inode table"), e.getMessage());
            k.sys().mount("disk0", "/mnt", "ext2", MountFlags.MNT_RDONLY, null);
            assertArrayEquals("read me\n".getBytes(), FsAssert.readFile(k.sys(), "/mnt/a/README"));
        }
        assertArrayEquals(all, Files.readAllBytes(img), "a refused mount writes nothing");
    }

    @ParameterizedTest(name = "zeroed {0} bitmap")
    @ValueSource(strings = {"block", "inode"})
    void zeroedBitmapIsNotTrusted(String which) throws Exception {
        Path img = image(1024);
        GroupDescriptor d = group0(img);
        writeBlock(img, 1024, which.equals("block") ? d.blockBitmap() : d.inodeBitmap(), new byte[1024]);
        byte[] before = metadata(img);
        if (which.equals("inode")) {
            // the root's own inode shows free: the read-write mount is refused before it writes anything
            byte[] all = Files.readAllBytes(img);
            ErrnoException e = assertThrows(ErrnoException.class, () -> mount(img, false).close());
            assertEquals(Errno.EUCLEAN, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("inode 2") && e.getMessage().contains("bitmap"), e.getMessage());
            assertArrayEquals(all, Files.readAllBytes(img));
            // with the root's bit set again, the other inodes still show free: a new file is refused
            byte[] bitmap = new byte[1024];
            bitmap[0] = 0b10;
            writeBlock(img, 1024, d.inodeBitmap(), bitmap);
            before = metadata(img);
        }
        try (RumpKernel k = mount(img, false)) {
            // a new block (appending to a one-block file) or a new inode (a new file) is asked for
            ErrnoException e = assertThrows(ErrnoException.class, () -> {
                if (which.equals("block")) {
                    FsAssert.writeFile(k.sys(), "/mnt/small.txt", pattern(100 << 10, 3), OpenFlags.O_APPEND);
                } else {
                    FsAssert.writeFile(k.sys(), "/mnt/new", SMALL, 0);
                }
            });
            assertEquals(Errno.EUCLEAN, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains(which + " bitmap"), e.getMessage());
            assertFailedReadOnly(k);
            assertEquals(SMALL.length, k.sys().stat("/mnt/small.txt").size(), "the failed write did not grow the file");
        }
        assertErrorState(img);
        assertArrayEquals(before, metadata(img), "no bit set, no inode changed");
        assertTreeIntact(img, "");
    }

    @Test
    void liveInodeShownFreeIsNeverReused() throws Exception {
        Path img = image(1024);
        // lost+found (inode 11) is the first inode the allocator tries; the count is kept in step, so only the inode tells
        debugfsWrite(img, "freei <11>");
        debugfsWrite(img, "set_bg 0 free_inodes_count " + (group0(img).freeInodes() + 1));
        byte[] before = metadata(img);
        try (RumpKernel k = mount(img, false)) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> FsAssert.writeFile(k.sys(), "/mnt/new", SMALL, 0));
            assertEquals(Errno.EUCLEAN, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("inode 11"), e.getMessage());
        }
        assertErrorState(img);
        assertArrayEquals(before, metadata(img));
        assertTreeIntact(img, "");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"links_count 0", "bitmap bit clear"})
    void aNameLeadingToAnInodeNotInUseIsCorruption(String damage) throws Exception {
        Path img = image(1024);
        if (damage.startsWith("links")) {
            debugfsWrite(img, "sif /a/README links_count 0");
        } else {
            debugfsWrite(img, "freei /a/README");
            debugfsWrite(img, "set_bg 0 free_inodes_count " + (group0(img).freeInodes() + 1));
        }
        byte[] before = metadata(img);
        try (RumpKernel k = mount(img, false)) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> k.sys().unlink("/mnt/a/README"));
            assertEquals(Errno.EUCLEAN, e.errno(), e.getMessage());
            assertFailedReadOnly(k);
        }
        assertErrorState(img);
        assertArrayEquals(before, metadata(img), "the inode was not freed a second time");
    }

    /** {@code (IND):N} of debugfs's stat: the single indirect block of a file. */
    private static long indirectBlock(Path img, String path) throws Exception {
        E2fsprogs.Result r = E2fsprogs.debugfs(img, "stat " + path);
        Matcher m = Pattern.compile("\\(IND\\):(\\d+)").matcher(r.output());
        assertTrue(m.find(), r.output());
        return Long.parseLong(m.group(1));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"unlink", "truncate"})
    void freeingChecksTheWholeMapFirst(String how) throws Exception {
        Path img = image(1024);
        long ind = indirectBlock(img, "/big");
        byte[] block = readBlock(img, 1024, ind);
        ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN).putInt(4 * 200, (int) group0(img).inodeTable() + 1);
        writeBlock(img, 1024, ind, block);
        byte[] before = metadata(img);
        try (RumpKernel k = mount(img, false)) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> {
                if (how.equals("unlink")) {
                    k.sys().unlink("/mnt/big");
                } else {
                    k.sys().truncate("/mnt/big", 5000);
                }
            });
            assertEquals(Errno.EUCLEAN, e.errno(), e.getMessage());
            assertNotEquals(0, k.sys().stat("/mnt/big").nlink(), "the name is kept");
        }
        assertErrorState(img);
        assertArrayEquals(before, metadata(img), "nothing freed, the inode unchanged");
        try (RumpKernel k = mount(img, true)) {
            assertEquals(600 << 10, k.sys().stat("/mnt/big").size());
        }
    }

    @Test
    void aLoopInTheIndirectBlocksFreesNothing() throws Exception {
        Path img = image(1024);
        long ind = indirectBlock(img, "/big");
        byte[] block = readBlock(img, 1024, ind);
        // the indirect block names itself: a walk that trusted it would free it twice
        ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN).putInt(4 * 100, (int) ind);
        writeBlock(img, 1024, ind, block);
        byte[] before = metadata(img);
        try (RumpKernel k = mount(img, false)) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> k.sys().unlink("/mnt/big"));
            assertEquals(Errno.EUCLEAN, e.errno(), e.getMessage());
        }
        assertArrayEquals(before, metadata(img));
    }

    /** The ways a map can be damaged that only a look at every map reveals, and one that writing would also find. */
    enum MapDamage {
        /** small.txt's block is one of /big's: freeing either would give away the other's data. */
        CROSS_LINKED,
        /** small.txt's block is free in the bitmap: the next file would be given it. */
        INTO_FREE_SPACE,
        /** /big's indirect block names itself. */
        LOOP,
        /** small.txt's block is in the inode table. */
        INTO_METADATA,
        /** A name in /a leads to an inode that is free: the next create would take it. */
        NAME_TO_FREE_INODE,
        /** A name in /a leads to the resize inode: unlinking it would free reserved blocks. */
        NAME_TO_RESERVED_INODE,
        /** /a/README has two names but one link: unlinking one would free what the other names. */
        TOO_FEW_LINKS,
        /** /a has size 0: it looks empty, and a create would write over its '.' and '..'. */
        EMPTY_DIRECTORY,
        /** /small.txt carries the hashed-index flag: its data would be read as an htree. */
        INDEX_ON_A_FILE,
        /** The bad-blocks inode lists a block of the inode table. */
        BAD_BLOCK_IN_METADATA
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(MapDamage.class)
    void theMapScanRefusesWritingWhatWouldSpread(MapDamage damage) throws Exception {
        Path img = image(1024);
        long ind = indirectBlock(img, "/big");
        switch (damage) {
            case CROSS_LINKED -> debugfsWrite(img, "sif /small.txt block[0] " + (ind + 1));
            case INTO_FREE_SPACE -> debugfsWrite(img, "sif /small.txt block[0] " + (superblock(img).blocksCount() - 10));
            case LOOP -> {
                byte[] block = readBlock(img, 1024, ind);
                ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN).putInt(4 * 100, (int) ind);
                writeBlock(img, 1024, ind, block);
            }
            case INTO_METADATA -> debugfsWrite(img, "sif /small.txt block[0] " + group0(img).inodeTable());
            case NAME_TO_FREE_INODE -> debugfsWrite(img, "ln <" + (superblock(img).inodesCount() - 3) + "> /a/stray");
            case NAME_TO_RESERVED_INODE -> debugfsWrite(img, "ln <7> /a/stray");
            case TOO_FEW_LINKS -> debugfsWrite(img, "ln /a/README /a/again");
            case EMPTY_DIRECTORY -> debugfsWrite(img, "sif /a size 0");
            case INDEX_ON_A_FILE -> debugfsWrite(img, "sif /small.txt flags 0x1000");
            case BAD_BLOCK_IN_METADATA -> debugfsWrite(img, "sif <1> block[0] " + (group0(img).inodeTable() + 5));
        }
        byte[] all = Files.readAllBytes(img);
        ErrnoException e = assertThrows(ErrnoException.class, () -> mount(img, false, null).close());
        assertEquals(Errno.EUCLEAN, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains("refusing to mount read-write"), e.getMessage());
        assertArrayEquals(all, Files.readAllBytes(img), "a refused mount writes nothing");
        try (RumpKernel k = mount(img, false, "check=normal")) {
            // without the scan, the same image mounts: what is left is found while writing
            assertTrue(k.sys().stat("/mnt/big").size() > 0);
        }
        try (RumpKernel k = mount(img, true)) {
            assertTrue(k.sys().stat("/mnt/lost+found").isDirectory());
        }
    }

    @Test
    void aNameLeadingToAReservedInodeIsCorruption() throws Exception {
        Path img = image(1024);
        debugfsWrite(img, "ln <7> /a/stray");
        byte[] before = metadata(img);
        try (RumpKernel k = mount(img, false)) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> k.sys().unlink("/mnt/a/stray"));
            assertEquals(Errno.EUCLEAN, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("reserved inode 7"), e.getMessage());
        }
        assertArrayEquals(before, metadata(img));
    }

    /** Damage that the mount's scan finds, found again while writing when the scan is off (check=normal). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"empty directory", "index flag on a file", "parent without its subdirectory's link"})
    void damageAWriteWouldBuildOnIsCorruption(String damage) throws Exception {
        Path img = image(1024);
        switch (damage) {
            case "empty directory" -> debugfsWrite(img, "sif /a size 0");
            case "index flag on a file" -> debugfsWrite(img, "sif /small.txt flags 0x1000");
            default -> {
                debugfsWrite(img, "mkdir /a/sub");
                debugfsWrite(img, "sif /a links_count 2");
            }
        }
        byte[] before = metadata(img);
        try (RumpKernel k = mount(img, false)) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> {
                switch (damage) {
                    case "empty directory" -> FsAssert.writeFile(k.sys(), "/mnt/a/new", SMALL);
                    case "index flag on a file" -> FsAssert.writeFile(k.sys(), "/mnt/small.txt", pattern(5000, 1));
                    default -> k.sys().rmdir("/mnt/a/sub");
                }
            });
            assertEquals(Errno.EUCLEAN, e.errno(), e.getMessage());
        }
        assertErrorState(img);
        assertArrayEquals(before, metadata(img));
    }

    @Test
    void aBadCheckOptionIsRefused() throws Exception {
        Path img = image(1024);
        ErrnoException e = assertThrows(ErrnoException.class, () -> mount(img, false, "check=paranoid").close());
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("check=paranoid"), e.getMessage());
    }

    @Test
    void cleanImageStaysCleanAndUnmarked() throws Exception {
        Path img = image(1024);
        try (RumpKernel k = mount(img, false)) {
            FsAssert.writeFile(k.sys(), "/mnt/small.txt", pattern(300 << 10, 2), OpenFlags.O_TRUNC);
            k.sys().unlink("/mnt/big");
            FsAssert.writeFile(k.sys(), "/mnt/new", pattern(700 << 10, 4), 0);
        }
        assertEquals(0, superblock(img).state() & Superblock.STATE_ERROR);
        E2fsprogs.assertClean(img);
    }
}
