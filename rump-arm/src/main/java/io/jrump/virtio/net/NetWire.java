package io.jrump.virtio.net;

import java.nio.ByteBuffer;

/**
 * virtio-net's layouts and numbers, virtio 1.2 section 5.1: feature bits, the configuration
 * space, and {@code struct virtio_net_hdr} (5.1.6): {@code u8 flags; u8 gso_type; u16 hdr_len;
 * u16 gso_size; u16 csum_start; u16 csum_offset; u16 num_buffers;} — 12 bytes with VERSION_1
 * or MRG_RXBUF, 10 bytes (no {@code num_buffers}) for a legacy device without MRG_RXBUF.
 */
public final class NetWire {
    private NetWire() {
    }

    // Feature bits (5.1.3)
    public static final int F_CSUM = 0;
    public static final int F_GUEST_CSUM = 1;
    public static final int F_MTU = 3;
    public static final int F_MAC = 5;
    public static final int F_MRG_RXBUF = 15;
    public static final int F_STATUS = 16;

    // Configuration space (struct virtio_net_config, 5.1.4)
    public static final int CFG_MAC = 0;
    public static final int CFG_STATUS = 6;
    public static final int CFG_MTU = 10;
    public static final int CFG_SIZE = 12;
    public static final int STATUS_LINK_UP = 1;

    // Header
    public static final int HDR_SIZE = 12;
    public static final int HDR_SIZE_LEGACY = 10;
    public static final int HDR_FLAGS = 0;
    public static final int HDR_GSO_TYPE = 1;
    public static final int HDR_CSUM_START = 6;
    public static final int HDR_CSUM_OFFSET = 8;
    public static final int HDR_NUM_BUFFERS = 10;
    public static final int F_NEEDS_CSUM = 1;
    public static final int F_DATA_VALID = 2;

    /** Queues: receive 0, transmit 1 (5.1.2). */
    public static final int RX = 0;
    public static final int TX = 1;

    /** The Ethernet header, and the most a VLAN tag adds. */
    public static final int ETH_HLEN = 14;
    public static final int VLAN_HLEN = 4;

    /**
     * Completes a checksum the sender left partial (NEEDS_CSUM): the field at
     * {@code start + offset} holds the pseudo-header sum; the ones'-complement sum of the bytes
     * from {@code start} to the end replaces it (RFC 1071).
     *
     * @return false when start or offset do not fit the frame
     */
    public static boolean completeChecksum(ByteBuffer frame, int start, int offset) {
        int len = frame.remaining();
        int base = frame.position();
        if (start < 0 || offset < 0 || start + offset + 2 > len) {
            return false;
        }
        long sum = 0;
        int i = start;
        for (; i + 1 < len; i += 2) {
            sum += ((frame.get(base + i) & 0xff) << 8) | (frame.get(base + i + 1) & 0xff);
        }
        if (i < len) {
            sum += (frame.get(base + i) & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        int csum = (int) (~sum & 0xffff);
        frame.putShort(base + start + offset, (short) csum);
        return true;
    }
}
