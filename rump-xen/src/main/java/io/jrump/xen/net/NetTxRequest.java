package io.jrump.xen.net;

import io.jrump.xen.ring.RingCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** {@code struct netif_tx_request}: a frame of {@code size} bytes at {@code offset} in granted page {@code gref}. Fields are unsigned 16-bit except the grant. */
record NetTxRequest(int gref, int offset, int flags, int id, int size) {

    static final RingCodec<NetTxRequest> CODEC = new RingCodec<>() {
        @Override
        public int size() {
            return Netif.TXQ_SIZE;
        }

        @Override
        public void encode(NetTxRequest r, ByteBuffer page, int o) {
            ByteBuffer p = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            p.putInt(o + Netif.TXQ_GREF, r.gref);
            p.putShort(o + Netif.TXQ_OFFSET, (short) r.offset);
            p.putShort(o + Netif.TXQ_FLAGS, (short) r.flags);
            p.putShort(o + Netif.TXQ_ID, (short) r.id);
            p.putShort(o + Netif.TXQ_SIZE_FIELD, (short) r.size);
        }

        @Override
        public NetTxRequest decode(ByteBuffer page, int o) {
            ByteBuffer p = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            return new NetTxRequest(p.getInt(o + Netif.TXQ_GREF), Short.toUnsignedInt(p.getShort(o + Netif.TXQ_OFFSET)),
                    Short.toUnsignedInt(p.getShort(o + Netif.TXQ_FLAGS)), Short.toUnsignedInt(p.getShort(o + Netif.TXQ_ID)),
                    Short.toUnsignedInt(p.getShort(o + Netif.TXQ_SIZE_FIELD)));
        }
    };
}
