package io.jrump.xen.net;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One received packet being put together from its rx responses ({@code io/netif.h}, "Guest
 * receive"): the first response carries the {@code NETRXF_*} flags of the packet, extra-info
 * slots may follow it ({@code NETRXF_extra_info}, then {@code XEN_NETIF_EXTRA_FLAG_MORE}), and
 * further fragments follow while {@code NETRXF_more_data} is set; the packet's length is the
 * sum of the fragments'.
 *
 * <p>Nothing the backend says is trusted. A fragment with an error status, or an offset or
 * length past its page, a packet longer than an IPv4 datagram in its frame, larger than a
 * frame without a GSO slot, or with a GSO slot on something else than a TCPv4 segment, is
 * dropped (and its slots still consumed). A chain of more than {@link Netif#MAX_SLOTS} data
 * slots or more extra slots than there are extra types is an error: such a backend is
 * disconnected, since a chain that never ends would swallow every later packet.
 *
 * <p>Checksums: the device offers {@code RX_CHECKSUM}, so a TCP or UDP checksum field of zero
 * is the partial mark the stack trusts. A {@code csum_blank} packet (the field holds the
 * pseudo-header sum) and a {@code data_validated} one get that mark; on a packet with neither
 * flag a zero TCP checksum becomes its ones'-complement twin 0xffff, so the stack verifies it.
 *
 * <p>No copy for a packet in one slot whose page the backend can no longer write: the packet
 * is a view of its rx page (the fix-ups above are written there), which the frontend must not
 * post again before the stack is done with it;
 * a packet of several slots is put together in an array kept for that (the receiver copies
 * what it keeps, since a frame is valid only during its receive call, so an array is free again
 * once the batch it was used in is delivered: {@link #delivered}). A new 64 KiB array per GSO
 * packet cost more than the copy into it: the JVM zeroes it first, in memory that is no longer
 * in the cache. Either way the fragments' pages are read, so none of them may be posted again
 * until {@link #finish} has run.
 */
final class RxChain {
    /**
     * Arrays kept for putting packets together: a batch holds at most 15 GSO packets of 17
     * slots (a ring of 256), so 16 of {@link Netif#MAX_RX_PACKET} bytes (about 1 MiB) serve a
     * stream; a batch of more multi-slot packets gets arrays of their own for the rest.
     */
    static final int KEPT_ARRAYS = 16;
    private final List<byte[]> kept = new ArrayList<>();
    /** Kept arrays in use by packets of the batch not yet delivered. */
    private int inUse;
    /** The fragments so far, as views of their rx pages. */
    private final List<ByteBuffer> parts = new ArrayList<>(2);
    private int length;
    private int slots;
    private int extras;
    private int flags;
    private boolean more;
    private boolean extraPending;
    private boolean gso;
    /** Why the packet will be dropped, or null. */
    private String bad;

    /** Whether the next response slot holds an extra-info entry rather than a fragment. */
    boolean expectsExtra() {
        return extraPending;
    }

    /**
     * Takes a data slot whose buffer is {@code page}: with {@code inPlace} the packet reads the
     * page until {@link #finish}, otherwise its bytes are copied now (a page the backend may
     * still write).
     *
     * @return whether it ends the packet
     * @throws ErrnoException EIO for a chain longer than any backend may send
     */
    boolean fragment(NetRxResponse r, ByteBuffer page, boolean inPlace) throws ErrnoException {
        if (++slots > Netif.MAX_SLOTS) {
            throw new ErrnoException(Errno.EIO, "an rx packet of more than " + Netif.MAX_SLOTS + " slots");
        }
        if (slots == 1) {
            flags = r.flags();
            extraPending = (r.flags() & Netif.NETRXF_EXTRA_INFO) != 0;
        }
        more = (r.flags() & Netif.NETRXF_MORE_DATA) != 0;
        int len = r.status();
        if (bad == null) {
            if (len <= 0) {
                bad = "status " + len;
            } else if (r.offset() + len > Netif.PAGE_SIZE) {
                bad = "fragment at " + r.offset() + " of " + len + " bytes is past its page";
            } else if (length + len > Netif.MAX_RX_PACKET) {
                bad = "longer than " + Netif.MAX_RX_PACKET + " bytes";
            } else {
                ByteBuffer part = page.slice(r.offset(), len);
                parts.add(inPlace ? part : ByteBuffer.allocate(len).put(part).flip());
                length += len;
            }
        }
        return !more && !extraPending;
    }

    /**
     * Takes an extra-info slot.
     *
     * @return whether it ends the packet
     * @throws ErrnoException EIO for more extra slots than there are types
     */
    boolean extra(NetExtra e) throws ErrnoException {
        if (++extras >= Netif.XEN_NETIF_EXTRA_TYPE_MAX) {
            throw new ErrnoException(Errno.EIO, "an rx packet with more than " + (Netif.XEN_NETIF_EXTRA_TYPE_MAX - 1) + " extra-info slots");
        }
        if (e.type() == Netif.XEN_NETIF_EXTRA_TYPE_GSO) {
            if (e.gsoType() != Netif.XEN_NETIF_GSO_TYPE_TCPV4 && bad == null) {
                bad = "GSO type " + e.gsoType();
            }
            gso = true;
        } else if ((e.type() == 0 || e.type() >= Netif.XEN_NETIF_EXTRA_TYPE_MAX) && bad == null) {
            bad = "extra-info type " + e.type();
        }
        extraPending = e.more();
        return !more && !extraPending;
    }

    /**
     * The finished packet, ready for the stack, or null when it is dropped; then starts the next.
     * A packet of one slot is a view of that slot's page: valid until the page is posted again.
     */
    ByteBuffer finish() {
        ByteBuffer f = bad == null ? packet() : null;
        parts.clear();
        length = 0;
        slots = 0;
        extras = 0;
        flags = 0;
        more = false;
        extraPending = false;
        gso = false;
        bad = null;
        return f;
    }

    /** A buffer of {@code length} bytes at index 0 to put a packet together in: a kept array not in use, if any. */
    private ByteBuffer assembly(int length) {
        if (inUse == kept.size() && kept.size() < KEPT_ARRAYS) {
            kept.add(new byte[Netif.MAX_RX_PACKET]);
        }
        return inUse < kept.size() ? ByteBuffer.wrap(kept.get(inUse++), 0, length) : ByteBuffer.allocate(length);
    }

    /**
     * Says that every packet finished so far has been delivered (its receive call returned), so
     * the arrays they were put together in may be filled again.
     */
    void delivered() {
        inUse = 0;
    }

    private ByteBuffer packet() {
        if (length < Netif.ETH_HEADER) {
            return null;
        }
        ByteBuffer f;
        if (parts.size() == 1) {
            f = parts.get(0);
        } else {
            f = assembly(length);
            for (ByteBuffer p : parts) {
                f.put(p);
            }
            f.flip();
        }
        if ((length > Netif.MAX_FRAME || gso) && !(gso && NetChecksum.isTcpv4(f, length))) {
            return null;
        }
        int at = NetChecksum.field(f, length);
        if ((flags & (Netif.NETRXF_CSUM_BLANK | Netif.NETRXF_DATA_VALIDATED)) != 0) {
            if (at >= 0) {
                f.putShort(at, (short) 0);
            } else if ((flags & Netif.NETRXF_CSUM_BLANK) != 0) {
                return null; // a checksum left undone in a protocol this frontend cannot complete
            }
        } else if (at >= 0 && f.getShort(at) == 0 && NetChecksum.isTcpv4(f, length)) {
            f.putShort(at, (short) 0xffff);
        }
        return f;
    }
}
