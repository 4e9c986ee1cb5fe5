package io.jrump.xen.blk;

import io.jrump.xen.hv.GrantedPage;
import java.util.BitSet;
import java.util.List;

/**
 * blkfront's data pages: granted to the backend once at connect and reused by every request
 * (persistent grants), handed out as runs of neighbouring pages. The pages were granted as one
 * run, so a run of them is a run of frames the backend maps as one buffer and reads or writes
 * with one I/O. Not thread-safe: the caller holds its lock.
 */
final class PagePool {
    private final GrantedPage[] pages;
    private final BitSet used = new BitSet();

    PagePool(List<GrantedPage> pages) {
        this.pages = pages.toArray(new GrantedPage[0]);
    }

    int size() {
        return pages.length;
    }

    GrantedPage page(int i) {
        return pages[i];
    }

    /** Every page, in order (to end their grants at close). */
    List<GrantedPage> pages() {
        return List.of(pages);
    }

    /** The first index of {@code n} free neighbouring pages, now taken, or -1 when there is no such run. */
    int take(int n) {
        if (n == 0) {
            return 0;
        }
        int from = 0;
        while (from + n <= pages.length) {
            int start = used.nextClearBit(from);
            int next = used.nextSetBit(start);
            int end = next < 0 ? pages.length : next;
            if (end - start >= n && start + n <= pages.length) {
                used.set(start, start + n);
                return start;
            }
            if (next < 0) {
                return -1;
            }
            from = end;
        }
        return -1;
    }

    void release(int start, int n) {
        used.clear(start, start + n);
    }
}
