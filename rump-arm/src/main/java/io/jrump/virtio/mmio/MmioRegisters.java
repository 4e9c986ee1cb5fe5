package io.jrump.virtio.mmio;

/**
 * Register offsets and values of virtio-mmio, virtio 1.2 section 4.2.2 (version 2) and
 * 4.2.4 (legacy, version 1).
 */
public final class MmioRegisters {
    private MmioRegisters() {
    }

    /** "virt" in little-endian. */
    public static final int MAGIC = 0x74726976;
    public static final int MAGIC_VALUE = 0x000;
    public static final int VERSION = 0x004;
    public static final int DEVICE_ID = 0x008;
    public static final int VENDOR_ID = 0x00c;
    public static final int DEVICE_FEATURES = 0x010;
    public static final int DEVICE_FEATURES_SEL = 0x014;
    public static final int DRIVER_FEATURES = 0x020;
    public static final int DRIVER_FEATURES_SEL = 0x024;
    /** Legacy only. */
    public static final int GUEST_PAGE_SIZE = 0x028;
    public static final int QUEUE_SEL = 0x030;
    public static final int QUEUE_NUM_MAX = 0x034;
    public static final int QUEUE_NUM = 0x038;
    /** Legacy only. */
    public static final int QUEUE_ALIGN = 0x03c;
    /** Legacy only: the ring's guest page frame number. */
    public static final int QUEUE_PFN = 0x040;
    public static final int QUEUE_READY = 0x044;
    public static final int QUEUE_NOTIFY = 0x050;
    public static final int INTERRUPT_STATUS = 0x060;
    public static final int INTERRUPT_ACK = 0x064;
    public static final int STATUS = 0x070;
    public static final int QUEUE_DESC_LOW = 0x080;
    public static final int QUEUE_DESC_HIGH = 0x084;
    public static final int QUEUE_DRIVER_LOW = 0x090;
    public static final int QUEUE_DRIVER_HIGH = 0x094;
    public static final int QUEUE_DEVICE_LOW = 0x0a0;
    public static final int QUEUE_DEVICE_HIGH = 0x0a4;
    public static final int CONFIG_GENERATION = 0x0fc;
    public static final int CONFIG = 0x100;

    /** InterruptStatus bits. */
    public static final int INT_USED_BUFFER = 1;
    public static final int INT_CONFIG_CHANGE = 2;

    /** Page size the legacy driver announces, and the legacy ring alignment it uses. */
    public static final int LEGACY_PAGE = 4096;
}
