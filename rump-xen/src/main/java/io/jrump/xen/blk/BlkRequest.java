package io.jrump.xen.blk;

import io.jrump.xen.ring.RingCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One block request as it sits on the ring: read/write with up to 11 segments (grant, first
 * and last 512-byte sector within the page), a flush, or a discard of {@code nrSectors}.
 * Decoding never fails: what a frontend wrote is taken as it is and {@link BlkBackend}
 * validates it before acting.
 */
record BlkRequest(int operation, int nrSegments, int handle, long id, long sector, long nrSectors, int[] grefs, byte[] first, byte[] last) {

    static final RingCodec<BlkRequest> CODEC = new RingCodec<>() {
        @Override
        public int size() {
            return Blkif.REQ_SIZE;
        }

        @Override
        public void encode(BlkRequest r, ByteBuffer page, int o) {
            ByteBuffer p = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            p.put(o + Blkif.REQ_OPERATION, (byte) r.operation);
            p.put(o + Blkif.REQ_NR_SEGMENTS, (byte) r.nrSegments);
            p.putShort(o + Blkif.REQ_HANDLE, (short) r.handle);
            p.putLong(o + Blkif.REQ_ID, r.id);
            p.putLong(o + Blkif.REQ_SECTOR, r.sector);
            if (r.operation == Blkif.OP_DISCARD) {
                p.put(o + Blkif.DISCARD_FLAG, (byte) 0);
                p.putLong(o + Blkif.DISCARD_NR_SECTORS, r.nrSectors);
                return;
            }
            for (int i = 0; i < r.nrSegments; i++) {
                int s = o + Blkif.REQ_SEG + i * Blkif.SEG_SIZE;
                p.putInt(s + Blkif.SEG_GREF, r.grefs[i]);
                p.put(s + Blkif.SEG_FIRST, r.first[i]);
                p.put(s + Blkif.SEG_LAST, r.last[i]);
            }
        }

        @Override
        public BlkRequest decode(ByteBuffer page, int o) {
            ByteBuffer p = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int op = Byte.toUnsignedInt(p.get(o + Blkif.REQ_OPERATION));
            int nr = Byte.toUnsignedInt(p.get(o + Blkif.REQ_NR_SEGMENTS));
            int handle = Short.toUnsignedInt(p.getShort(o + Blkif.REQ_HANDLE));
            long id = p.getLong(o + Blkif.REQ_ID);
            long sector = p.getLong(o + Blkif.REQ_SECTOR);
            if (op == Blkif.OP_DISCARD) {
                return new BlkRequest(op, 0, handle, id, sector, p.getLong(o + Blkif.DISCARD_NR_SECTORS), new int[0], new byte[0], new byte[0]);
            }
            int n = Math.min(nr, Blkif.MAX_SEGMENTS_PER_REQUEST);
            int[] g = new int[n];
            byte[] f = new byte[n];
            byte[] l = new byte[n];
            for (int i = 0; i < n; i++) {
                int s = o + Blkif.REQ_SEG + i * Blkif.SEG_SIZE;
                g[i] = p.getInt(s + Blkif.SEG_GREF);
                f[i] = p.get(s + Blkif.SEG_FIRST);
                l[i] = p.get(s + Blkif.SEG_LAST);
            }
            return new BlkRequest(op, nr, handle, id, sector, 0, g, f, l);
        }
    };
}
