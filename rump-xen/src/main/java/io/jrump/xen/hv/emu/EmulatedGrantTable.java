package io.jrump.xen.hv.emu;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.GrantTable;
import io.jrump.xen.hv.GrantedPage;
import io.jrump.xen.hv.GrantedRun;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A domain's grant table in the emulation: the first {@code tableFrames} frames of the
 * domain's memory hold the v1 entries, the rest are the pages handed out. Reserved references
 * ({@link #RESERVED_ENTRIES}) are never handed out. A page is zeroed before it is granted, so
 * nothing of an earlier use reaches the other domain. Pages are taken lowest frame first, and a
 * run ({@link #grantRun}) is consecutive frames, which the emulated mapper maps as one view.
 */
final class EmulatedGrantTable implements GrantTable {
    private final int domid;
    private final DomainMemory memory;
    private final GrantEntries entries;
    private final int tableFrames;
    private final ArrayDeque<Integer> freeRefs = new ArrayDeque<>();
    /** Frames handed out (the table's own frames count as taken). */
    private final BitSet usedFrames = new BitSet();
    private int inUse;

    EmulatedGrantTable(int domid, DomainMemory memory, int tableFrames) {
        this.domid = domid;
        this.memory = memory;
        this.tableFrames = tableFrames;
        this.entries = new GrantEntries(memory.pages(0, tableFrames));
        for (int r = RESERVED_ENTRIES; r < entries.count(); r++) {
            freeRefs.add(r);
        }
        usedFrames.set(0, tableFrames);
    }

    GrantEntries entries() {
        return entries;
    }

    int tableFrames() {
        return tableFrames;
    }

    DomainMemory memory() {
        return memory;
    }

    @Override
    public synchronized GrantedPage grant(int toDomid, boolean readOnly) throws ErrnoException {
        return grantRun(toDomid, 1, readOnly).pages().get(0);
    }

    @Override
    public synchronized GrantedRun grantRun(int toDomid, int count, boolean readOnly) throws ErrnoException {
        if (count < 1) {
            throw new ErrnoException(Errno.EINVAL, "grant " + count + " pages of domain " + domid + " to " + toDomid + ": no pages asked for");
        }
        int first = tableFrames;
        while (first < memory.pages()) {
            first = usedFrames.nextClearBit(first);
            int end = Math.min(usedFrames.nextSetBit(first) < 0 ? Integer.MAX_VALUE : usedFrames.nextSetBit(first), memory.pages());
            if (end - first >= count) {
                break;
            }
            first = end;
        }
        if (freeRefs.size() < count || first + count > memory.pages()) {
            throw new ErrnoException(Errno.ENOSPC, "grant " + count + " pages of domain " + domid + " to " + toDomid + ": "
                    + (freeRefs.size() < count ? "grant table full" : "no run of free pages") + " (" + inUse + " granted)");
        }
        List<GrantedPage> run = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            run.add(grantFrame(toDomid, first + i, readOnly));
        }
        return new GrantedRun(List.copyOf(run), memory.pages(first, count));
    }

    private GrantedPage grantFrame(int toDomid, int frame, boolean readOnly) {
        int ref = freeRefs.poll();
        usedFrames.set(frame);
        var page = memory.page(frame);
        page.put(0, new byte[DomainMemory.PAGE_SIZE]);
        entries.publish(ref, GrantEntries.GTF_PERMIT_ACCESS | (readOnly ? GrantEntries.GTF_READONLY : 0), toDomid, frame);
        inUse++;
        return new GrantedPage(ref, frame, page);
    }

    @Override
    public synchronized void endAccess(GrantedPage page) throws ErrnoException {
        if (!tryEndAccess(page)) {
            throw new ErrnoException(Errno.EBUSY, "end access to grant " + page.ref() + " of domain " + domid + ": still mapped by domain "
                    + GrantEntries.domid(entries.word(page.ref())));
        }
    }

    @Override
    public synchronized boolean tryEndAccess(GrantedPage page) throws ErrnoException {
        int ref = page.ref();
        while (true) {
            int w = entries.word(ref);
            if ((GrantEntries.flags(w) & GrantEntries.GTF_PERMIT_ACCESS) == 0 || entries.frame(ref) != page.frame()) {
                throw new ErrnoException(Errno.EINVAL, "end access to grant " + ref + " of domain " + domid + ": not granted");
            }
            if ((GrantEntries.flags(w) & (GrantEntries.GTF_READING | GrantEntries.GTF_WRITING)) != 0) {
                return false;
            }
            if (entries.compareAndSet(ref, w, 0)) {
                break;
            }
        }
        freeRefs.add(ref);
        usedFrames.clear(page.frame());
        inUse--;
        return true;
    }

    /** Clears GTF_permit_access, keeping the domid, the read-only flag and the frame, unless the entry is mapped now. */
    @Override
    public boolean suspendAccess(GrantedPage page) {
        int ref = page.ref();
        while (true) {
            int w = entries.word(ref);
            int flags = GrantEntries.flags(w);
            if ((flags & GrantEntries.GTF_TYPE_MASK) != GrantEntries.GTF_PERMIT_ACCESS || entries.frame(ref) != page.frame()
                    || (flags & (GrantEntries.GTF_READING | GrantEntries.GTF_WRITING)) != 0) {
                return false;
            }
            if (entries.compareAndSet(ref, w, w & ~GrantEntries.GTF_TYPE_MASK)) {
                return true;
            }
        }
    }

    @Override
    public void resumeAccess(GrantedPage page) {
        int ref = page.ref();
        while (true) {
            int w = entries.word(ref);
            if ((GrantEntries.flags(w) & GrantEntries.GTF_TYPE_MASK) != 0 || entries.frame(ref) != page.frame()) {
                return; // not suspended
            }
            if (entries.compareAndSet(ref, w, w | GrantEntries.GTF_PERMIT_ACCESS)) {
                return;
            }
        }
    }

    /** Whether another domain still maps one of this table's grants. */
    synchronized boolean anyMapped() {
        for (int r = RESERVED_ENTRIES; r < entries.count(); r++) {
            if ((GrantEntries.flags(entries.word(r)) & (GrantEntries.GTF_READING | GrantEntries.GTF_WRITING)) != 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized int inUse() {
        return inUse;
    }

    @Override
    public void close() {
        // the memory belongs to the domain, which closes it
    }
}
