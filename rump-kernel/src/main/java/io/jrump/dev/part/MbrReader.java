package io.jrump.dev.part;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the partitions of a DOS (MBR) partition table: the four primary slots, then the chain
 * of Extended Boot Records inside the extended partition. Each EBR holds one logical partition
 * (its start relative to the EBR) and a link to the next EBR (relative to the extended
 * partition's start), the convention of Linux's {@code msdos.c} and of {@code sfdisk}.
 *
 * <p>The chain is untrusted: a link that leaves the extended partition, points back at an EBR
 * already read, or runs on past {@value #MAX_LOGICAL} logical partitions is reported as
 * damage rather than followed.
 */
final class MbrReader {
    /** More logical partitions than any tool makes; a longer chain is a loop or garbage. */
    static final int MAX_LOGICAL = 256;
    /** Linux numbers logical partitions from 5, after the four primary slots. */
    private static final int FIRST_LOGICAL = BootRecord.SLOTS + 1;

    private final BlockDevice disk;
    private final String name;

    MbrReader(BlockDevice disk, String name) {
        this.disk = disk;
        this.name = name;
    }

    List<Partition> read(BootRecord mbr) throws ErrnoException {
        List<Partition> parts = new ArrayList<>();
        long extendedStart = -1;
        long extendedEnd = -1;
        int extendedNumber = 0;
        for (int slot = 0; slot < BootRecord.SLOTS; slot++) {
            if (mbr.isEmpty(slot)) {
                continue;
            }
            Partition p = checked("mbr: partition " + (slot + 1), slot + 1, mbr.start(slot), mbr.count(slot),
                    mbr.typeName(slot), 0, disk.sectors());
            parts.add(p);
            if (BootRecord.isExtended(mbr.type(slot))) {
                if (extendedStart >= 0) {
                    throw damaged("mbr: partitions " + extendedNumber + " and " + (slot + 1) + " are both extended partitions");
                }
                extendedNumber = slot + 1;
                extendedStart = p.start();
                extendedEnd = p.end();
            }
        }
        if (extendedStart >= 0) {
            readLogical(extendedStart, extendedEnd, parts);
        }
        return parts;
    }

    private void readLogical(long extStart, long extEnd, List<Partition> parts) throws ErrnoException {
        Set<Long> seen = new HashSet<>();
        long ebrSector = extStart;
        int number = FIRST_LOGICAL;
        while (true) {
            String what = "mbr: extended boot record at sector " + ebrSector;
            if (!seen.add(ebrSector)) {
                throw damaged(what + " is linked twice (the chain loops)");
            }
            if (seen.size() > MAX_LOGICAL) {
                throw damaged("mbr: more than " + MAX_LOGICAL + " logical partitions (a corrupt chain?)");
            }
            BootRecord ebr = new BootRecord(PartitionTable.readSectors(disk, name, ebrSector, BootRecord.SIZE));
            if (!ebr.hasSignature()) {
                throw damaged(what + ": no 0x55AA signature");
            }
            if (!ebr.isEmpty(0)) {
                parts.add(checked(what + ": logical partition " + number, number, ebrSector + ebr.start(0),
                        ebr.count(0), ebr.typeName(0), ebrSector, extEnd));
                number++;
            }
            if (ebr.isEmpty(1)) {
                return;
            }
            if (!BootRecord.isExtended(ebr.type(1))) {
                throw damaged(what + ": link entry has type " + ebr.typeName(1) + ", not an extended type");
            }
            long next = extStart + ebr.start(1);
            if (next <= extStart || next >= extEnd) {
                throw damaged(what + ": link to sector " + next + " leaves the extended partition (sectors "
                        + extStart + " to " + (extEnd - 1) + ")");
            }
            ebrSector = next;
        }
    }

    /** A partition whose sectors must lie in {@code [low, high)} (the disk, or the extended partition). */
    private Partition checked(String what, int number, long start, long count, String type, long low, long high)
            throws ErrnoException {
        if (start < low || start >= high || count > high - start) {
            throw damaged(what + ": sectors " + start + " to " + (start + count - 1) + " lie outside "
                    + (low == 0 ? "the disk (" + high + " sectors)" : "sectors " + low + " to " + (high - 1)));
        }
        return new Partition(number, start, count, type, "");
    }

    private ErrnoException damaged(String detail) {
        return new ErrnoException(Errno.EIO, name + ": " + detail);
    }
}
