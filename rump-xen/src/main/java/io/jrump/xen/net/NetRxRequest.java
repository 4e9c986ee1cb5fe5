package io.jrump.xen.net;

import io.jrump.xen.ring.RingCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** {@code struct netif_rx_request}: an empty granted page {@code gref} the backend may copy one frame into. */
record NetRxRequest(int id, int gref) {

    static final RingCodec<NetRxRequest> CODEC = new RingCodec<>() {
        @Override
        public int size() {
            return Netif.RXQ_SIZE;
        }

        @Override
        public void encode(NetRxRequest r, ByteBuffer page, int o) {
            ByteBuffer p = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            p.putShort(o + Netif.RXQ_ID, (short) r.id);
            p.putShort(o + Netif.RXQ_ID + 2, (short) 0);
            p.putInt(o + Netif.RXQ_GREF, r.gref);
        }

        @Override
        public NetRxRequest decode(ByteBuffer page, int o) {
            ByteBuffer p = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            return new NetRxRequest(Short.toUnsignedInt(p.getShort(o + Netif.RXQ_ID)), p.getInt(o + Netif.RXQ_GREF));
        }
    };
}
