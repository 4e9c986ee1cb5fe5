package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.fs.mkfs.Mkfs;
import io.jrump.fs.mkfs.MkfsOptions;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user meets first: help for every command, and messages that read like the rest of the command's. */
class HelpAndMessagesTest {
    /** ext2 superblock: at byte 1024 of the image, s_state (1: cleanly unmounted) at offset 0x3A ("Ext4 Disk Layout"). */
    private static final int SUPERBLOCK = 1024;
    private static final int S_STATE = 0x3A;

    @TempDir
    Path dir;

    @Test
    void helpOfACommandWithRequiredArgumentsIsItsUsage() {
        for (List<String> args : List.of(List.of("ls", "--help"), List.of("ls", "-h"), List.of("help", "ls"))) {
            CliTest.Run r = CliTest.rump(args.toArray(String[]::new));
            assertEquals(0, r.status(), args + ": " + r.err());
            assertEquals("", r.err(), args.toString());
            assertTrue(r.out().startsWith("Usage: rump ls "), args + ": " + r.out());
            assertTrue(r.out().contains("IMAGE:PATH"), r.out());
        }
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : Main.commandLine().getSubcommands().keySet()) {
            CliTest.Run r = CliTest.rump(command, "--help");
            assertEquals(0, r.status(), command + ": " + r.err());
            assertTrue(r.out().contains("Usage: rump " + command + " "), command + ": " + r.out());
        }
    }

    @Test
    void cpHelpShowsOneSynopsisAndNoError() {
        CliTest.Run r = CliTest.rump("cp", "--help");
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.err());
        String synopsis = r.out().lines().findFirst().orElseThrow();
        assertTrue(synopsis.endsWith(" SRC... DST"), synopsis);
        assertFalse(r.out().contains("DST SRC"), r.out());
    }

    @Test
    void anImageThatCannotBeOpenedIsNamedWithTheCall() throws Exception {
        Path missing = dir.resolve("missing.img");
        CliTest.Run r = CliTest.rump("ls", missing + ":/");
        assertEquals(1, r.status());
        assertEquals("rump ls: open " + missing + ": ENOENT (No such file or directory): no such file", r.err().strip());

        Path zeros = dir.resolve("zeros.img");
        Files.write(zeros, new byte[1 << 20]);
        r = CliTest.rump("cat", zeros + ":/x");
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("rump cat: mount " + zeros + ": EINVAL (Invalid argument): no file system recognised"), r.err());

        r = CliTest.rump("ls", zeros + "@3:/");
        assertEquals(1, r.status());
        assertEquals("rump ls: open " + zeros + "@3: ENXIO (No such device or address): no partition table, so no partition 3",
                r.err().strip());
    }

    @Test
    void kernelWarningsReadAsTheCommandsOwn() throws Exception {
        Path img = dir.resolve("unclean.img");
        Mkfs.createImage(img, 8L << 20, new MkfsOptions("ext2", 0, "unclean", null));
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(SUPERBLOCK + S_STATE);
            f.write(new byte[] {0, 0}); // not cleanly unmounted
        }
        CliTest.Run r = CliTest.rump("mkdir", img + ":/d");
        assertEquals(0, r.status(), r.err());
        assertEquals("rump: warning: ext2: mounting a file system that was not cleanly unmounted; running e2fsck is recommended",
                r.err().strip());
    }
}
