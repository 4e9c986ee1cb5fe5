package io.jrump.xen.hv.emu;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.GrantMapper;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps other emulated domains' grants for one domain, checking each entry as the hypervisor
 * does before it sets GTF_reading (and GTF_writing for a writable mapping): the reference lies
 * in the table, the entry permits access, names this domain, is not read-only when writing is
 * asked, and its frame is one of the granting domain's pages (not its grant table, not past
 * its memory). Mappings are counted per reference; the bits clear when the last one closes.
 */
final class EmulatedGrantMapper implements GrantMapper {
    private final EmulatedXen xen;
    private final int domid;
    /**
     * Open mappings per granting domain: for reference {@code r}, readers at {@code 2r} and
     * writers at {@code 2r + 1}. Guarded by this.
     */
    private final Map<Integer, int[]> counts = new HashMap<>();

    EmulatedGrantMapper(EmulatedXen xen, int domid) {
        this.xen = xen;
        this.domid = domid;
    }

    @Override
    public Mapping map(int granter, int ref, boolean writable) throws ErrnoException {
        EmulatedGrantTable table = table(granter, ref);
        int frame = acquire(table, granter, ref, writable);
        return new PageMapping(table, granter, ref, frame, writable);
    }

    /**
     * Pages this mapper mapped one by one from consecutive frames of one domain are side by
     * side in that domain's memory already: the view of those frames, without another
     * mapping (each page keeps its own GTF_reading/GTF_writing while its mapping is open).
     */
    @Override
    public ByteBuffer joined(List<? extends Mapping> maps) {
        if (maps.isEmpty() || !(maps.get(0) instanceof PageMapping head)) {
            return null;
        }
        for (int i = 0; i < maps.size(); i++) {
            if (!(maps.get(i) instanceof PageMapping m) || m.owner() != this || m.table != head.table || m.frame != head.frame + i || m.isClosed()) {
                return null;
            }
        }
        return head.table.memory().pages(head.frame, maps.size());
    }

    /** One page mapped by {@link #map}. */
    private final class PageMapping implements Mapping {
        private final EmulatedGrantTable table;
        private final int granter;
        private final int ref;
        private final int frame;
        private final boolean writable;
        private final ByteBuffer page;
        /** Set under the mapper's lock; volatile so {@link #joined} reads it without taking the lock. */
        private volatile boolean closed;

        PageMapping(EmulatedGrantTable table, int granter, int ref, int frame, boolean writable) {
            this.table = table;
            this.granter = granter;
            this.ref = ref;
            this.frame = frame;
            this.writable = writable;
            this.page = table.memory().page(frame);
        }

        EmulatedGrantMapper owner() {
            return EmulatedGrantMapper.this;
        }

        boolean isClosed() {
            return closed;
        }

        @Override
        public ByteBuffer page() {
            return page;
        }

        @Override
        public void close() {
            synchronized (EmulatedGrantMapper.this) {
                if (closed) {
                    return;
                }
                closed = true;
                release(table, granter, ref, writable);
            }
        }
    }

    /**
     * In the emulation a domain's memory is one buffer, so pages granted from consecutive
     * frames (a run granted with {@code grantRun}, or pages granted one after another) map side
     * by side as a view of those frames; any other run is refused with null.
     */
    @Override
    public Mapping mapContiguous(int granter, int[] refs, boolean writable) throws ErrnoException {
        if (refs.length == 0 || xen.grantTableOf(granter) == null) {
            return null;
        }
        int[] held = refs.clone();
        EmulatedGrantTable table = null;
        int first = -1;
        int n = 0;
        try {
            for (; n < held.length; n++) {
                table = table(granter, held[n]);
                int frame = acquire(table, granter, held[n], writable);
                if (n == 0) {
                    first = frame;
                } else if (frame != first + n) {
                    n++;
                    releaseAll(table, granter, held, n, writable);
                    return null;
                }
            }
        } catch (ErrnoException | RuntimeException e) {
            if (table != null) {
                releaseAll(table, granter, held, n, writable);
            }
            throw e;
        }
        EmulatedGrantTable t = table;
        ByteBuffer run = t.memory().pages(first, held.length);
        return new Mapping() {
            private boolean closed;

            @Override
            public ByteBuffer page() {
                return run;
            }

            @Override
            public void close() {
                synchronized (EmulatedGrantMapper.this) {
                    if (!closed) {
                        closed = true;
                        releaseAll(t, granter, held, held.length, writable);
                    }
                }
            }
        };
    }

    private EmulatedGrantTable table(int granter, int ref) throws ErrnoException {
        EmulatedGrantTable table = xen.grantTableOf(granter);
        if (table == null) {
            throw new ErrnoException(Errno.ESRCH, what(granter, ref) + ": no such domain");
        }
        if (ref < 0 || ref >= table.entries().count()) {
            throw new ErrnoException(Errno.EINVAL, what(granter, ref) + ": reference outside the table of " + table.entries().count());
        }
        return table;
    }

    private String what(int granter, int ref) {
        return "map grant " + ref + " of domain " + granter + " into domain " + domid;
    }

    /** Checks the entry and sets GTF_reading (and GTF_writing) on it; returns the frame it names, read once under the check. */
    private synchronized int acquire(EmulatedGrantTable table, int granter, int ref, boolean writable) throws ErrnoException {
        GrantEntries e = table.entries();
        int frame;
        while (true) {
            int w = e.word(ref);
            int flags = GrantEntries.flags(w);
            if ((flags & GrantEntries.GTF_TYPE_MASK) != GrantEntries.GTF_PERMIT_ACCESS) {
                throw new ErrnoException(Errno.EINVAL, what(granter, ref) + ": entry does not permit access (flags 0x" + Integer.toHexString(flags) + ")");
            }
            if (GrantEntries.domid(w) != domid) {
                throw new ErrnoException(Errno.EACCES, what(granter, ref) + ": granted to domain " + GrantEntries.domid(w));
            }
            if (writable && (flags & GrantEntries.GTF_READONLY) != 0) {
                throw new ErrnoException(Errno.EACCES, what(granter, ref) + ": the grant is read-only");
            }
            frame = e.frame(ref);
            if (frame < table.tableFrames() || frame >= table.memory().pages()) {
                throw new ErrnoException(Errno.EINVAL, what(granter, ref) + ": frame " + Integer.toUnsignedString(frame) + " is not a page of the domain");
            }
            int set = w | GrantEntries.GTF_READING | (writable ? GrantEntries.GTF_WRITING : 0);
            if (e.compareAndSet(ref, w, set)) {
                break;
            }
        }
        counts.computeIfAbsent(granter, g -> new int[2 * e.count()])[2 * ref + (writable ? 1 : 0)]++;
        return frame;
    }

    private synchronized void releaseAll(EmulatedGrantTable table, int granter, int[] refs, int n, boolean writable) {
        for (int i = 0; i < n; i++) {
            release(table, granter, refs[i], writable);
        }
    }

    /** Drops one mapping of {@code ref}; clears GTF_writing with the last writer and GTF_reading with the last mapping. Called with this locked. */
    private void release(EmulatedGrantTable table, int granter, int ref, boolean writable) {
        int[] c = counts.get(granter);
        c[2 * ref + (writable ? 1 : 0)]--;
        int readers = c[2 * ref];
        int writers = c[2 * ref + 1];
        int clear = (writers == 0 ? GrantEntries.GTF_WRITING : 0) | (readers + writers == 0 ? GrantEntries.GTF_READING : 0);
        GrantEntries e = table.entries();
        while (true) {
            int w = e.word(ref);
            if (e.compareAndSet(ref, w, w & ~clear)) {
                return;
            }
        }
    }

    @Override
    public void close() {
    }
}
