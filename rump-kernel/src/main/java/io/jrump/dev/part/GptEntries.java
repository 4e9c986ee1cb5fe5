package io.jrump.dev.part;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A typed view of a GPT partition entry array: type and unique GUIDs, first and last LBA
 * (inclusive), attributes and a UTF-16LE name per entry. An entry whose type GUID is all
 * zeros is unused.
 *
 * <p>Layout: UEFI Specification 2.10, section 5.3.3 "GPT Partition Entry Array", table 5.6.
 */
final class GptEntries {
    private static final int TYPE_GUID = 0;
    private static final int STARTING_LBA = 32;
    private static final int ENDING_LBA = 40;
    private static final int PARTITION_NAME = 56;
    /** 36 UTF-16 code units. */
    private static final int NAME_BYTES = 72;
    private static final int GUID_BYTES = 16;

    private final ByteBuffer buf;
    private final int count;
    private final int size;

    GptEntries(ByteBuffer array, int count, int size) {
        this.buf = array.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.count = count;
        this.size = size;
    }

    int count() {
        return count;
    }

    boolean isUsed(int i) {
        int at = i * size + TYPE_GUID;
        return buf.getLong(at) != 0 || buf.getLong(at + 8) != 0;
    }

    String typeGuid(int i) {
        return guid(buf, i * size + TYPE_GUID);
    }

    long firstLba(int i) {
        return buf.getLong(i * size + STARTING_LBA);
    }

    long lastLba(int i) {
        return buf.getLong(i * size + ENDING_LBA);
    }

    /** The name up to its first NUL. */
    String name(int i) {
        byte[] raw = new byte[NAME_BYTES];
        buf.get(i * size + PARTITION_NAME, raw);
        String s = new String(raw, StandardCharsets.UTF_16LE);
        int nul = s.indexOf('\0');
        return nul < 0 ? s : s.substring(0, nul);
    }

    /**
     * A GUID in its registry form ({@code 0FC63DAF-8483-4772-8E79-3D69D8477DE4}): the first
     * three fields are stored little-endian, the last two as bytes in order (RFC 4122 as
     * Microsoft lays it out, which UEFI follows).
     */
    static String guid(ByteBuffer b, int at) {
        ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        StringBuilder sb = new StringBuilder(36);
        sb.append(String.format("%08X-%04X-%04X-", le.getInt(at), le.getShort(at + 4), le.getShort(at + 6)));
        for (int k = 8; k < GUID_BYTES; k++) {
            if (k == 10) {
                sb.append('-');
            }
            sb.append(String.format("%02X", le.get(at + k)));
        }
        return sb.toString();
    }
}
