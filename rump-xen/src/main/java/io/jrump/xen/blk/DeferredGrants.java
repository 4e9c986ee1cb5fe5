package io.jrump.xen.blk;

import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.GrantTable;
import io.jrump.xen.hv.GrantedPage;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Pages blkfront has given up whose grants it could not end yet, because the backend still
 * maps them. With {@code feature-persistent} ({@code xen/include/public/io/blkif.h}) a backend
 * keeps the frontend's data pages mapped after their request, until it evicts them (an LRU at
 * its own cap) or the device disconnects; ending such a grant fails (GTF_reading/GTF_writing
 * set), and the page must not be handed to anyone else while the backend can still write it.
 * So such a page is kept here, granted and with its memory, and its grant is ended at a later
 * try: at each later release or allocation (the backend's eviction makes old pages endable,
 * so what is kept stays within the backend's cap) and at close, after the backend has unmapped
 * everything. (On Xen, gntalloc's unshare does not fail this way: the kernel keeps the page
 * until the other domain unmaps it, so nothing is kept here.)
 *
 * <p>Thread-safe.
 */
final class DeferredGrants {
    private final GrantTable table;
    /** Oldest first: the backend's LRU evicts those first. */
    private final List<GrantedPage> kept = new ArrayList<>();

    DeferredGrants(GrantTable table) {
        this.table = table;
    }

    /** Ends the grants of {@code pages}, keeping those the backend still maps; first tries again those kept before. */
    synchronized void end(List<GrantedPage> pages) {
        retry();
        for (GrantedPage p : pages) {
            if (!tryEnd(p)) {
                kept.add(p);
            }
        }
    }

    /**
     * Tries again to end every kept grant.
     *
     * @return how many stay kept
     */
    synchronized int retry() {
        for (Iterator<GrantedPage> it = kept.iterator(); it.hasNext();) {
            if (tryEnd(it.next())) {
                it.remove();
            }
        }
        return kept.size();
    }

    /** Pages kept now. */
    synchronized int size() {
        return kept.size();
    }

    /** Whether the grant is gone: ended now, or not granted at all (nothing to end); false while the backend maps it. */
    private boolean tryEnd(GrantedPage p) {
        try {
            return table.tryEndAccess(p);
        } catch (ErrnoException e) {
            return true; // not a grant of this table (any more): nothing left to end or to keep
        }
    }
}
