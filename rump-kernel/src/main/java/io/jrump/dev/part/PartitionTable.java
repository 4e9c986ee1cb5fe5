package io.jrump.dev.part;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The partition table of a whole-disk image, read once: which scheme, which partitions.
 * {@link #read} looks at sector 0; a protective MBR entry (type 0xEE) means GPT, any other
 * valid MBR means DOS partitions, and anything else (a bare file system image, whose first
 * sector is boot code or zeros) means no table.
 *
 * <p>The disk's contents are untrusted: every field is checked before it is used, and a
 * damaged table is an {@link ErrnoException} ({@code EIO}) naming the disk and the structure
 * ({@code disk.img: mbr: extended boot record at sector 2048: no 0x55AA signature}), never an
 * unchecked exception. Reading never writes.
 */
public final class PartitionTable {
    /** How the disk is divided. */
    public enum Scheme {
        /** No partition table: the disk is one file system, or empty. */
        NONE,
        /** DOS partitions: MBR primaries and EBR-chained logical partitions. */
        MBR,
        /** GUID partition table. */
        GPT
    }

    private final String disk;
    private final Scheme scheme;
    private final List<Partition> partitions;
    private final List<String> notes;

    private PartitionTable(String disk, Scheme scheme, List<Partition> partitions, List<String> notes) {
        this.disk = disk;
        this.scheme = scheme;
        this.partitions = List.copyOf(partitions);
        this.notes = List.copyOf(notes);
    }

    /**
     * Reads the table of {@code disk}.
     *
     * @param name names the disk in error messages (the image's file name)
     * @throws ErrnoException EIO when the table is damaged, or what the disk reports
     */
    public static PartitionTable read(BlockDevice disk, String name) throws ErrnoException {
        int sectorSize = disk.sectorSize();
        ByteBuffer first = readSectors(disk, name, 0, Math.max(sectorSize, BootRecord.SIZE));
        BootRecord mbr = new BootRecord(first);
        if (!mbr.hasSignature() || !mbr.hasValidStatusBytes()) {
            return new PartitionTable(name, Scheme.NONE, List.of(), List.of());
        }
        for (int slot = 0; slot < BootRecord.SLOTS; slot++) {
            if (mbr.type(slot) == BootRecord.TYPE_GPT_PROTECTIVE) {
                GptReader gpt = new GptReader(disk, name);
                List<Partition> parts = gpt.read();
                return new PartitionTable(name, Scheme.GPT, parts, gpt.notes());
            }
        }
        return new PartitionTable(name, Scheme.MBR, new MbrReader(disk, name).read(mbr), List.of());
    }

    public Scheme scheme() {
        return scheme;
    }

    /** The partitions in number order (primaries before logicals, GPT in slot order). */
    public List<Partition> partitions() {
        return partitions;
    }

    /** Damage that was worked around, such as a primary GPT replaced by its backup. */
    public List<String> notes() {
        return notes;
    }

    /**
     * Partition {@code number}.
     *
     * @throws ErrnoException ENXIO when the disk has no table or no partition by that number
     */
    public Partition partition(int number) throws ErrnoException {
        if (scheme == Scheme.NONE) {
            throw new ErrnoException(Errno.ENXIO, disk + ": no partition table, so no partition " + number);
        }
        for (Partition p : partitions) {
            if (p.number() == number) {
                return p;
            }
        }
        throw new ErrnoException(Errno.ENXIO, disk + ": " + scheme.name().toLowerCase(java.util.Locale.ROOT)
                + " table has no partition " + number + " (has " + numbers() + ")");
    }

    private String numbers() {
        if (partitions.isEmpty()) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (Partition p : partitions) {
            sb.append(sb.length() == 0 ? "" : ", ").append(p.number());
        }
        return sb.toString();
    }

    /** Reads {@code bytes} (whole sectors) at {@code lba}, naming the disk when the read fails. */
    static ByteBuffer readSectors(BlockDevice disk, String name, long lba, int bytes) throws ErrnoException {
        int sectorSize = disk.sectorSize();
        int rounded = (bytes + sectorSize - 1) / sectorSize * sectorSize;
        if (lba < 0 || lba >= disk.sectors() || rounded / sectorSize > disk.sectors() - lba) {
            throw new ErrnoException(Errno.EIO, name + ": partition table structure at LBA " + lba
                    + " lies past the end of the disk (" + disk.sectors() + " sectors)");
        }
        ByteBuffer buf = ByteBuffer.allocate(rounded);
        disk.read(lba, buf);
        return buf.flip();
    }
}
