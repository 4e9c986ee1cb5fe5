package io.jrump.virtio.net;

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
    /** The driver takes TCP/IPv4 frames larger than the MTU (the device did not segment them). */
    public static final int F_GUEST_TSO4 = 7;
    /** The device segments TCP/IPv4 frames larger than the MTU (gso_type TCPV4). */
    public static final int F_HOST_TSO4 = 11;
    /** The device segments frames with the ECN bit (gso_type ECN) too; without it the driver must not send them. */
    public static final int F_HOST_ECN = 13;
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
}
