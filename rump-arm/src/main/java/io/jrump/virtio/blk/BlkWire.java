package io.jrump.virtio.blk;

/**
 * virtio-blk's layouts and numbers, virtio 1.2 section 5.2: feature bits, the configuration
 * space, request types and status values. Sector numbers in requests are always in 512-byte
 * units, whatever {@code blk_size} says.
 */
public final class BlkWire {
    private BlkWire() {
    }

    // Feature bits (5.2.3)
    public static final int F_SIZE_MAX = 1;
    public static final int F_SEG_MAX = 2;
    public static final int F_GEOMETRY = 4;
    public static final int F_RO = 5;
    public static final int F_BLK_SIZE = 6;
    public static final int F_FLUSH = 9;
    public static final int F_TOPOLOGY = 10;
    public static final int F_CONFIG_WCE = 11;
    public static final int F_MQ = 12;
    public static final int F_DISCARD = 13;
    public static final int F_WRITE_ZEROES = 14;

    // Configuration space offsets (struct virtio_blk_config, 5.2.4)
    public static final int CFG_CAPACITY = 0;
    public static final int CFG_SIZE_MAX = 8;
    public static final int CFG_SEG_MAX = 12;
    public static final int CFG_BLK_SIZE = 20;
    public static final int CFG_NUM_QUEUES = 34;
    public static final int CFG_MAX_DISCARD_SECTORS = 36;
    public static final int CFG_MAX_DISCARD_SEG = 40;
    public static final int CFG_DISCARD_SECTOR_ALIGNMENT = 44;
    public static final int CFG_MAX_WRITE_ZEROES_SECTORS = 48;
    public static final int CFG_MAX_WRITE_ZEROES_SEG = 52;
    public static final int CFG_WRITE_ZEROES_MAY_UNMAP = 56;
    /** Bytes of the configuration space this driver reads. */
    public static final int CFG_SIZE = 60;

    // Request types (5.2.6)
    public static final int T_IN = 0;
    public static final int T_OUT = 1;
    public static final int T_FLUSH = 4;
    public static final int T_GET_ID = 8;
    public static final int T_DISCARD = 11;
    public static final int T_WRITE_ZEROES = 13;

    // Status (5.2.6)
    public static final int S_OK = 0;
    public static final int S_IOERR = 1;
    public static final int S_UNSUPP = 2;

    /** struct virtio_blk_outhdr: type u32, reserved u32, sector u64. */
    public static final int HEADER_SIZE = 16;
    /** struct virtio_blk_discard_write_zeroes: sector u64, num_sectors u32, flags u32. */
    public static final int RANGE_SIZE = 16;
    /** Flag of a write-zeroes range: the device may unmap instead of writing zeroes. */
    public static final int RANGE_F_UNMAP = 1;
    /** Bytes of the GET_ID answer. */
    public static final int ID_BYTES = 20;
    /** Request sectors are 512 bytes. */
    public static final int SECTOR = 512;
}
