package io.jrump.dev.part;

import io.jrump.api.BlockDevice;
import java.util.Objects;

/**
 * One partition of a whole-disk image, numbered the way Linux numbers {@code /dev/sdaN} (and
 * {@code sfdisk}/{@code sgdisk} list them): MBR primary slots are 1 to 4 and logical
 * partitions 5 onwards in chain order; GPT entries are their slot in the entry array plus one.
 * Empty slots keep their number, so partition 3 is the same partition in every tool.
 *
 * @param number the partition number, from 1
 * @param start the first sector, in the disk's sectors
 * @param sectors the length in sectors, positive
 * @param type the type as the table states it: {@code "0x83"} for MBR, the type GUID for GPT
 * @param name the GPT partition name, or {@code ""} for MBR
 */
public record Partition(int number, long start, long sectors, String type, String name) {
    public Partition {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        if (number < 1 || start < 0 || sectors <= 0) {
            throw new IllegalArgumentException("partition " + number + ": start " + start + ", " + sectors + " sectors");
        }
    }

    /** The sector after the last one. */
    public long end() {
        return start + sectors;
    }

    /**
     * This partition of {@code disk} as a device of its own, for a file system to mount. The view
     * does not own the disk: closing it leaves the disk open.
     *
     * @param label names the view in error messages ({@code "disk.img@2"})
     */
    public BlockDevice open(BlockDevice disk, String label) {
        return new PartitionDevice(disk, this, label);
    }
}
