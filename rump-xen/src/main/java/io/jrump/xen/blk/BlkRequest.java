package io.jrump.xen.blk;

import io.jrump.xen.ring.RingCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One block request as it sits on the ring: read/write with up to 11 segments (grant, first
 * and last 512-byte sector within the page), a flush, a discard of {@code nrSectors}, or an
 * indirect read/write ({@code BLKIF_OP_INDIRECT}) whose {@code nrSegments} segments lie in the
 * pages {@code indirectGrefs} name, with the real operation in {@code indirectOp}.
 * Decoding never fails: what a frontend wrote is taken as it is and {@link BlkBackend}
 * validates it before acting.
 */
record BlkRequest(int operation, int nrSegments, int handle, long id, long sector, long nrSectors, int[] grefs, byte[] first, byte[] last,
        int indirectOp, int[] indirectGrefs) {

    private static final int[] NO_REFS = new int[0];
    private static final byte[] NO_BYTES = new byte[0];

    /** A read or write with its segments in the request. */
    static BlkRequest direct(int operation, long id, long sector, int[] grefs, byte[] first, byte[] last) {
        return new BlkRequest(operation, grefs.length, 0, id, sector, 0, grefs, first, last, 0, NO_REFS);
    }

    /** A read or write of {@code nrSegments} segments written in the pages {@code indirectGrefs}. */
    static BlkRequest indirect(int operation, int nrSegments, long id, long sector, int[] indirectGrefs) {
        return new BlkRequest(Blkif.OP_INDIRECT, nrSegments, 0, id, sector, 0, NO_REFS, NO_BYTES, NO_BYTES, operation, indirectGrefs);
    }

    /** A flush, barrier or discard: no segments. */
    static BlkRequest control(int operation, long id, long sector, long nrSectors) {
        return new BlkRequest(operation, 0, 0, id, sector, nrSectors, NO_REFS, NO_BYTES, NO_BYTES, 0, NO_REFS);
    }

    /** The read or write this request does: {@link #indirectOp} for an indirect one. */
    int dataOperation() {
        return operation == Blkif.OP_INDIRECT ? indirectOp : operation;
    }

    static final RingCodec<BlkRequest> CODEC = new RingCodec<>() {
        @Override
        public int size() {
            return Blkif.REQ_SIZE;
        }

        @Override
        public void encode(BlkRequest r, ByteBuffer page, int o) {
            ByteBuffer p = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            p.put(o + Blkif.REQ_OPERATION, (byte) r.operation);
            p.putLong(o + Blkif.REQ_ID, r.id);
            p.putLong(o + Blkif.REQ_SECTOR, r.sector);
            if (r.operation == Blkif.OP_INDIRECT) {
                p.put(o + Blkif.IND_OPERATION, (byte) r.indirectOp);
                p.putShort(o + Blkif.IND_NR_SEGMENTS, (short) r.nrSegments);
                p.putShort(o + Blkif.IND_HANDLE, (short) r.handle);
                for (int i = 0; i < r.indirectGrefs.length; i++) {
                    p.putInt(o + Blkif.IND_GREFS + 4 * i, r.indirectGrefs[i]);
                }
                return;
            }
            p.put(o + Blkif.REQ_NR_SEGMENTS, (byte) r.nrSegments);
            p.putShort(o + Blkif.REQ_HANDLE, (short) r.handle);
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
            long id = p.getLong(o + Blkif.REQ_ID);
            long sector = p.getLong(o + Blkif.REQ_SECTOR);
            if (op == Blkif.OP_INDIRECT) {
                int nr = Short.toUnsignedInt(p.getShort(o + Blkif.IND_NR_SEGMENTS));
                int pages = Math.min((nr + Blkif.SEGMENTS_PER_INDIRECT_PAGE - 1) / Blkif.SEGMENTS_PER_INDIRECT_PAGE, Blkif.MAX_INDIRECT_PAGES_PER_REQUEST);
                int[] g = new int[pages];
                for (int i = 0; i < pages; i++) {
                    g[i] = p.getInt(o + Blkif.IND_GREFS + 4 * i);
                }
                return new BlkRequest(op, nr, Short.toUnsignedInt(p.getShort(o + Blkif.IND_HANDLE)), id, sector, 0, NO_REFS, NO_BYTES, NO_BYTES,
                        Byte.toUnsignedInt(p.get(o + Blkif.IND_OPERATION)), g);
            }
            int nr = Byte.toUnsignedInt(p.get(o + Blkif.REQ_NR_SEGMENTS));
            int handle = Short.toUnsignedInt(p.getShort(o + Blkif.REQ_HANDLE));
            if (op == Blkif.OP_DISCARD) {
                return new BlkRequest(op, 0, handle, id, sector, p.getLong(o + Blkif.DISCARD_NR_SECTORS), NO_REFS, NO_BYTES, NO_BYTES, 0, NO_REFS);
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
            return new BlkRequest(op, nr, handle, id, sector, 0, g, f, l, 0, NO_REFS);
        }
    };
}
