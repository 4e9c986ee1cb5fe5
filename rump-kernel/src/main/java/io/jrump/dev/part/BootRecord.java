package io.jrump.dev.part;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A typed view of a DOS boot record, the Master Boot Record in sector 0 or an Extended Boot
 * Record in the chain of logical partitions: four 16-byte partition entries and the 0x55AA
 * signature. Zero-copy over the sector as read; nothing is checked until asked.
 *
 * <p>Layout from the "Master boot record" and "Extended boot record" entries of the
 * de-facto IBM PC specification as Linux's {@code block/partitions/msdos.c} reads it.
 */
final class BootRecord {
    /** Offset of the first of the four partition entries. */
    private static final int ENTRIES = 446;
    private static final int ENTRY_SIZE = 16;
    static final int SLOTS = 4;
    /** Offset of the two signature bytes 0x55 0xAA (the little-endian short 0xAA55). */
    private static final int SIGNATURE = 510;
    private static final short SIGNATURE_VALUE = (short) 0xAA55;
    /** Entry fields: boot indicator, type, first sector (LBA), sector count. */
    private static final int STATUS = 0;
    private static final int TYPE = 4;
    private static final int LBA_START = 8;
    private static final int LBA_COUNT = 12;
    /** The boot indicator of an entry is 0x00 (inactive) or 0x80 (active), nothing else. */
    private static final int ACTIVE = 0x80;

    /** The type of the protective (or hybrid) MBR entry that says "this disk uses GPT" (UEFI 2.10, 5.2.3). */
    static final int TYPE_GPT_PROTECTIVE = 0xEE;
    /** Types of an extended partition: CHS, LBA, and Linux's own. */
    private static final int TYPE_EXTENDED_CHS = 0x05;
    private static final int TYPE_EXTENDED_LBA = 0x0F;
    private static final int TYPE_EXTENDED_LINUX = 0x85;

    /** The bytes a boot record needs, whatever the disk's sector size. */
    static final int SIZE = 512;

    private final ByteBuffer buf;

    BootRecord(ByteBuffer sector) {
        this.buf = sector.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    boolean hasSignature() {
        return buf.getShort(SIGNATURE) == SIGNATURE_VALUE;
    }

    /**
     * Whether every boot indicator is 0x00 or 0x80. A FAT or NTFS boot sector also ends in
     * 0x55AA, with boot code where the entries would be; Linux tells the two apart this way.
     */
    boolean hasValidStatusBytes() {
        for (int i = 0; i < SLOTS; i++) {
            int status = Byte.toUnsignedInt(buf.get(entry(i) + STATUS));
            if (status != 0 && status != ACTIVE) {
                return false;
            }
        }
        return true;
    }

    int type(int slot) {
        return Byte.toUnsignedInt(buf.get(entry(slot) + TYPE));
    }

    /** The first sector, relative to what the record's kind says (the disk, the EBR, the extended partition). */
    long start(int slot) {
        return Integer.toUnsignedLong(buf.getInt(entry(slot) + LBA_START));
    }

    long count(int slot) {
        return Integer.toUnsignedLong(buf.getInt(entry(slot) + LBA_COUNT));
    }

    boolean isEmpty(int slot) {
        return type(slot) == 0 || count(slot) == 0;
    }

    static boolean isExtended(int type) {
        return type == TYPE_EXTENDED_CHS || type == TYPE_EXTENDED_LBA || type == TYPE_EXTENDED_LINUX;
    }

    /** The type as tools print it: {@code 0x83}. */
    String typeName(int slot) {
        return String.format("0x%02x", type(slot));
    }

    private static int entry(int slot) {
        return ENTRIES + slot * ENTRY_SIZE;
    }
}
