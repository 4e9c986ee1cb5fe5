package io.jrump.xen.blk;

import io.jrump.xen.ring.RingCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** {@code struct blkif_response}: the request's id and operation echoed, and a status. */
record BlkResponse(long id, int operation, short status) {

    static final RingCodec<BlkResponse> CODEC = new RingCodec<>() {
        @Override
        public int size() {
            return Blkif.RSP_SIZE;
        }

        @Override
        public void encode(BlkResponse r, ByteBuffer page, int o) {
            ByteBuffer p = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            p.putLong(o + Blkif.RSP_ID, r.id);
            p.put(o + Blkif.RSP_OPERATION, (byte) r.operation);
            p.putShort(o + Blkif.RSP_STATUS, r.status);
        }

        @Override
        public BlkResponse decode(ByteBuffer page, int o) {
            ByteBuffer p = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            return new BlkResponse(p.getLong(o + Blkif.RSP_ID), Byte.toUnsignedInt(p.get(o + Blkif.RSP_OPERATION)), p.getShort(o + Blkif.RSP_STATUS));
        }
    };
}
