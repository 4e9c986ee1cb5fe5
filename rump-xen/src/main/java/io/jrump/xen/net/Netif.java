package io.jrump.xen.net;

/**
 * Constants and entry layouts of the network protocol, from {@code xen/include/public/io/netif.h}
 * (x86-64, little-endian): what copy-mode frontends and backends use, with multi-slot packets
 * and the GSO extra-info slot.
 */
final class Netif {
    static final int PAGE_SIZE = 4096;
    /** Ethernet payload carried in one slot; the frame adds its 14-byte header. */
    static final int MTU = 1500;
    static final int ETH_HEADER = 14;
    static final int MAX_FRAME = MTU + ETH_HEADER;

    static final int NETTXF_CSUM_BLANK = 1;
    static final int NETTXF_DATA_VALIDATED = 1 << 1;
    static final int NETTXF_MORE_DATA = 1 << 2;
    static final int NETTXF_EXTRA_INFO = 1 << 3;
    static final int NETRXF_DATA_VALIDATED = 1;
    static final int NETRXF_CSUM_BLANK = 1 << 1;
    static final int NETRXF_MORE_DATA = 1 << 2;
    static final int NETRXF_EXTRA_INFO = 1 << 3;

    /** {@code XEN_NETIF_NR_SLOTS_MIN}: the most slots a packet may take that every backend accepts. */
    static final int MAX_SLOTS = 18;
    /** {@code XEN_NETIF_MAX_TX_SIZE}: a tx packet's size is a 16-bit field. */
    static final int MAX_TX_SIZE = 0xffff;
    /** The largest packet one chain carries on receive: an IPv4 datagram of 65,535 bytes in its Ethernet frame. */
    static final int MAX_RX_PACKET = 65_535 + ETH_HEADER;

    /** {@code struct netif_extra_info}: 8 bytes in a 12-byte tx or 8-byte rx slot. */
    static final int EXTRA_TYPE = 0;
    static final int EXTRA_FLAGS = 1;
    static final int EXTRA_GSO_SIZE = 2;
    static final int EXTRA_GSO_TYPE = 4;
    static final int EXTRA_GSO_FEATURES = 6;
    static final int XEN_NETIF_EXTRA_TYPE_GSO = 1;
    static final int XEN_NETIF_EXTRA_TYPE_MAX = 5;
    static final int XEN_NETIF_EXTRA_FLAG_MORE = 1;
    static final int XEN_NETIF_GSO_TYPE_TCPV4 = 1;

    static final short RSP_DROPPED = -2;
    static final short RSP_ERROR = -1;
    static final short RSP_OKAY = 0;
    static final short RSP_NULL = 1;

    /** {@code struct netif_tx_request}: 12 bytes. */
    static final int TXQ_GREF = 0;
    static final int TXQ_OFFSET = 4;
    static final int TXQ_FLAGS = 6;
    static final int TXQ_ID = 8;
    static final int TXQ_SIZE_FIELD = 10;
    static final int TXQ_SIZE = 12;
    /** {@code struct netif_tx_response}: 4 bytes. */
    static final int TXP_ID = 0;
    static final int TXP_STATUS = 2;
    static final int TXP_SIZE = 4;
    /** {@code struct netif_rx_request}: 8 bytes. */
    static final int RXQ_ID = 0;
    static final int RXQ_GREF = 4;
    static final int RXQ_SIZE = 8;
    /** {@code struct netif_rx_response}: 8 bytes. */
    static final int RXP_ID = 0;
    static final int RXP_OFFSET = 2;
    static final int RXP_FLAGS = 4;
    static final int RXP_STATUS = 6;
    static final int RXP_SIZE = 8;

    static final int TX_SLOT = Math.max(TXQ_SIZE, TXP_SIZE);
    static final int RX_SLOT = Math.max(RXQ_SIZE, RXP_SIZE);

    private Netif() {
    }
}
