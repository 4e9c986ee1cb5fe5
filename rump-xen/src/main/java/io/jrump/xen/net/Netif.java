package io.jrump.xen.net;

/**
 * Constants and entry layouts of the network protocol, from {@code xen/include/public/io/netif.h}
 * (x86-64, little-endian). Only what a single-slot, copy-mode frontend and backend use.
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
