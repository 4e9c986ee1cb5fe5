package io.jrump.cli;

import io.jrump.api.BlockDevice;
import io.jrump.api.ErrnoException;
import io.jrump.measure.Units;
import io.jrump.dev.FileBlockDevice;
import io.jrump.dev.part.PartitionTable;
import io.jrump.fs.nio.FsType;
import io.jrump.fs.nio.FsTypes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What an existing file holds, in words, so that {@code rump mkfs} can refuse to overwrite it
 * unasked, as mke2fs asks before it overwrites a file system or a partition table. A file
 * system is recognised by the same probe that opens images ({@link FsTypes}), a partition
 * table by the reader that finds partitions ({@link PartitionTable}); anything else counts as
 * data when one byte of its start is not zero. An empty or all-zero file holds nothing.
 */
final class ImageContents {
    /** Bytes scanned for data: the area where boot sectors, partition tables and superblocks live. */
    static final int SCANNED = 64 << 10;
    private static final int SECTOR = 512;

    private ImageContents() {
    }

    /**
     * A description of what {@code image} holds ("an ext2 file system (label 'data', 8.00 MiB)",
     * "a partition table (mbr, 2 partitions)", "data (a non-zero byte at offset 1024)"), or
     * {@code null} when it holds nothing worth keeping.
     */
    static String describe(Path image) throws ErrnoException {
        long size;
        try {
            size = Files.size(image);
        } catch (IOException e) {
            throw HostSide.errno("mkfs", image.toString(), e);
        }
        if (size >= SECTOR && size % SECTOR == 0) {
            try (FileBlockDevice disk = FileBlockDevice.open(image, true)) {
                String found = structure(disk, image.toString());
                if (found != null) {
                    return found;
                }
            }
        }
        long offset = firstNonZero(image);
        return offset < 0 ? null : "data (a non-zero byte at offset " + offset + ")";
    }

    /** The same for a device (a {@code vhost-user-blk:SOCKET} disk), read through it. */
    static String describe(BlockDevice disk, String name) throws ErrnoException {
        String found = structure(disk, name);
        if (found != null) {
            return found;
        }
        int sector = disk.sectorSize();
        int n = (int) Math.min(SCANNED, disk.size()) / sector * sector;
        ByteBuffer start = ByteBuffer.allocate(n);
        disk.read(0, start);
        for (int i = 0; i < n; i++) {
            if (start.get(i) != 0) {
                return "data (a non-zero byte at offset " + i + ")";
            }
        }
        return null;
    }

    /** A file system or a partition table on {@code disk}, in words, or null. */
    private static String structure(BlockDevice disk, String name) throws ErrnoException {
        FsType t = FsTypes.detect(disk);
        if (t != null) {
            return ("aeiou".indexOf(Character.toLowerCase(t.name().charAt(0))) >= 0 ? "an " : "a ") + t.name() + " file system ("
                    + (t.label().isEmpty() ? "" : "label '" + t.label() + "', ") + Units.bytes(t.bytes()) + ")";
        }
        return table(disk, name);
    }

    private static String table(BlockDevice disk, String name) {
        try {
            PartitionTable t = PartitionTable.read(disk, name);
            if (t.scheme() == PartitionTable.Scheme.NONE) {
                return null;
            }
            int n = t.partitions().size();
            return "a partition table (" + t.scheme().name().toLowerCase(Locale.ROOT) + ", " + n + (n == 1 ? " partition)" : " partitions)");
        } catch (ErrnoException e) {
            return "a damaged partition table (" + e.getMessage() + ")";
        }
    }

    /** The offset of the first non-zero byte in the first {@link #SCANNED} bytes, or -1. */
    private static long firstNonZero(Path image) throws ErrnoException {
        try (InputStream in = Files.newInputStream(image)) {
            byte[] start = in.readNBytes(SCANNED);
            for (int i = 0; i < start.length; i++) {
                if (start[i] != 0) {
                    return i;
                }
            }
            return -1;
        } catch (IOException e) {
            throw HostSide.errno("mkfs", image.toString(), e);
        }
    }
}
