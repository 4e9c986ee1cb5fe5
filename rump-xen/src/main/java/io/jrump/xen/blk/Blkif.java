package io.jrump.xen.blk;

/**
 * Constants of the block protocol, from {@code xen/include/public/io/blkif.h}. Sector numbers
 * and segment bounds on the ring are always in 512-byte units, whatever the disk's sector size.
 */
final class Blkif {
    static final int OP_READ = 0;
    static final int OP_WRITE = 1;
    static final int OP_WRITE_BARRIER = 2;
    static final int OP_FLUSH_DISKCACHE = 3;
    static final int OP_DISCARD = 5;
    static final int OP_INDIRECT = 6;
    static final int MAX_SEGMENTS_PER_REQUEST = 11;
    /** {@code BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST}: indirect grant references in one request. */
    static final int MAX_INDIRECT_PAGES_PER_REQUEST = 8;
    /** {@code struct blkif_request_segment}s in one indirect page. */
    static final int SEGMENTS_PER_INDIRECT_PAGE = 4096 / 8;
    /**
     * The most segments of one indirect request this implementation offers or uses (1 MiB):
     * Linux's blkback offers the same ({@code MAX_INDIRECT_SEGMENTS}).
     */
    static final int MAX_INDIRECT_SEGMENTS = 256;
    /**
     * The largest ring this implementation maps, in lb(pages): Linux's
     * {@code XENBUS_MAX_RING_GRANT_ORDER}, 16 pages.
     */
    static final int MAX_RING_PAGE_ORDER = 4;
    static final short RSP_OKAY = 0;
    static final short RSP_ERROR = -1;
    static final short RSP_EOPNOTSUPP = -2;
    static final int VDISK_READONLY = 0x4;
    /** The unit of {@code sector_number}, {@code first_sect} and {@code last_sect}. */
    static final int SECTOR = 512;
    static final int PAGE_SIZE = 4096;
    static final int SECTORS_PER_PAGE = PAGE_SIZE / SECTOR;
    /** {@code XEN_IO_PROTO_ABI_X86_64} ({@code io/protocols.h}): the layout below. */
    static final String PROTOCOL = "x86_64-abi";

    /** {@code struct blkif_request} on x86-64: 112 bytes. */
    static final int REQ_OPERATION = 0;
    static final int REQ_NR_SEGMENTS = 1;
    static final int REQ_HANDLE = 2;
    static final int REQ_ID = 8;
    static final int REQ_SECTOR = 16;
    static final int REQ_SEG = 24;
    static final int SEG_SIZE = 8;
    static final int SEG_GREF = 0;
    static final int SEG_FIRST = 4;
    static final int SEG_LAST = 5;
    static final int REQ_SIZE = 112;
    /** {@code struct blkif_request_indirect} on x86-64: the same 112-byte slot. */
    static final int IND_OPERATION = 1;
    static final int IND_NR_SEGMENTS = 2;
    static final int IND_HANDLE = 24;
    static final int IND_GREFS = 28;
    /** {@code struct blkif_request_discard}: the same head, then {@code nr_sectors}. */
    static final int DISCARD_FLAG = 1;
    static final int DISCARD_NR_SECTORS = 24;
    /** {@code struct blkif_response}: 16 bytes. */
    static final int RSP_ID = 0;
    static final int RSP_OPERATION = 8;
    static final int RSP_STATUS = 10;
    static final int RSP_SIZE = 16;

    private Blkif() {
    }
}
