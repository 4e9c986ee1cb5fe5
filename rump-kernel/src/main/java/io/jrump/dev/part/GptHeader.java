package io.jrump.dev.part;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/**
 * A typed view of a GPT header (primary in LBA 1, backup in the last LBA), with
 * {@link #check} for everything the UEFI specification asks a reader to verify before
 * trusting it: signature, header size, header CRC32, its own LBA, and usable range and entry
 * array geometry that fit the disk.
 *
 * <p>Layout and rules: UEFI Specification 2.10, section 5.3.2 "GPT Header" and 5.3.3
 * "Validating a GPT Header".
 */
final class GptHeader {
    /** "EFI PART" as the little-endian long it is compared as. */
    private static final long SIGNATURE_VALUE = 0x5452415020494645L;
    private static final int SIGNATURE = 0;
    private static final int HEADER_SIZE = 12;
    private static final int HEADER_CRC32 = 16;
    private static final int MY_LBA = 24;
    private static final int ALTERNATE_LBA = 32;
    private static final int FIRST_USABLE_LBA = 40;
    private static final int LAST_USABLE_LBA = 48;
    private static final int DISK_GUID = 56;
    private static final int PARTITION_ENTRY_LBA = 72;
    private static final int NUMBER_OF_ENTRIES = 80;
    private static final int SIZE_OF_ENTRY = 84;
    private static final int ENTRY_ARRAY_CRC32 = 88;
    /** The size of the header fields defined by revision 1.0; a header may be larger, up to a sector. */
    private static final int MIN_HEADER_SIZE = 92;
    /** Entries are 128 bytes times a power of two (5.3.2). */
    static final int MIN_ENTRY_SIZE = 128;
    /** A bound on the entry array read into memory (tools make 16 KiB); a larger one is garbage. */
    static final int MAX_ENTRY_ARRAY = 1 << 20;

    private final ByteBuffer buf;

    GptHeader(ByteBuffer sector) {
        this.buf = sector.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    long myLba() {
        return buf.getLong(MY_LBA);
    }

    long alternateLba() {
        return buf.getLong(ALTERNATE_LBA);
    }

    long firstUsableLba() {
        return buf.getLong(FIRST_USABLE_LBA);
    }

    long lastUsableLba() {
        return buf.getLong(LAST_USABLE_LBA);
    }

    String diskGuid() {
        return GptEntries.guid(buf, DISK_GUID);
    }

    long entryLba() {
        return buf.getLong(PARTITION_ENTRY_LBA);
    }

    long entryCount() {
        return Integer.toUnsignedLong(buf.getInt(NUMBER_OF_ENTRIES));
    }

    long entrySize() {
        return Integer.toUnsignedLong(buf.getInt(SIZE_OF_ENTRY));
    }

    int entryArrayCrc() {
        return buf.getInt(ENTRY_ARRAY_CRC32);
    }

    /** Bytes in the entry array; valid after {@link #check}. */
    int entryArrayBytes() {
        return (int) (entryCount() * entrySize());
    }

    /**
     * Checks the header read from {@code lba} of a disk of {@code sectors} sectors of
     * {@code sectorSize} bytes.
     *
     * @return {@code null} when the header can be trusted, else what is wrong with it
     */
    String check(long lba, long sectors, int sectorSize) {
        if (buf.getLong(SIGNATURE) != SIGNATURE_VALUE) {
            byte[] sig = new byte[8];
            buf.get(SIGNATURE, sig);
            return "no \"EFI PART\" signature (found \"" + printable(sig) + "\")";
        }
        long headerSize = Integer.toUnsignedLong(buf.getInt(HEADER_SIZE));
        if (headerSize < MIN_HEADER_SIZE || headerSize > sectorSize) {
            return "header size " + headerSize + " is not between " + MIN_HEADER_SIZE + " and the sector size " + sectorSize;
        }
        ByteBuffer copy = ByteBuffer.allocate((int) headerSize).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(buf.duplicate().position(0).limit((int) headerSize)).putInt(HEADER_CRC32, 0);
        int crc = crc32(copy.flip());
        if (crc != buf.getInt(HEADER_CRC32)) {
            return String.format("header CRC32 is 0x%08x, computed 0x%08x", buf.getInt(HEADER_CRC32), crc);
        }
        if (myLba() != lba) {
            return "header says it is at LBA " + myLba() + " but was read from LBA " + lba;
        }
        long first = firstUsableLba();
        long last = lastUsableLba();
        if (first < 0 || last < first || last >= sectors) {
            return "usable LBAs " + first + " to " + last + " do not fit the disk (" + sectors + " sectors)";
        }
        long size = entrySize();
        long count = entryCount();
        if (size < MIN_ENTRY_SIZE || size % MIN_ENTRY_SIZE != 0 || Long.bitCount(size / MIN_ENTRY_SIZE) != 1) {
            return "entry size " + size + " is not 128 times a power of two";
        }
        if (count * size > MAX_ENTRY_ARRAY) {
            return count + " entries of " + size + " bytes exceed the " + MAX_ENTRY_ARRAY + "-byte bound on the entry array";
        }
        long entrySectors = (count * size + sectorSize - 1) / sectorSize;
        long at = entryLba();
        if (at < 1 || at >= sectors || entrySectors > sectors - at) {
            return "entry array at LBA " + at + " (" + entrySectors + " sectors) does not fit the disk (" + sectors + " sectors)";
        }
        if (at <= lba && lba < at + entrySectors) {
            return "entry array at LBA " + at + " overlaps the header";
        }
        return null;
    }

    static int crc32(ByteBuffer bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    private static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte c : b) {
            sb.append(c >= 0x20 && c < 0x7f ? (char) c : '.');
        }
        return sb.toString();
    }
}
