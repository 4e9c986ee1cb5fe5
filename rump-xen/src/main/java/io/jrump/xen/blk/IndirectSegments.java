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
        put(p, (i % Blkif.SEGMENTS_PER_INDIRECT_PAGE) * Blkif.SEG_SIZE, encode(gref, first, last));
    }

    /**
     * Writes segments {@code 0..nr-1} into the frontend's indirect pages. A segment already
     * there as it is to be is not written again: a caller reading into the same buffer sends
     * the same list request after request, and lines left unwritten stay in the backend's cache
     * instead of crossing between the two CPUs each time.
     */
    static void writeAll(ByteBuffer[] pages, int nr, int[] grefs, byte[] firsts, byte[] lasts) {
        for (int page = 0; page * Blkif.SEGMENTS_PER_INDIRECT_PAGE < nr; page++) {
            ByteBuffer p = pages[page].duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int from = page * Blkif.SEGMENTS_PER_INDIRECT_PAGE;
            int to = Math.min(nr, from + Blkif.SEGMENTS_PER_INDIRECT_PAGE);
            for (int i = from; i < to; i++) {
                put(p, (i - from) * Blkif.SEG_SIZE, encode(grefs[i], firsts[i], lasts[i]));
            }
        }
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
                    long seg = p.getLong((i - from) * Blkif.SEG_SIZE); // one load: the segment as it was at one moment
                    grefs[i] = (int) (seg >>> (8 * Blkif.SEG_GREF));
                    first[i] = (byte) (seg >>> (8 * Blkif.SEG_FIRST));
                    last[i] = (byte) (seg >>> (8 * Blkif.SEG_LAST));
                }
            }
        }
    }

    /** {@code struct blkif_request_segment} as one little-endian word: gref, first_sect, last_sect, zero padding. */
    private static long encode(int gref, int first, int last) {
        return Integer.toUnsignedLong(gref) << (8 * Blkif.SEG_GREF) | (long) (first & 0xff) << (8 * Blkif.SEG_FIRST) | (long) (last & 0xff) << (8 * Blkif.SEG_LAST);
    }

    private static void put(ByteBuffer p, int offset, long seg) {
        if (p.getLong(offset) != seg) {
            p.putLong(offset, seg);
        }
    }
}
