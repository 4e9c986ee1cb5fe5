package io.jrump.xen.net;

import io.jrump.xen.ring.RingCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code struct netif_rx_response}: the buffer's id echoed, where the frame starts in its page,
 * {@code NETRXF_*} flags, and the frame's length (positive) or a {@code NETIF_RSP_*} error.
 */
record NetRxResponse(int id, int offset, int flags, short status) {

    static final RingCodec<NetRxResponse> CODEC = new RingCodec<>() {
        @Override
        public int size() {
            return Netif.RXP_SIZE;
        }

        @Override
        public void encode(NetRxResponse r, ByteBuffer page, int o) {
            ByteBuffer p = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            p.putShort(o + Netif.RXP_ID, (short) r.id);
            p.putShort(o + Netif.RXP_OFFSET, (short) r.offset);
            p.putShort(o + Netif.RXP_FLAGS, (short) r.flags);
            p.putShort(o + Netif.RXP_STATUS, r.status);
        }

        @Override
        public NetRxResponse decode(ByteBuffer page, int o) {
            ByteBuffer p = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            return new NetRxResponse(Short.toUnsignedInt(p.getShort(o + Netif.RXP_ID)), Short.toUnsignedInt(p.getShort(o + Netif.RXP_OFFSET)),
                    Short.toUnsignedInt(p.getShort(o + Netif.RXP_FLAGS)), p.getShort(o + Netif.RXP_STATUS));
        }
    };
}
