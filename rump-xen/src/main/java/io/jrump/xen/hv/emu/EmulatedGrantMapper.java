package io.jrump.xen.hv.emu;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.GrantMapper;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.ArrayList;
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
    /** Open mappings per (granting domain, ref): [readers, writers]. Guarded by this. */
    private final Map<Long, int[]> counts = new HashMap<>();

    EmulatedGrantMapper(EmulatedXen xen, int domid) {
        this.xen = xen;
        this.domid = domid;
    }

    @Override
    public Mapping map(int granter, int ref, boolean writable) throws ErrnoException {
        int[] frame = new int[1];
        Mapping m = map(granter, ref, writable, frame);
        return m;
    }

    /**
     * In the emulation a domain's memory is one buffer, so pages granted from consecutive
     * frames (as a frontend's pages granted one after another usually are) map side by side
     * as a view of those frames; any other run is refused with null.
     */
    @Override
    public Mapping mapContiguous(int granter, int[] refs, boolean writable) throws ErrnoException {
        EmulatedGrantTable table = xen.grantTableOf(granter);
        if (table == null || refs.length == 0) {
            return null;
        }
        List<Mapping> maps = new ArrayList<>(refs.length);
        int first = -1;
        try {
            for (int i = 0; i < refs.length; i++) {
                int[] frame = new int[1];
                maps.add(map(granter, refs[i], writable, frame));
                if (i == 0) {
                    first = frame[0];
                } else if (frame[0] != first + i) {
                    for (Mapping m : maps) {
                        m.close();
                    }
                    return null;
                }
            }
        } catch (ErrnoException | RuntimeException e) {
            for (Mapping m : maps) {
                m.close();
            }
            throw e;
        }
        ByteBuffer run = table.memory().pages(first, refs.length);
        return new Mapping() {
            @Override
            public ByteBuffer page() {
                return run;
            }

            @Override
            public void close() {
                for (Mapping m : maps) {
                    m.close();
                }
            }
        };
    }

    /** Maps one grant; {@code frameOut[0]} receives the frame it names, read once under the check. */
    private Mapping map(int granter, int ref, boolean writable, int[] frameOut) throws ErrnoException {
        EmulatedGrantTable table = xen.grantTableOf(granter);
        String what = "map grant " + ref + " of domain " + granter + " into domain " + domid;
        if (table == null) {
            throw new ErrnoException(Errno.ESRCH, what + ": no such domain");
        }
        GrantEntries e = table.entries();
        if (ref < 0 || ref >= e.count()) {
            throw new ErrnoException(Errno.EINVAL, what + ": reference outside the table of " + e.count());
        }
        int frame;
        synchronized (this) {
            while (true) {
                int w = e.word(ref);
                int flags = GrantEntries.flags(w);
                if ((flags & GrantEntries.GTF_TYPE_MASK) != GrantEntries.GTF_PERMIT_ACCESS) {
                    throw new ErrnoException(Errno.EINVAL, what + ": entry does not permit access (flags 0x" + Integer.toHexString(flags) + ")");
                }
                if (GrantEntries.domid(w) != domid) {
                    throw new ErrnoException(Errno.EACCES, what + ": granted to domain " + GrantEntries.domid(w));
                }
                if (writable && (flags & GrantEntries.GTF_READONLY) != 0) {
                    throw new ErrnoException(Errno.EACCES, what + ": the grant is read-only");
                }
                frame = e.frame(ref);
                if (frame < table.tableFrames() || frame >= table.memory().pages()) {
                    throw new ErrnoException(Errno.EINVAL, what + ": frame " + Integer.toUnsignedString(frame) + " is not a page of the domain");
                }
                int set = w | GrantEntries.GTF_READING | (writable ? GrantEntries.GTF_WRITING : 0);
                if (e.compareAndSet(ref, w, set)) {
                    break;
                }
            }
            int[] c = counts.computeIfAbsent(key(granter, ref), k -> new int[2]);
            c[writable ? 1 : 0]++;
        }
        frameOut[0] = frame;
        ByteBuffer page = table.memory().page(frame);
        return new Mapping() {
            private boolean closed;

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
                    unmapped(table, granter, ref, writable);
                }
            }
        };
    }

    /** Called with this locked. */
    private void unmapped(EmulatedGrantTable table, int granter, int ref, boolean writable) {
        long k = key(granter, ref);
        int[] c = counts.get(k);
        c[writable ? 1 : 0]--;
        int clear = (c[1] == 0 ? GrantEntries.GTF_WRITING : 0) | (c[0] + c[1] == 0 ? GrantEntries.GTF_READING : 0);
        if (c[0] + c[1] == 0) {
            counts.remove(k);
        }
        GrantEntries e = table.entries();
        while (true) {
            int w = e.word(ref);
            if (e.compareAndSet(ref, w, w & ~clear)) {
                return;
            }
        }
    }

    private static long key(int granter, int ref) {
        return ((long) granter << 32) | (ref & 0xffffffffL);
    }

    @Override
    public void close() {
    }
}
