package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.fs.ext2.disk.DirRecord;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A directory entry whose name has zero bytes (name_len 0 in a record with an inode) is
 * corruption, as e2fsck says ("entry has a zero-length name"): reading the directory gives
 * EUCLEAN naming the directory's inode and block, never an entry called "" that no path can
 * reach, and finding it writes nothing.
 */
class Ext2DirectoryDamageTest {
    private static final int BLOCK = 1024;

    @TempDir
    Path tmp;

    @Test
    void zeroLengthNameIsCorruption() throws Exception {
        E2fsprogs.assumeAvailable();
        Path tree = tmp.resolve("tree");
        Files.createDirectories(tree.resolve("a/b"));
        Files.writeString(tree.resolve("a/f"), "f\n");
        Path img = E2fsprogs.mkfs(tmp.resolve("z.img"), "ext2", BLOCK, 8L << 20, "-d", tree.toString());
        long dirIno = number(E2fsprogs.debugfs(img, "stat /a").output(), "Inode: (\\d+)");
        long block = number(E2fsprogs.debugfs(img, "blocks /a").output(), "(\\d+)");
        long fileIno = clearNameLength(img, block, "f");
        assertNotEquals(0, E2fsprogs.fsck(img).exit(), "e2fsck sees the damage too");
        byte[] before = Ext2ImageReadTest.sha256(img);

        try (RumpKernel k = Rump.builder().disk("disk0", img).boot()) {
            Syscalls sys = k.sys();
            sys.mkdir("/mnt", 0755);
            sys.mount("disk0", "/mnt", "ext2", MountFlags.MNT_RDONLY, null);
            ErrnoException e = assertThrows(ErrnoException.class, () -> sys.readdir("/mnt/a"));
            assertEquals(Errno.EUCLEAN, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("inode " + dirIno + ": directory block " + block), e.getMessage());
            assertTrue(e.getMessage().contains("entry for inode " + fileIno + " has a zero-length name"), e.getMessage());
            ErrnoException look = assertThrows(ErrnoException.class, () -> sys.stat("/mnt/a/b"));
            assertEquals(Errno.EUCLEAN, look.errno(), look.getMessage());
            assertEquals(2, sys.readdir("/mnt").stream().filter(d -> d.name().equals("a") || d.name().equals("lost+found")).count(),
                    "the rest of the file system still reads");
        }
        assertArrayEquals(before, Ext2ImageReadTest.sha256(img), "finding damage wrote to the image");
    }

    private static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text.replaceFirst("(?s)^debugfs [^\\n]*\\n", ""));
        assertTrue(m.find(), regex + " in: " + text);
        return Long.parseLong(m.group(1));
    }

    /** Sets name_len of the record named {@code name} in directory block {@code block} to 0; returns its inode. */
    private static long clearNameLength(Path img, long block, String name) throws Exception {
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(BLOCK).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, block * BLOCK);
            byte[] want = name.getBytes(StandardCharsets.UTF_8);
            for (int off = 0; off < BLOCK; ) {
                DirRecord r = new DirRecord(b, off);
                if (r.inode() != 0 && r.nameEquals(want)) {
                    b.put(off + 6, (byte) 0); // name_len
                    ch.write(ByteBuffer.wrap(b.array(), off, DirRecord.HEADER), block * BLOCK + off);
                    return r.inode();
                }
                off += r.recLen(BLOCK);
            }
        }
        throw new AssertionError("no entry '" + name + "' in block " + block + " of " + img);
    }
}
