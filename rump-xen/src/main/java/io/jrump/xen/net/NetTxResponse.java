package io.jrump.xen.net;

import io.jrump.xen.ring.RingCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** {@code struct netif_tx_response}: the request's id echoed and a {@code NETIF_RSP_*} status. */
record NetTxResponse(int id, short status) {

    static final RingCodec<NetTxResponse> CODEC = new RingCodec<>() {
        @Override
        public int size() {
            return Netif.TXP_SIZE;
        }

        @Override
        public void encode(NetTxResponse r, ByteBuffer page, int o) {
            ByteBuffer p = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            p.putShort(o + Netif.TXP_ID, (short) r.id);
            p.putShort(o + Netif.TXP_STATUS, r.status);
        }

        @Override
        public NetTxResponse decode(ByteBuffer page, int o) {
            ByteBuffer p = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            return new NetTxResponse(Short.toUnsignedInt(p.getShort(o + Netif.TXP_ID)), p.getShort(o + Netif.TXP_STATUS));
        }
    };
}
