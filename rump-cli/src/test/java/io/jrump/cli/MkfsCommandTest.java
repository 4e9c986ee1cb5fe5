package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.testing.Peers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rump mkfs} destroys nothing unasked: a file holding a file system (ours or mke2fs's),
 * a partition table or any data is left byte for byte as it was, with exit 1 and a message
 * saying what was found, unless {@code -F}/{@code --force} is given; a directory gives EISDIR;
 * a new, empty or all-zero file is formatted without asking.
 */
class MkfsCommandTest {
    @TempDir
    Path dir;

    private CliTest.Run refused(Path file, String... extra) throws IOException {
        byte[] before = sha256(file);
        String[] args = new String[extra.length + 3];
        args[0] = "mkfs";
        System.arraycopy(extra, 0, args, 1, extra.length);
        args[extra.length + 1] = file.toString();
        args[extra.length + 2] = "8M";
        CliTest.Run r = CliTest.rump(args);
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.err().startsWith("rump mkfs: mkfs " + file + ": EEXIST (File exists): already holds "), r.err());
        assertTrue(r.err().strip().endsWith("; use -F to overwrite"), r.err());
        assertArrayEquals(before, sha256(file), "a refused mkfs changed the file");
        return r;
    }

    private static CliTest.Run ok(String... args) {
        CliTest.Run r = CliTest.rump(args);
        assertEquals(0, r.status(), String.join(" ", args) + ":\n" + r.out() + r.err());
        return r;
    }

    @Test
    void aFileSystemIsOverwrittenOnlyWithForce() throws IOException {
        Path img = dir.resolve("disk.img");
        ok("mkfs", "-L", "data", img.toString(), "8M");
        CliTest.Run r = refused(img);
        assertTrue(r.err().contains("already holds an ext2 file system (label 'data', 8.00 MiB)"), r.err());
        refused(img, "-L", "other");
        ok("mkfs", "-F", "-L", "second", img.toString(), "8M");
        ok("mkfs", "--force", "-L", "third", img.toString(), "4M");
        assertTrue(ok("info", img.toString()).out().contains("label 'third'"));
    }

    @Test
    void aFileSystemMadeByMke2fsIsRecognised() throws IOException {
        Peers.require("mke2fs", "e2fsprogs");
        Path img = dir.resolve("ext4.img");
        ImageCommandsTest.run("mke2fs", "-q", "-F", "-t", "ext4", "-L", "theirs", img.toString(), "16M");
        CliTest.Run r = refused(img);
        assertTrue(r.err().contains("already holds an ext4 file system (label 'theirs', 16.0 MiB)"), r.err());
    }

    @Test
    void aPartitionTableIsRecognised() throws IOException {
        Path img = dir.resolve("whole.img");
        byte[] mbr = new byte[1 << 20];
        // a minimal DOS table: one primary partition of type 0x83 from sector 1 to the end
        int slot = 446;
        mbr[slot + 4] = (byte) 0x83;
        putLe32(mbr, slot + 8, 1);
        putLe32(mbr, slot + 12, (mbr.length / 512) - 1);
        mbr[510] = 0x55;
        mbr[511] = (byte) 0xAA;
        Files.write(img, mbr);
        CliTest.Run r = refused(img);
        assertTrue(r.err().contains("already holds a partition table (mbr, 1 partition)"), r.err());
    }

    @Test
    void anyDataIsRecognised() throws IOException {
        Path img = dir.resolve("data.img");
        byte[] bytes = new byte[100_000];
        bytes[40_000] = 1;
        Files.write(img, bytes);
        CliTest.Run r = refused(img);
        assertTrue(r.err().contains("already holds data (a non-zero byte at offset 40000)"), r.err());
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "my thesis", StandardCharsets.UTF_8);
        assertTrue(refused(text).err().contains("already holds data (a non-zero byte at offset 0)"));
    }

    @Test
    void newEmptyAndZeroFilesNeedNoForce() throws IOException {
        ok("mkfs", dir.resolve("new.img").toString(), "8M");
        Path empty = Files.createFile(dir.resolve("empty.img"));
        ok("mkfs", empty.toString(), "8M");
        Path zeros = dir.resolve("zeros.img");
        byte[] z = new byte[3 << 20];
        z[ImageContents.SCANNED] = 7; // beyond the start that is looked at: an old file's tail, not a file system
        Files.write(zeros, z);
        ok("mkfs", zeros.toString(), "8M");
        assertEquals(8L << 20, Files.size(zeros));
    }

    @Test
    void aDirectoryIsNoImage() throws IOException {
        Path d = Files.createDirectory(dir.resolve("adir"));
        CliTest.Run r = CliTest.rump("mkfs", d.toString(), "8M");
        assertEquals(1, r.status(), r.err());
        assertEquals("rump mkfs: mkfs " + d + ": EISDIR (Is a directory): an image is a file", r.err().strip());
        CliTest.Run forced = CliTest.rump("mkfs", "-F", d.toString(), "8M");
        assertEquals(1, forced.status(), forced.err());
        assertTrue(forced.err().contains("EISDIR"), forced.err());
    }

    @Test
    void usageTellsAboutForce() {
        String usage = Main.commandLine().getSubcommands().get("mkfs").getUsageMessage();
        assertTrue(usage.contains("-F, --force"), usage);
        assertTrue(usage.contains("overwritten only with -F"), usage);
    }

    private static void putLe32(byte[] b, int off, int v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    private static byte[] sha256(Path p) throws IOException {
        try {
            return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
