package io.jrump.virtio;

/**
 * Numbers from the OASIS virtio 1.2 specification shared by every device type: device status
 * bits (section 2.1), reserved feature bits (section 6) and device IDs (section 5).
 */
public final class Virtio {
    private Virtio() {
    }

    // Device status (2.1)
    public static final int STATUS_ACKNOWLEDGE = 1;
    public static final int STATUS_DRIVER = 2;
    public static final int STATUS_DRIVER_OK = 4;
    public static final int STATUS_FEATURES_OK = 8;
    public static final int STATUS_DEVICE_NEEDS_RESET = 64;
    public static final int STATUS_FAILED = 128;

    // Reserved feature bits (6)
    public static final int F_INDIRECT_DESC = 28;
    public static final int F_EVENT_IDX = 29;
    public static final int F_VERSION_1 = 32;
    public static final int F_ACCESS_PLATFORM = 33;

    // Device IDs (5)
    public static final int ID_NET = 1;
    public static final int ID_BLOCK = 2;

    /** The feature bit as a mask. */
    public static long bit(int feature) {
        return 1L << feature;
    }

    /** Whether {@code features} has {@code feature}. */
    public static boolean has(long features, int feature) {
        return (features & bit(feature)) != 0;
    }

    /**
     * virtio 1.2 section 2.7.7.2: with EVENT_IDX, the other side wants a notification when the
     * index it named ({@code event}) lies in the range just published, {@code (old, now]}. All
     * arithmetic is modulo 2^16.
     */
    public static boolean needEvent(int event, int now, int old) {
        return ((now - event - 1) & 0xffff) < ((now - old) & 0xffff);
    }
}
