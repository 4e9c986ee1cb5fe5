package io.jrump.fs.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.BlockDevice;
import io.jrump.dev.FileBlockDevice;
import io.jrump.dev.part.PartitionTable;
import io.jrump.fs.mkfs.Mkfs;
import io.jrump.fs.mkfs.MkfsOptions;
import io.jrump.testing.Peers;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.ProviderNotFoundException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How images are found and opened: URIs, {@code create}, type detection, partitions, refusals. */
class ImageOpeningTest {
    @TempDir
    Path dir;

    @Test
    void uriFormCreatesRegistersAndResolvesPaths() throws Exception {
        Path img = dir.resolve("with space.img");
        URI uri = URI.create("rump:" + img.toUri() + "!/");
        try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of("create", "true", "size", "8m"))) {
            assertEquals(8L << 20, Files.size(img));
            Files.createDirectories(fs.getPath("/etc"));
            Files.writeString(fs.getPath("/etc/hostname"), "jrump\n");
            Path viaUri = Path.of(URI.create("rump:" + img.toUri() + "!/etc/hostname"));
            assertSame(fs, viaUri.getFileSystem());
            assertEquals("jrump\n", Files.readString(viaUri));
            assertSame(fs, FileSystems.getFileSystem(uri));
            URI back = fs.getPath("/etc/hostname").toUri();
            assertEquals("rump", back.getScheme());
            assertEquals(fs.getPath("/etc/hostname"), Path.of(back));
            assertThrows(FileSystemAlreadyExistsException.class, () -> FileSystems.newFileSystem(uri, Map.of()));
            assertEquals("ext2", Files.getFileStore(fs.getPath("/")).type());
        }
        assertThrows(FileSystemNotFoundException.class, () -> FileSystems.getFileSystem(uri));
        Peers.require("e2fsck", "e2fsprogs");
        assertEquals(0, Peers.run("e2fsck", "-fn", img.toString()).status());
    }

    @Test
    void missingImageWithoutCreateIsNoSuchFile() {
        URI uri = URI.create("rump:" + dir.resolve("nope.img").toUri() + "!/");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> FileSystems.newFileSystem(uri, Map.of()));
        assertTrue(e.getFile().endsWith("nope.img"), e.getFile());
    }

    @Test
    void aFileWithoutAFileSystemIsNotThisProvidersAndUnknownKeysAreRefused() throws Exception {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "just text, no superblock\n".repeat(200));
        assertThrows(ProviderNotFoundException.class, () -> FileSystems.newFileSystem(text, Map.of()));
        Path img = dir.resolve("ok.img");
        Mkfs.createImage(img, 2L << 20, new MkfsOptions("ext2", 0, "", null));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> new RumpFileSystemProvider().newFileSystem(img, Map.of("readonly", "true")));
        assertTrue(bad.getMessage().contains("readonly"), bad.getMessage());
    }

    @Test
    void namedTypeThatDoesNotMountSaysSoNamingTheImage() throws Exception {
        Path text = dir.resolve("blank.img");
        Files.write(text, new byte[1 << 20]);
        FileSystemException e = assertThrows(FileSystemException.class,
                () -> new RumpFileSystemProvider().newFileSystem(text, Map.of("type", "ext2")));
        assertTrue(e.getFile().endsWith("blank.img"), e.getFile());
        assertTrue(e.getReason().startsWith("E"), "the errno is in the reason: " + e.getReason());
    }

    @Test
    void partitionOfAWholeDiskImage() throws Exception {
        Peers.require("sfdisk", "fdisk");
        Path img = dir.resolve("disk.img");
        Peers.ok("truncate", "-s", "24M", img.toString());
        Peers.okWithInput("label: gpt\n,4M\n,12M\n", "sfdisk", "-q", img.toString());
        try (FileBlockDevice disk = FileBlockDevice.open(img, false)) {
            BlockDevice part2 = PartitionTable.read(disk, "disk.img").partition(2).open(disk, "disk.img@2");
            Mkfs.format(part2, new MkfsOptions("ext2", 0, "second", null), false);
        }
        try (FileSystem fs = FileSystems.newFileSystem(img, Map.of("partition", 2))) {
            Files.writeString(fs.getPath("/in-partition-2"), "yes");
            String store = Files.getFileStore(fs.getPath("/")).name();
            assertTrue(store.endsWith("disk.img@2"), store);
        }
        try (FileSystem fs = new RumpFileSystemProvider().newFileSystem(img, Map.of("partition", "2", "readOnly", "true"))) {
            assertEquals("yes", Files.readString(fs.getPath("/in-partition-2")));
        }
        FileSystemException none = assertThrows(FileSystemException.class,
                () -> new RumpFileSystemProvider().newFileSystem(img, Map.of("partition", 3)));
        assertTrue(none.getReason().contains("ENXIO"), none.getReason());
        UnsupportedOperationException whole = assertThrows(UnsupportedOperationException.class,
                () -> new RumpFileSystemProvider().newFileSystem(img, Map.of()));
        assertFalse(whole.getMessage().isEmpty());
    }

    @Test
    void ext4ImageFromMkfsExt4ReadsBack() throws Exception {
        Peers.require("mkfs.ext4", "e2fsprogs");
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("d"));
        Files.writeString(tree.resolve("d/f.txt"), "extents\n".repeat(5000));
        Path img = dir.resolve("e4.img");
        Peers.ok("truncate", "-s", "32M", img.toString());
        Peers.ok("mkfs.ext4", "-q", "-F", "-d", tree.toString(), img.toString());
        try (FileSystem fs = FileSystems.newFileSystem(img, Map.of("readOnly", true))) {
            assertEquals("ext4", Files.getFileStore(fs.getPath("/")).type());
            assertEquals(Files.readString(tree.resolve("d/f.txt")), Files.readString(fs.getPath("/d/f.txt")));
        }
    }
}
