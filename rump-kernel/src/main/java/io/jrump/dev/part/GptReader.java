package io.jrump.dev.part;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a GUID partition table: the primary header in LBA 1 and its entry array, each checked
 * with its CRC32; when either is damaged, the backup header in the last LBA and its own array,
 * as UEFI firmware does (UEFI 2.10, 5.3.2). The copy used and what was wrong with the other
 * are kept as notes, so a tool can say "primary GPT damaged, using the backup".
 *
 * <p>Entries are checked against the header's usable range; an entry outside it, or with its
 * last LBA before its first, makes the table damaged ({@code EIO} naming the entry).
 */
final class GptReader {
    /** LBA of the primary header. */
    private static final long PRIMARY_LBA = 1;

    private final BlockDevice disk;
    private final String name;
    private final List<String> notes = new ArrayList<>();
    /** The partitions of the copy that {@link #tryCopy} last found good. */
    private List<Partition> partitions;

    GptReader(BlockDevice disk, String name) {
        this.disk = disk;
        this.name = name;
    }

    /** What was found wrong with a copy that was not used. */
    List<String> notes() {
        return notes;
    }

    List<Partition> read() throws ErrnoException {
        long last = disk.sectors() - 1;
        String primaryProblem = tryCopy("primary", PRIMARY_LBA);
        if (primaryProblem == null) {
            return partitions;
        }
        String backupProblem = last > PRIMARY_LBA ? tryCopy("backup", last) : "the disk has no room for one";
        if (backupProblem == null) {
            notes.add("primary GPT " + primaryProblem + "; using the backup at LBA " + last);
            return partitions;
        }
        throw new ErrnoException(Errno.EIO, name + ": gpt: primary " + primaryProblem + "; backup " + backupProblem);
    }

    /** Reads the copy whose header is at {@code lba}; null when it is good (and {@link #partitions} set), else the problem. */
    private String tryCopy(String which, long lba) throws ErrnoException {
        int sectorSize = disk.sectorSize();
        GptHeader h = new GptHeader(PartitionTable.readSectors(disk, name, lba, sectorSize));
        String problem = h.check(lba, disk.sectors(), sectorSize);
        if (problem != null) {
            return "header at LBA " + lba + ": " + problem;
        }
        int bytes = h.entryArrayBytes();
        int rounded = (bytes + sectorSize - 1) / sectorSize * sectorSize;
        ByteBuffer array = PartitionTable.readSectors(disk, name, h.entryLba(), rounded);
        int crc = GptHeader.crc32(array.duplicate().limit(bytes));
        if (crc != h.entryArrayCrc()) {
            return String.format("entry array at LBA %d: CRC32 is 0x%08x, computed 0x%08x", h.entryLba(), h.entryArrayCrc(), crc);
        }
        GptEntries entries = new GptEntries(array, (int) h.entryCount(), (int) h.entrySize());
        List<Partition> found = new ArrayList<>();
        for (int i = 0; i < entries.count(); i++) {
            if (!entries.isUsed(i)) {
                continue;
            }
            long first = entries.firstLba(i);
            long lastLba = entries.lastLba(i);
            if (first < h.firstUsableLba() || lastLba > h.lastUsableLba() || lastLba < first) {
                // A checksummed entry that is wrong is not damage a copy can repair: report it.
                throw new ErrnoException(Errno.EIO, name + ": gpt: " + which + " entry " + (i + 1) + ": LBAs " + first
                        + " to " + lastLba + " lie outside the usable LBAs " + h.firstUsableLba() + " to " + h.lastUsableLba());
            }
            found.add(new Partition(i + 1, first, lastLba - first + 1, entries.typeGuid(i), entries.name(i)));
        }
        partitions = found;
        return null;
    }
}
