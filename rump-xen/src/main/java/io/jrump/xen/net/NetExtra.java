package io.jrump.xen.net;

import io.jrump.xen.ring.RingCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code struct netif_extra_info}: a slot after a packet's first tx request or rx response
 * ({@code NET?XF_extra_info}) that describes the packet instead of carrying data. Only the
 * GSO form is used: {@code gsoSize} is the payload per wire segment, {@code gsoType}
 * {@link Netif#XEN_NETIF_GSO_TYPE_TCPV4}. The same codec serves both rings: the entry overlays
 * a tx request or an rx response.
 */
record NetExtra(int type, int flags, int gsoSize, int gsoType, int gsoFeatures) {

    static NetExtra gsoTcpv4(int mss) {
        return new NetExtra(Netif.XEN_NETIF_EXTRA_TYPE_GSO, 0, mss, Netif.XEN_NETIF_GSO_TYPE_TCPV4, 0);
    }

    boolean more() {
        return (flags & Netif.XEN_NETIF_EXTRA_FLAG_MORE) != 0;
    }

    static final RingCodec<NetExtra> CODEC = new RingCodec<>() {
        @Override
        public int size() {
            return 8;
        }

        @Override
        public void encode(NetExtra e, ByteBuffer page, int o) {
            ByteBuffer p = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            p.put(o + Netif.EXTRA_TYPE, (byte) e.type);
            p.put(o + Netif.EXTRA_FLAGS, (byte) e.flags);
            p.putShort(o + Netif.EXTRA_GSO_SIZE, (short) e.gsoSize);
            p.put(o + Netif.EXTRA_GSO_TYPE, (byte) e.gsoType);
            p.put(o + Netif.EXTRA_GSO_TYPE + 1, (byte) 0);
            p.putShort(o + Netif.EXTRA_GSO_FEATURES, (short) e.gsoFeatures);
        }

        @Override
        public NetExtra decode(ByteBuffer page, int o) {
            ByteBuffer p = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            return new NetExtra(Byte.toUnsignedInt(p.get(o + Netif.EXTRA_TYPE)), Byte.toUnsignedInt(p.get(o + Netif.EXTRA_FLAGS)),
                    Short.toUnsignedInt(p.getShort(o + Netif.EXTRA_GSO_SIZE)), Byte.toUnsignedInt(p.get(o + Netif.EXTRA_GSO_TYPE)),
                    Short.toUnsignedInt(p.getShort(o + Netif.EXTRA_GSO_FEATURES)));
        }
    };
}
