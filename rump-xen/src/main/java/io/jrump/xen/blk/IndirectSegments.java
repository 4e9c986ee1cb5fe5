package io.jrump.xen.blk;

import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.GrantMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The segment lists of indirect requests ({@code BLKIF_OP_INDIRECT}): arrays of
 * {@code struct blkif_request_segment} (8 bytes: grant, first and last sector) filling
 * granted pages, 512 to a page, segment {@code i} in page {@code i / 512}.
 */
final class IndirectSegments {
    private IndirectSegments() {
    }

    /** Indirect pages a request of {@code segments} segments needs. */
    static int pagesFor(int segments) {
        return (segments + Blkif.SEGMENTS_PER_INDIRECT_PAGE - 1) / Blkif.SEGMENTS_PER_INDIRECT_PAGE;
    }

    /** Writes segment {@code i} into the frontend's indirect pages. */
    static void write(ByteBuffer[] pages, int i, int gref, int first, int last) {
        ByteBuffer p = pages[i / Blkif.SEGMENTS_PER_INDIRECT_PAGE].duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int o = (i % Blkif.SEGMENTS_PER_INDIRECT_PAGE) * Blkif.SEG_SIZE;
        p.putInt(o + Blkif.SEG_GREF, gref);
        p.put(o + Blkif.SEG_FIRST, (byte) first);
        p.put(o + Blkif.SEG_LAST, (byte) last);
    }

    /**
     * Maps the frontend's indirect pages read-only, one at a time, and copies {@code nr}
     * segments out of them, so nothing the frontend changes afterwards affects the checks that
     * follow. A grant the frontend never gave fails as any other mapping does.
     */
    static void read(GrantMapper mapper, int frontendId, int[] indirectGrefs, int nr, int[] grefs, byte[] first, byte[] last) throws ErrnoException {
        for (int page = 0; page * Blkif.SEGMENTS_PER_INDIRECT_PAGE < nr; page++) {
            try (GrantMapper.Mapping m = mapper.map(frontendId, indirectGrefs[page], false)) {
                ByteBuffer p = m.page().duplicate().order(ByteOrder.LITTLE_ENDIAN);
                int from = page * Blkif.SEGMENTS_PER_INDIRECT_PAGE;
                int to = Math.min(nr, from + Blkif.SEGMENTS_PER_INDIRECT_PAGE);
                for (int i = from; i < to; i++) {
                    int o = (i - from) * Blkif.SEG_SIZE;
                    grefs[i] = p.getInt(o + Blkif.SEG_GREF);
                    first[i] = p.get(o + Blkif.SEG_FIRST);
                    last[i] = p.get(o + Blkif.SEG_LAST);
                }
            }
        }
    }
}
